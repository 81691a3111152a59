// Could read × did read: who-can's rows joined with the audit ledger, one subject per
// identity, each with a verdict. Shared by `investigate` and `who-can --log`.
import { isControlPlaneUser } from '../util/control-plane.js';
import { checkIndexed, indexRows } from '../whocan/check.js';
import type { BindingId } from '../whocan/policy.js';
import { rowIdentity, type PathKind, type WhoCanRow } from '../whocan/report.js';
import { identityKey, isNodeUser, type Identity, type SubjectKind } from '../whocan/subjects.js';
import type { AccessLedger, Activity } from './ledger.js';

/**
 * `expected`: a consumer's ServiceAccount, the kubelet of a node running a consumer, the control plane;
 * `authorised`: RBAC lets it get at the value, and it is not a consumer (review);
 * `not-authorised-now`: it read, but no path lets it now (access removed since: investigate);
 * `unknown`: it read, and no path it may read lets it now, but who-can could not read all of RBAC (check);
 * `denied`: only denied attempts (probing);
 * `failed`: no path found for it, and its only attempts failed (a 401 of refused credentials, a 404);
 * `unused`: it could read, and never did in the window.
 */
export const VERDICTS = [
  'not-authorised-now',
  'unknown',
  'denied',
  'failed',
  'authorised',
  'unused',
  'expected',
] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface AccessPath {
  path: PathKind;
  verbs: string[];
  via: string;
  /** The subject is in this group, which the row is for. */
  memberOf?: string;
  bindings: BindingId[];
  /**
   * Of `bindings`, those whose rules here name this Secret alone (`resourceNames`): they grant no other
   * Secret, so this one unread says the subject does not need them to read Secrets.
   */
  grantsOnlyIt: BindingId[];
}

export interface AccessSubject extends Activity {
  kind: SubjectKind;
  name: string;
  /** ServiceAccounts only. */
  namespace?: string;
  /** Some path (direct, or indirect such as impersonation) lets it get at the value now. */
  canRead: boolean;
  /** A direct path: RBAC, the Node authorizer or system:masters let it read the Secret itself. */
  direct: boolean;
  everyone: boolean;
  controlPlane: boolean;
  paths: AccessPath[];
  /** Why it is an expected reader, or null. */
  expected: string | null;
  verdict: Verdict;
}

/** Who is expected to read the Secret: the consumers' ServiceAccounts and nodes. */
export interface ExpectedReaders {
  /** "ns/name" → the consumer that runs as it ("Deployment/web"). */
  serviceAccounts: ReadonlyMap<string, string>;
  /** node name → the consumers running on it ("Deployment/web", "pod/x"). */
  nodes: ReadonlyMap<string, readonly string[]>;
}

export const NO_EXPECTED: ExpectedReaders = { serviceAccounts: new Map(), nodes: new Map() };

export interface JoinInput {
  /** who-can's rows (control-plane rows included: they are judged `expected`). */
  rows: readonly WhoCanRow[];
  ledger: AccessLedger;
  expected: ExpectedReaders;
  /** who-can read all the RBAC it needs: else a reader with no path it found may have one it could not see. */
  complete: boolean;
}

/** One subject per identity: every who-can subject and every identity the log saw. */
export function joinAccess({ rows, ledger, expected, complete }: JoinInput): AccessSubject[] {
  const byKey = new Map<string, { identity: Identity; rows: WhoCanRow[] }>();
  for (const row of rows) {
    const id = rowIdentity(row);
    const entry = byKey.get(identityKey(id)) ?? { identity: id, rows: [] };
    entry.rows.push(row);
    byKey.set(identityKey(id), entry);
  }
  const seen = new Map(ledger.subjects().map((s) => [identityKey(s.identity), s]));
  const subjects: AccessSubject[] = [];
  const index = indexRows(rows);
  for (const [key, { identity, rows: own }] of byKey) {
    const logged = seen.get(key);
    const through = identity.kind === 'Group' ? own : checkIndexed(index, identity, logged?.groups ?? []).rows;
    subjects.push(subjectOf(identity, through, ledger.of(identity), expected, complete));
  }
  for (const [key, logged] of seen) {
    if (byKey.has(key)) continue;
    const through = checkIndexed(index, logged.identity, logged.groups).rows;
    subjects.push(subjectOf(logged.identity, through, logged.activity, expected, complete));
  }
  return subjects.sort(compareSubjects);
}

function subjectOf(
  identity: Identity,
  rows: readonly WhoCanRow[],
  activity: Activity,
  expected: ExpectedReaders,
  complete: boolean,
): AccessSubject {
  const controlPlane =
    rows.some((r) => r.controlPlane) || (identity.kind !== 'Group' && isControlPlaneUser(userName(identity)));
  const why = expectedReason(identity, controlPlane, expected);
  const canRead = rows.length > 0;
  return {
    kind: identity.kind,
    name: identity.name,
    ...(identity.namespace !== undefined ? { namespace: identity.namespace } : {}),
    canRead,
    direct: rows.some((r) => r.path === 'direct'),
    everyone: rows.some((r) => r.everyone && identityKey(rowIdentity(r)) === identityKey(identity)),
    controlPlane,
    paths: rows.map((r) => pathOf(r, identity)),
    expected: why,
    verdict: verdictOf(why !== null, canRead, activity, complete),
    ...activity,
  };
}

export function verdictOf(
  expected: boolean,
  canRead: boolean,
  a: Pick<Activity, 'reads' | 'denied'>,
  complete = true,
): Verdict {
  if (expected) return 'expected';
  if (a.reads > 0 && !canRead) return complete ? 'not-authorised-now' : 'unknown';
  if (a.reads === 0 && a.denied > 0) return 'denied';
  if (a.reads === 0) return canRead ? 'unused' : 'failed';
  return 'authorised';
}

function pathOf(row: WhoCanRow, identity: Identity): AccessPath {
  const own = identityKey(rowIdentity(row)) === identityKey(identity);
  const bindings = new Map<string, BindingId>();
  const grantingOthers = new Set<string>();
  for (const step of row.chain) {
    if (!step.binding) continue;
    const key = `${step.binding.kind}/${step.binding.namespace ?? ''}/${step.binding.name}`;
    bindings.set(key, step.binding);
    // The rule matched this Secret, so its names (when it has any) include it: one distinct name is it alone.
    if (new Set(step.rule?.resourceNames ?? []).size !== 1) grantingOthers.add(key);
  }
  return {
    path: row.path,
    verbs: row.verbs,
    via: row.via,
    ...(own ? {} : { memberOf: row.subject }),
    bindings: [...bindings.values()],
    grantsOnlyIt: [...bindings].filter(([key]) => !grantingOthers.has(key)).map(([, id]) => id),
  };
}

function userName(id: Identity): string {
  return id.kind === 'ServiceAccount' ? `system:serviceaccount:${id.namespace}:${id.name}` : id.name;
}

function expectedReason(id: Identity, controlPlane: boolean, expected: ExpectedReaders): string | null {
  if (controlPlane) return 'control plane';
  if (id.kind === 'ServiceAccount') {
    const consumer = expected.serviceAccounts.get(`${id.namespace}/${id.name}`);
    return consumer === undefined ? null : `ServiceAccount of ${consumer}`;
  }
  if (id.kind === 'User' && isNodeUser(id.name)) {
    const node = id.name.slice('system:node:'.length);
    const consumers = expected.nodes.get(node);
    return consumers === undefined ? null : `kubelet of node ${node} running ${consumers.join(',')}`;
  }
  return null;
}

function compareSubjects(a: AccessSubject, b: AccessSubject): number {
  return (
    VERDICTS.indexOf(a.verdict) - VERDICTS.indexOf(b.verdict) ||
    b.reads - a.reads ||
    b.denied - a.denied ||
    a.kind.localeCompare(b.kind) ||
    (a.namespace ?? '').localeCompare(b.namespace ?? '') ||
    a.name.localeCompare(b.name)
  );
}

/** who-can --log: the reads of one row's subject (a group: its members'), and whether it went unused. */
export interface RowReads {
  reads: number;
  denied: number;
  lastRead: string | null;
  unused: boolean;
}

export function rowReads(row: WhoCanRow, ledger: AccessLedger): RowReads {
  const a = ledger.of(rowIdentity(row));
  return { reads: a.reads, denied: a.denied, lastRead: a.lastRead, unused: a.reads === 0 };
}
