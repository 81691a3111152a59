/**
 * Built-in identities of the Kubernetes control plane. They read Secrets by
 * design, so incident views fold them into one line unless asked for.
 */
const CONTROL_PLANE_USERS = new Set(['system:kube-controller-manager', 'system:kube-scheduler', 'system:apiserver']);

/**
 * ServiceAccounts the controller-manager runs its controllers as (kube-system).
 * Other kube-system ServiceAccounts (default, tiller, add-ons) stay visible.
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
  'storage-version-migrator-controller',
  'token-cleaner',
  'ttl-after-finished-controller',
  'ttl-controller',
]);

export const SERVICE_ACCOUNT_USER_PREFIX = 'system:serviceaccount:';
const KUBE_SYSTEM_SA_PREFIX = `${SERVICE_ACCOUNT_USER_PREFIX}kube-system:`;

/** Is this user name (as the API server sees it) a control-plane component? */
export function isControlPlaneUser(user: string): boolean {
  if (CONTROL_PLANE_USERS.has(user)) return true;
  if (!user.startsWith(KUBE_SYSTEM_SA_PREFIX)) return false;
  const name = user.slice(KUBE_SYSTEM_SA_PREFIX.length);
  return CONTROLLER_SERVICE_ACCOUNTS.has(name) || name.endsWith('-controller');
}
