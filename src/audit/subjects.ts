import type { SubjectKind } from './report-types.js';

const CONTROL_PLANE_USERS = new Set(['system:kube-controller-manager', 'system:kube-scheduler', 'system:apiserver']);

/**
 * ServiceAccounts the controller-manager runs its controllers as (kube-system).
 * Other kube-system ServiceAccounts (default, tiller, add-ons) stay visible as users.
 */
const CONTROLLER_SERVICE_ACCOUNTS = new Set([
  'attachdetach-controller',
  'bootstrap-signer',
  'certificate-controller',
  'clusterrole-aggregation-controller',
  'cronjob-controller',
  'daemon-set-controller',
  'deployment-controller',
  'disruption-controller',
  'endpoint-controller',
  'endpointslice-controller',
  'endpointslicemirroring-controller',
  'ephemeral-volume-controller',
  'expand-controller',
  'generic-garbage-collector',
  'horizontal-pod-autoscaler',
  'job-controller',
  'legacy-service-account-token-cleaner',
  'namespace-controller',
  'node-controller',
  'persistent-volume-binder',
  'pod-garbage-collector',
  'pv-protection-controller',
  'pvc-protection-controller',
  'replicaset-controller',
  'replication-controller',
  'resourcequota-controller',
  'root-ca-cert-publisher',
  'service-account-controller',
  'service-controller',
  'statefulset-controller',
  'token-cleaner',
  'ttl-after-finished-controller',
  'ttl-controller',
]);

const SA_PREFIX = 'system:serviceaccount:';
const KUBE_SYSTEM_SA_PREFIX = 'system:serviceaccount:kube-system:';

/** The acting identity: the impersonated user when there is one. */
export function subjectKind(user: string, impersonatedUser: string | null): SubjectKind {
  if (impersonatedUser !== null) return impersonatedUser.startsWith(SA_PREFIX) ? 'serviceaccount' : 'user';
  if (user.startsWith('system:node:')) return 'node';
  if (CONTROL_PLANE_USERS.has(user)) return 'control-plane';
  if (user.startsWith(KUBE_SYSTEM_SA_PREFIX)) {
    const name = user.slice(KUBE_SYSTEM_SA_PREFIX.length);
    if (CONTROLLER_SERVICE_ACCOUNTS.has(name) || name.endsWith('-controller')) return 'control-plane';
  }
  return user.startsWith(SA_PREFIX) ? 'serviceaccount' : 'user';
}

/** Kubelets and control-plane components: summed up in one row unless asked for. */
export function isSystemKind(kind: SubjectKind): boolean {
  return kind === 'node' || kind === 'control-plane';
}

/** "alice", or "admin as bob" for an impersonated request. */
export function subjectLabel(user: string, impersonatedUser: string | null): string {
  return impersonatedUser === null ? user : `${user} as ${impersonatedUser}`;
}

/** The namespace of a ServiceAccount user name, for naming its pod "ns/pod". */
export function serviceAccountNamespace(user: string): string | null {
  if (!user.startsWith(SA_PREFIX)) return null;
  const rest = user.slice(SA_PREFIX.length);
  const colon = rest.indexOf(':');
  return colon > 0 ? rest.slice(0, colon) : null;
}
