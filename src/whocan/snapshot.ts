// What the cluster loader hands to who-can (src/kube/rbac.ts fills it).
import type { PodLike, WorkloadLike } from '../consumers/rollup.js';
import type { RbacSnapshot } from './types.js';

/** Something the tool could not see, and which part of the answer it leaves short. */
export interface Gap {
  message: string;
  affects: 'direct' | 'indirect';
}

/** Which roles were listed: a binding to a role outside them is unknown, not dangling. */
export interface RoleVisibility {
  clusterRoles: boolean;
  /** Roles of all namespaces, of the Secret's namespace only, or none. */
  roles: 'all' | 'namespace' | 'none';
}

export interface ClusterSnapshot {
  rbac: RbacSnapshot;
  visibility: RoleVisibility;
  serviceAccounts: Array<{ namespace: string; name: string }>;
  /** Which namespaces' ServiceAccounts those are: all, the Secret's, or none; absent when unknown. */
  serviceAccountsListed?: 'all' | 'namespace' | 'none';
  pods: PodLike[];
  workloads: WorkloadLike[];
  /** undefined: could not tell (listing Secrets forbidden). */
  secretExists: boolean | undefined;
  /** e.g. v1.37.2; undefined when /version could not be read. */
  serverVersion: string | undefined;
  gaps: Gap[];
}

/** `v1.34.2`, `v1.35.0-gke.1` → {1, 34}; undefined when unparsable. */
export function parseServerVersion(version: string | undefined): { major: number; minor: number } | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(version ?? '');
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}
