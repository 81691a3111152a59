// Loads the RBAC least-privilege judges: every role and binding in scope (with
// creation times) and the ServiceAccounts, in a fixed number of list requests.
// A forbidden list is a gap, not an error.
import type { Kube } from './client.js';
import { tolerantList } from './fetch.js';
import { RESOURCES } from './paths.js';
import { RBAC_PAGE_SIZE } from './rbac.js';
import type { DatedBinding } from '../leastpriv/types.js';
import type { LeastPrivilegeSnapshot } from '../leastpriv/run.js';
import type { ClusterRole, Role } from '../whocan/types.js';

interface ServiceAccountMeta {
  metadata?: { name?: string; namespace?: string; creationTimestamp?: string };
}

/** `namespace` undefined: every namespace. ClusterRoles and ClusterRoleBindings are always listed (they grant there too). */
export async function loadLeastPrivilegeSnapshot(
  kube: Kube,
  namespace: string | undefined,
): Promise<LeastPrivilegeSnapshot> {
  const page = { limit: RBAC_PAGE_SIZE };
  const [clusterRoles, clusterRoleBindings, roles, roleBindings, serviceAccounts] = await Promise.all([
    tolerantList<ClusterRole>(kube, RESOURCES.clusterroles, undefined, page),
    tolerantList<DatedBinding>(kube, RESOURCES.clusterrolebindings, undefined, page),
    tolerantList<Role>(kube, RESOURCES.roles, namespace, page),
    tolerantList<DatedBinding>(kube, RESOURCES.rolebindings, namespace, page),
    // Every namespace: subjects and system:serviceaccounts groups reach other namespaces' ServiceAccounts.
    tolerantList<ServiceAccountMeta>(kube, RESOURCES.serviceaccounts, undefined, { ...page, metadataOnly: true }),
  ]);
  const gaps = [clusterRoles, clusterRoleBindings, roles, roleBindings, serviceAccounts].flatMap((l) =>
    l.missing ? [l.missing.message] : [],
  );
  return {
    rbac: {
      clusterRoles: clusterRoles.items,
      clusterRoleBindings: clusterRoleBindings.items,
      roles: roles.items,
      roleBindings: roleBindings.items,
    },
    serviceAccounts: serviceAccounts.missing
      ? null
      : serviceAccounts.items.map((sa) => ({
          namespace: sa.metadata?.namespace ?? '',
          name: sa.metadata?.name ?? '',
          creationTimestamp: sa.metadata?.creationTimestamp ?? null,
        })),
    gaps,
  };
}
