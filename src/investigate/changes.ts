// The timeline's changes: creates, updates and deletes of the Secret and of the RBAC that
// grants it, from the writes the audit engine handed on. Pure: writes and who-can's rows in.
import type { ObjectWrite, WrittenResource, WriteVerb } from '../audit/run.js';
import { timelineFacts, type TimelineRead } from '../access/ledger.js';
import type { WhoCanRow } from '../whocan/report.js';

export const CHANGE_KINDS = [
  'secret-created',
  'secret-updated',
  'secret-deleted',
  'binding-created',
  'binding-updated',
  'binding-deleted',
  'role-created',
  'role-updated',
  'role-deleted',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export type ChangedKind = 'Secret' | 'RoleBinding' | 'ClusterRoleBinding' | 'Role' | 'ClusterRole';

/** A change in the timeline: a read entry's who, when and from where, plus what was written. */
export interface ChangeEntry extends Omit<TimelineRead, 'verb' | 'outcome'> {
  kind: ChangeKind;
  verb: WriteVerb;
  /** `done`: the API server made the change; `denied` and `failed` (409, 404, 5xx): it did not. */
  outcome: 'done' | 'denied' | 'failed';
  object: {
    kind: ChangedKind;
    /** null: cluster-scoped. */
    namespace: string | null;
    /** null: a deletecollection, or a create whose name the log lacks (generateName). */
    name: string | null;
    /** RBAC objects: a who-can path to the Secret goes through it now. */
    grantsNow?: boolean;
  };
}

const OBJECT_KIND: Record<WrittenResource, ChangedKind> = {
  secrets: 'Secret',
  rolebindings: 'RoleBinding',
  clusterrolebindings: 'ClusterRoleBinding',
  roles: 'Role',
  clusterroles: 'ClusterRole',
};

const PREFIX: Record<ChangedKind, 'secret' | 'binding' | 'role'> = {
  Secret: 'secret',
  RoleBinding: 'binding',
  ClusterRoleBinding: 'binding',
  Role: 'role',
  ClusterRole: 'role',
};

const SUFFIX: Record<WriteVerb, 'created' | 'updated' | 'deleted'> = {
  create: 'created',
  update: 'updated',
  patch: 'updated',
  delete: 'deleted',
  deletecollection: 'deleted',
};

const objectKey = (kind: ChangedKind, namespace: string | null, name: string | null): string =>
  `${kind}/${namespace ?? ''}/${name ?? ''}`;

/** The bindings and roles on who-can's paths to the Secret now (aggregated ClusterRoles with their parts). */
export function grantingObjects(rows: readonly WhoCanRow[]): Set<string> {
  const keys = new Set<string>();
  for (const row of rows)
    for (const step of row.chain) {
      if (step.binding) keys.add(objectKey(step.binding.kind, step.binding.namespace ?? null, step.binding.name));
      if (step.role) keys.add(objectKey(step.role.kind, step.role.namespace ?? null, step.role.name));
      if (step.aggregatedFrom) keys.add(objectKey('ClusterRole', null, step.aggregatedFrom));
    }
  return keys;
}

/**
 * Which writes the timeline shows. The audit engine already kept the Secret's own writes, the
 * Roles and RoleBindings of its namespace (any of them can grant it, and a deleted one is no
 * longer there to ask) and every ClusterRole and ClusterRoleBinding. Of those cluster-wide
 * objects, the ones that matter: on a path to the Secret now, or deleted in the window (it may
 * have granted the Secret; Metadata-level logs do not say what it bound) — then with all of its
 * writes, to show its history.
 */
export function changeEntries(writes: readonly ObjectWrite[], rows: readonly WhoCanRow[]): ChangeEntry[] {
  const granting = grantingObjects(rows);
  const deleted = new Set<string>();
  for (const w of writes)
    if (w.verb === 'delete' && !w.denied && (w.code === null || w.code < 400))
      deleted.add(objectKey(OBJECT_KIND[w.resource], w.namespace, w.name));
  const entries: ChangeEntry[] = [];
  for (const w of writes) {
    const kind = OBJECT_KIND[w.resource];
    const key = objectKey(kind, w.namespace, w.name);
    const clusterScoped = kind === 'ClusterRole' || kind === 'ClusterRoleBinding';
    if (clusterScoped && !granting.has(key) && !deleted.has(key)) continue;
    entries.push(changeEntry(w, kind, kind === 'Secret' ? undefined : granting.has(key)));
  }
  return entries;
}

function changeEntry(w: ObjectWrite, kind: ChangedKind, grantsNow: boolean | undefined): ChangeEntry {
  const namespace = kind === 'ClusterRole' || kind === 'ClusterRoleBinding' ? null : w.namespace;
  const { time, subject, ...rest } = timelineFacts(w);
  return {
    time,
    subject,
    verb: w.verb,
    scope: w.name !== null ? 'named' : namespace !== null ? 'namespace-wide' : 'cluster-wide',
    outcome: w.denied ? 'denied' : w.code !== null && w.code >= 400 ? 'failed' : 'done',
    ...rest,
    kind: `${PREFIX[kind]}-${SUFFIX[w.verb]}`,
    object: { kind, namespace, name: w.name, ...(grantsNow === undefined ? {} : { grantsNow }) },
  };
}
