/** kubectl-style resource name, fit for `kubectl rollout restart $(...)`. */
export function kubectlName(kind: string, name: string): string {
  const group = KIND_GROUPS[kind];
  return `${kind.toLowerCase()}${group ? `.${group}` : ''}/${name}`;
}
const KIND_GROUPS: Record<string, string> = {
  Deployment: 'apps',
  StatefulSet: 'apps',
  DaemonSet: 'apps',
  ReplicaSet: 'apps',
  Job: 'batch',
  CronJob: 'batch',
  Ingress: 'networking.k8s.io',
  RoleBinding: 'rbac.authorization.k8s.io',
  ClusterRoleBinding: 'rbac.authorization.k8s.io',
  Gateway: 'gateway.networking.k8s.io',
  StorageClass: 'storage.k8s.io',
  SecretProviderClass: 'secrets-store.csi.x-k8s.io',
};
