// Loads what who-can needs in a fixed number of list requests, all at once:
// never one request per binding. Forbidden lists fall back to what the caller
// may see and are recorded as gaps.
import type { Kube, ListOptions } from './client.js';
import { tolerantList, type Listing } from './fetch.js';
import { isForbidden } from './errors.js';
import { RESOURCES, resourcePath, type ResourceType } from './paths.js';
import { loadPodsAndWorkloads } from './workloads.js';
import type { ClusterSnapshot, Gap } from '../whocan/snapshot.js';
import type { Binding, ClusterRole, Role } from '../whocan/types.js';

/**
 * Page size of the RBAC lists. Large on purpose: the number of round trips
 * stays constant up to this many objects of one type (bindings are small).
 */
export const RBAC_PAGE_SIZE = 10_000;

export interface LoadOptions {
  /** Also list workloads (indirect paths); pods are always listed (Node authorizer). */
  indirect: boolean;
}

export async function loadClusterSnapshot(
  kube: Kube,
  namespace: string,
  secretName: string,
  options: LoadOptions,
): Promise<ClusterSnapshot> {
  // Nothing reads the managedFields of RBAC objects: at 100,000 bindings they would be a third of the memory.
  const page = { limit: RBAC_PAGE_SIZE, withoutManagedFields: true };
  // Direct access only depends on the Secret's namespace; indirect paths reach other namespaces' ServiceAccounts.
  const listRbac = options.indirect ? listAllOrNamespace : listNamespace;
  const [
    version,
    secretExists,
    clusterRoles,
    clusterRoleBindings,
    roles,
    roleBindings,
    serviceAccounts,
    podsAndWorkloads,
  ] = await Promise.all([
    serverVersion(kube),
    secretExistence(kube, namespace, secretName),
    tolerantList<ClusterRole>(kube, RESOURCES.clusterroles, undefined, page),
    tolerantList<Binding>(kube, RESOURCES.clusterrolebindings, undefined, page),
    listRbac<Role>(kube, RESOURCES.roles, namespace, page),
    listRbac<Binding>(kube, RESOURCES.rolebindings, namespace, page),
    listAllOrNamespace<{ metadata?: { name?: string; namespace?: string } }>(
      kube,
      RESOURCES.serviceaccounts,
      namespace,
      { ...page, metadataOnly: true },
    ),
    loadPodsAndWorkloads(kube, namespace, undefined, { workloads: options.indirect }),
  ]);

  const gaps: Gap[] = [];
  const direct = (l: Listing<unknown>): void => {
    if (l.missing) gaps.push({ message: l.missing.message, affects: 'direct' });
  };
  direct(clusterRoles);
  direct(clusterRoleBindings);
  for (const l of [roles, roleBindings, serviceAccounts]) gaps.push(...l.gaps);
  for (const message of podsAndWorkloads.gaps) {
    gaps.push({ message, affects: message === podsAndWorkloads.podsGap ? 'direct' : 'indirect' });
  }
  if (version === undefined) {
    gaps.push({
      message: 'cannot read /version: assuming a server older than 1.35 (get pods/exec counts as exec)',
      affects: 'indirect',
    });
  }

  return {
    rbac: {
      clusterRoles: clusterRoles.items,
      clusterRoleBindings: clusterRoleBindings.items,
      roles: roles.items,
      roleBindings: roleBindings.items,
    },
    visibility: {
      clusterRoles: !clusterRoles.missing,
      roles: roles.scope,
    },
    serviceAccounts: serviceAccounts.items.map((sa) => ({
      namespace: sa.metadata?.namespace ?? '',
      name: sa.metadata?.name ?? '',
    })),
    pods: podsAndWorkloads.pods,
    workloads: podsAndWorkloads.workloads,
    secretExists,
    serverVersion: version,
    gaps,
  };
}

interface ScopedListing<T> {
  items: T[];
  scope: 'all' | 'namespace' | 'none';
  gaps: Gap[];
}

/**
 * Lists a namespaced type in all namespaces; if that is forbidden, in the
 * Secret's namespace (enough for the direct answer; paths through other
 * namespaces' ServiceAccounts are then missing).
 */
async function listAllOrNamespace<T>(
  kube: Kube,
  type: ResourceType,
  namespace: string,
  options: ListOptions,
): Promise<ScopedListing<T>> {
  const all = await tolerantList<T>(kube, type, undefined, options);
  if (!all.missing) return { items: all.items, scope: 'all', gaps: [] };
  const mine = await listNamespace<T>(kube, type, namespace, options);
  if (mine.scope === 'none') return mine;
  const what =
    type.resource === 'serviceaccounts'
      ? 'ServiceAccounts of other namespaces are missing from system:serviceaccounts'
      : 'paths through other namespaces are missing';
  return {
    ...mine,
    gaps: [
      {
        message: `${all.missing.message}: using namespace ${namespace} only (${what})`,
        affects: type.resource === 'serviceaccounts' ? 'direct' : 'indirect',
      },
    ],
  };
}

async function listNamespace<T>(
  kube: Kube,
  type: ResourceType,
  namespace: string,
  options: ListOptions,
): Promise<ScopedListing<T>> {
  const mine = await tolerantList<T>(kube, type, namespace, options);
  if (mine.missing) return { items: [], scope: 'none', gaps: [{ message: mine.missing.message, affects: 'direct' }] };
  return { items: mine.items, scope: 'namespace', gaps: [] };
}

async function serverVersion(kube: Kube): Promise<string | undefined> {
  try {
    const v = await kube.get<{ gitVersion?: string }>('/version');
    return v.gitVersion;
  } catch {
    return undefined;
  }
}

/**
 * Whether the Secret exists, asked without reading it: a metadata-only list
 * field-selected to its name (PartialObjectMetadata: no data crosses the
 * wire). Forbidden → unknown.
 */
async function secretExistence(kube: Kube, namespace: string, name: string): Promise<boolean | undefined> {
  try {
    const { items } = await kube.list<{ metadata?: { name?: string } }, string | undefined>(
      resourcePath(RESOURCES.secrets, namespace),
      {
        metadataOnly: true,
        limit: 1,
        query: { fieldSelector: `metadata.name=${name}` },
        // Only the name is kept, as each page arrives: annotations (kubectl apply's
        // last-applied-configuration) may hold a copy of the values.
        map: (i) => i.metadata?.name,
      },
    );
    return items.includes(name);
  } catch (err) {
    if (isForbidden(err)) return undefined;
    throw err;
  }
}
