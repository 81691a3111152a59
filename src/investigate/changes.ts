// The timeline's changes: creates, updates and deletes of the Secret and of the RBAC that
// grants it, from the writes src/access/write-log.ts lists. Pure.
import type { ObjectWrite, WriteVerb } from '../audit/run.js';
import { timelineFacts, type TimelineRead } from '../access/ledger.js';
import { grantsNow, isClusterScoped, OBJECT_KIND, type ChangedKind } from '../access/write-log.js';

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

/** The timeline's entries for the writes it lists (WriteLog.listed), with `grantsNow` on RBAC objects. */
export function changeEntries(writes: readonly ObjectWrite[], granting: ReadonlySet<string>): ChangeEntry[] {
  return writes.map((w) => changeEntry(w, OBJECT_KIND[w.resource], grantsNow(w, granting)));
}

function changeEntry(w: ObjectWrite, kind: ChangedKind, grants: boolean | undefined): ChangeEntry {
  const namespace = isClusterScoped(kind) ? null : w.namespace;
  const { time, subject, ...rest } = timelineFacts(w);
  return {
    time,
    subject,
    verb: w.verb,
    scope: w.name !== null ? 'named' : namespace !== null ? 'namespace-wide' : 'cluster-wide',
    outcome: w.denied ? 'denied' : w.code !== null && w.code >= 400 ? 'failed' : 'done',
    ...rest,
    kind: `${PREFIX[kind]}-${SUFFIX[w.verb]}`,
    object: { kind, namespace, name: w.name, ...(grants === undefined ? {} : { grantsNow: grants }) },
  };
}
