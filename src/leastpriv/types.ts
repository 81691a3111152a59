// Shapes of least-privilege's input and of its report (kind LeastPrivilegeReport, docs/output.md).
import type { ObservedRead } from '../audit/read-ledger.js';
import type { BindingId, RoleId } from '../whocan/policy.js';
import type { Identity } from '../whocan/subjects.js';
import type { Binding, ClusterRole, PolicyRule, Role, Subject } from '../whocan/types.js';

/** RBAC objects as listed: who-can's shapes plus the creation time the window is judged by. */
export interface Dated {
  metadata: { creationTimestamp?: string | null };
}
export type DatedBinding = Binding & Dated;

export interface LeastPrivilegeInput {
  rbac: {
    roles: Role[];
    clusterRoles: ClusterRole[];
    roleBindings: DatedBinding[];
    clusterRoleBindings: DatedBinding[];
  };
  /** null when they could not be listed: a ServiceAccount subject is then unknown, not missing. */
  serviceAccounts: ReadonlyArray<{
    namespace: string;
    name: string;
    creationTimestamp?: string | null | undefined;
  }> | null;
  /** Reads the authorizer allowed, from the audit logs (denied attempts left out). */
  reads: readonly ObservedRead[];
}

export interface LeastPrivilegeOptions {
  /** Judge RoleBindings of this namespace only; undefined: every binding (-A). */
  namespace: string | undefined;
  /** Start and end of the window (epoch ms). */
  windowStart: number;
  windowEnd: number;
  /** Judge control-plane components, nodes and system:masters too. */
  includeSystem: boolean;
}

export const FINDINGS = [
  'everyone',
  'unused-binding',
  'unused-subject',
  'unused-verb',
  'too-broad',
  'wildcard',
  'not-judged',
  'ok',
] as const;
export type Finding = (typeof FINDINGS)[number];

export type SubjectVerdict = 'used' | 'unused' | 'not-judged';

export interface SubjectUse {
  subject: Subject;
  verdict: SubjectVerdict;
  /** Why a subject is not judged (young, control-plane, missing). */
  reason?: string;
  /** Reads through this binding in the window. */
  reads: number;
  lastRead: string | null;
}

/** What was read through one rule (or binding): verbs, and Secrets as ns/name, ns/* or *\/*. */
export interface Usage {
  verbs: string[];
  secrets: string[];
  reads: number;
  lastRead: string | null;
}

/** One row: a binding (rule null) or one of its rules that grants reading Secrets. */
export interface LeastPrivilegeItem {
  binding: BindingId;
  role: RoleId;
  ruleIndex: number | null;
  rule: PolicyRule | null;
  findings: Finding[];
  /** Read verbs the rule grants on Secrets, and its resourceNames (null: any name). */
  granted: { verbs: string[]; resourceNames: string[] | null } | null;
  used: Usage;
  subjects: SubjectUse[];
  /** What to grant instead, in words (`get secrets [db]`, `nothing: remove`); empty when nothing changes. */
  proposal: string;
  /** Why nothing is proposed although a finding says it could be narrower. */
  blocked?: string;
  /** Binding creation time (RFC3339) when known. */
  created?: string;
}

/** A permission to read Secrets that the suggestion takes away from a subject. */
export interface RemovedAccess {
  subject: Identity;
  verb: string;
  /** null: in every namespace (a ClusterRoleBinding). */
  namespace: string | null;
  /** `all`: any Secret; `all-except`: any but `names`; `names`: only these. */
  what: 'all' | 'all-except' | 'names';
  names: string[];
  /** The binding whose change removes it. */
  binding: BindingId;
}
