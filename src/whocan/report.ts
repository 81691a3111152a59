// The rows who-can answers with (kind WhoCanReport, see docs/output.md).
import type { BindingId, RoleId } from './policy.js';
import type { Identity, SubjectKind } from './subjects.js';
import type { PolicyRule, Subject } from './types.js';

export const READ_VERBS = ['get', 'list', 'watch'] as const;
export type ReadVerb = (typeof READ_VERBS)[number];

/**
 * How a subject gets at the value: `direct` (an authorizer lets it read the
 * Secret) or an indirect path that leads there.
 */
export const PATH_KINDS = [
  'direct',
  'create-workload', // create pods or pod-creating workloads in the namespace (mount it), or run a pod as a reader ServiceAccount
  'modify-workload', // patch/update a workload (or add an ephemeral container) so that a pod loads it
  'exec', // exec/attach into a pod that loads it
  'impersonate', // impersonate a subject that can read it
  'rbac-escalation', // escalate/bind roles, create (cluster)rolebindings
  'sa-token', // mint a token of a ServiceAccount that can read it
  'nodes-proxy', // kubelet API of a node running a pod that loads it
] as const;
export type PathKind = (typeof PATH_KINDS)[number];

export type Authorizer = 'RBAC' | 'Node' | 'superuser';

/** An object a step acts on or reaches. */
export interface TargetRef {
  kind: string;
  name: string;
  namespace?: string;
  /** For workloads and pods: it already loads the Secret. */
  consumer?: boolean;
}

/** One reason a row exists: subject → (group) → binding → role → rule → (target). */
export interface ChainStep {
  authorizer: Authorizer;
  /** Verbs this step grants: read verbs for direct rows, the action's verbs for indirect ones. */
  verbs: string[];
  /** Direct list/watch allowed only for requests with fieldSelector metadata.name=NAME (resourceNames rule). */
  fieldSelectedOnly?: boolean;
  /** The row's subject is bound through this group (ServiceAccount group expansion). */
  memberOf?: string;
  /** The subject as the binding spells it, when that differs from the row's (defaulted namespace, User form of a ServiceAccount). */
  boundAs?: Subject;
  binding?: BindingId;
  role?: RoleId;
  ruleIndex?: number;
  rule?: PolicyRule;
  /** Aggregated ClusterRoles: the child ClusterRole the rule comes from. */
  aggregatedFrom?: string;
  /** The rule comes from an aggregation the controller has not stored yet. */
  pendingAggregation?: boolean;
  /** Indirect paths: what the subject does, e.g. "create pods/exec". */
  action?: string;
  targets?: TargetRef[];
  /** The targets are identities the subject acts as (impersonation, a pod's ServiceAccount), not objects it acts on. */
  actsAs?: boolean;
  note?: string;
}

export type Verification = 'confirmed' | 'disputed' | 'unverified';

export interface WhoCanRow {
  kind: SubjectKind;
  subject: string;
  /** ServiceAccounts: their namespace; empty for users and groups. */
  namespace: string;
  verbs: string[];
  /** Direct rows: verbs that only cover requests field-selected to the Secret's name. */
  fieldSelectedOnly: string[];
  path: PathKind;
  /** Short chain for the table. */
  via: string;
  /** The subject stands for everyone (system:authenticated, system:unauthenticated, system:anonymous). */
  everyone: boolean;
  /** A built-in control-plane identity (kube-controller-manager and its controllers, the scheduler). */
  controlPlane: boolean;
  chain: ChainStep[];
  /** Set by --verify on direct rows. */
  verified?: Verification;
  /** Verbs the API server denied (--verify). */
  disputedVerbs?: string[];
}

export function rowIdentity(row: WhoCanRow): Identity {
  return row.kind === 'ServiceAccount'
    ? { kind: row.kind, name: row.subject, namespace: row.namespace }
    : { kind: row.kind, name: row.subject };
}
