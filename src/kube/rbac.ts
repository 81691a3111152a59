// Loads what who-can needs in a fixed number of list requests, all at once:
// never one request per binding. Forbidden lists fall back to what the caller
// may see and are recorded as gaps.
import type { Kube, ListOptions } from './client.js';
import { tolerantList, type Listing } from './fetch.js';
import { isForbidden } from './errors.js';
import { RESOURCES, resourcePath, type ResourceType } from './paths.js';
import { loadPodsAndWorkloads } from './workloads.js';
import { decodeBindingList, decodeRoleList } from './rbac-protobuf.js';
import type { ClusterSnapshot, Gap } from '../whocan/snapshot.js';
import type { Binding, ClusterRole, Role } from '../whocan/types.js';

/**
 * Page size of the RBAC lists. Large on purpose: the number of round trips
 * stays constant up to this many objects of one type (bindings are small).
 */
export const RBAC_PAGE_SIZE = 10_000;

/**
 * More namespaces than this for the indirect paths: one cluster-wide list of each type instead of one list
 * per namespace (fewer round trips, and little is left to skip).
 */
export const MAX_NAMESPACE_LISTS = 8;

/**
 * Cluster-wide Role and RoleBinding lists expected this big (the Secret's namespace's RoleBindings times the
 * namespaces) come as protobuf: the API server writes 10,000 RoleBindings in ~70 ms instead of ~170, a third of
 * the bytes, and the reader skips managedFields. The reader is JavaScript, though: on a few hundred objects
 * JSON.parse (native) costs less, so smaller lists stay JSON.
 */
export const PROTOBUF_FROM = 2_000;

export interface LoadOptions {
  /** Also list workloads (indirect paths); pods are always listed (Node authorizer). */
  indirect: boolean;
  /**
   * Indirect paths: the namespaces besides the Secret's whose RoleBindings and Roles can change the answer,
   * from a snapshot holding the ClusterRoleBindings and the Secret's namespace's ones (whocan's
   * indirectNamespaces). Without it, every namespace's are listed.
   */
  scope?: (partial: Pick<ClusterSnapshot, 'rbac' | 'serviceAccounts'>) => string[] | 'all';
  /**
   * Work that can wait for the lists (the caller's set-up for its answer): run once the first answer, /version,
   * is back, when the connection is up and every request is on its way, while the API server writes the lists.
   */
  whileWaiting?: () => void;
}

type Named = { metadata?: { name?: string; namespace?: string } };

export async function loadClusterSnapshot(
  kube: Kube,
  namespace: string,
  secretName: string,
  options: LoadOptions,
): Promise<ClusterSnapshot> {
  // Nothing reads the managedFields of RBAC objects: at 100,000 bindings they would be a third of the memory.
  const page = { limit: RBAC_PAGE_SIZE, withoutManagedFields: true };
  // Direct access only depends on the Secret's namespace; indirect paths reach other namespaces' ServiceAccounts:
  // those namespaces are listed once the direct readers are known, while pods and workloads still load. Every
  // namespace's (or many) are read from cluster-wide lists asked for with the first ones, dropped unread otherwise.
  const listRbac = options.indirect && !options.scope ? listAllOrNamespace : listNamespace;
  const early = options.indirect && options.scope ? new EarlyClusterWideLists() : undefined;
  // With those, the bindings the direct readers come from are protobuf too: the reader is warm by then, and the
  // API server writes them sooner (--direct-only keeps JSON: there, the cold reader costs more than JSON.parse).
  const bindingPage = early ? { ...page, protobuf: decodeBindingList } : page;
  const rbacLists = Promise.all([
    tolerantList<ClusterRole>(kube, RESOURCES.clusterroles, undefined, page),
    tolerantList<Binding>(kube, RESOURCES.clusterrolebindings, undefined, bindingPage),
    listRbac<Role>(kube, RESOURCES.roles, namespace, page),
    listRbac<Binding>(kube, RESOURCES.rolebindings, namespace, bindingPage),
    listAllOrNamespace<Named>(kube, RESOURCES.serviceaccounts, namespace, { ...page, metadataOnly: true }),
  ]).then(async ([clusterRoles, clusterRoleBindings, roles, roleBindings, serviceAccounts]) => {
    const accounts = serviceAccounts.items.map((sa) => ({
      namespace: sa.metadata?.namespace ?? '',
      name: sa.metadata?.name ?? '',
    }));
    const rbac = {
      clusterRoles: clusterRoles.items,
      clusterRoleBindings: clusterRoleBindings.items,
      roles: roles.items,
      roleBindings: roleBindings.items,
    };
    // (the Secret's namespace's RoleBindings forbidden: no reader is known, and the answer is already partial)
    const others =
      options.indirect && options.scope && roleBindings.scope === 'namespace'
        ? options.scope({ rbac, serviceAccounts: accounts })
        : [];
    const namespaces = (): number => new Set(accounts.map((sa) => sa.namespace)).size; // each has its `default` ServiceAccount
    if (others !== 'all' && others.length === 0) early?.drop();
    const wider =
      others === 'all' || others.length > 0
        ? await listOtherNamespaces(kube, namespace, rbac, others, {
            page,
            protobuf: roleBindings.items.length * namespaces() >= PROTOBUF_FROM,
            early,
          })
        : undefined;
    return { clusterRoles, clusterRoleBindings, roles, roleBindings, serviceAccounts, accounts, wider };
  });
  const versionAnswer = serverVersion(kube);
  const whileWaiting = options.whileWaiting;
  if (whileWaiting) void versionAnswer.then(() => setImmediate(whileWaiting));
  const podsAndWorkloadsLists = loadPodsAndWorkloads(kube, namespace, undefined, { workloads: options.indirect });
  const existence = secretExistence(kube, namespace, secretName);
  early?.start(kube, page); // after the others: the small lists leave first
  const [version, secretExists, lists, podsAndWorkloads] = await Promise.all([
    versionAnswer,
    existence,
    rbacLists,
    podsAndWorkloadsLists,
  ]).finally(() => early?.drop()); // (not taken, or a failure elsewhere: nothing waits for them)
  const { clusterRoles, clusterRoleBindings, roles, roleBindings, serviceAccounts, accounts, wider } = lists;

  const gaps: Gap[] = [];
  const direct = (l: Listing<unknown>): void => {
    if (l.missing) gaps.push({ message: l.missing.message, affects: 'direct' });
  };
  direct(clusterRoles);
  direct(clusterRoleBindings);
  for (const l of [roles, roleBindings, serviceAccounts]) gaps.push(...l.gaps);
  if (wider) gaps.push(...wider.gaps);
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
      roles: wider?.roles ?? roles.items,
      roleBindings: wider?.roleBindings ?? roleBindings.items,
    },
    visibility: {
      clusterRoles: !clusterRoles.missing,
      roles: roles.scope,
    },
    serviceAccounts: accounts,
    serviceAccountsListed: serviceAccounts.scope,
    pods: podsAndWorkloads.pods,
    workloads: podsAndWorkloads.workloads,
    secretExists,
    serverVersion: version,
    gaps,
  };
}

/**
 * Adds the Roles and RoleBindings of `others` to the Secret's namespace's: one list per namespace, all at once,
 * or the cluster-wide lists when there are many (or 'all'). A namespace that cannot be listed is a gap naming
 * it; so is a cluster-wide list that cannot be (the Secret's namespace is then all there is, as without scope).
 */
async function listOtherNamespaces(
  kube: Kube,
  namespace: string,
  mine: { roles: Role[]; roleBindings: Binding[] },
  others: readonly string[] | 'all',
  { page, protobuf, early }: { page: ListOptions; protobuf: boolean; early: EarlyClusterWideLists | undefined },
): Promise<{ roles: Role[]; roleBindings: Binding[]; gaps: Gap[] }> {
  // The Secret's namespace's come first, the very objects listed before (the analysis goes on from them).
  const out = { roles: [...mine.roles], roleBindings: [...mine.roleBindings], gaps: [] as Gap[] };
  const add = ([roles, roleBindings]: [Listing<Role>, Listing<Binding>], gap: (message: string) => string): void => {
    // one by one: push(...items) of 10,000 objects passes them all as arguments
    for (const r of roles.items) if (r.metadata.namespace !== namespace) out.roles.push(r);
    for (const b of roleBindings.items) if (b.metadata.namespace !== namespace) out.roleBindings.push(b);
    for (const l of [roles, roleBindings])
      if (l.missing) out.gaps.push({ message: gap(l.missing.message), affects: 'indirect' });
  };
  const extra = others === 'all' ? [] : others.filter((ns) => ns !== namespace);
  if (others === 'all' || extra.length > MAX_NAMESPACE_LISTS) {
    const listed =
      (await early?.take()) ??
      (await Promise.all([
        tolerantList<Role>(kube, RESOURCES.roles, undefined, protobuf ? { ...page, protobuf: decodeRoleList } : page),
        tolerantList<Binding>(
          kube,
          RESOURCES.rolebindings,
          undefined,
          protobuf ? { ...page, protobuf: decodeBindingList } : page,
        ),
      ]));
    add(listed, (m) => `${m}: using namespace ${namespace} only (paths through other namespaces are missing)`);
    return out;
  }
  early?.drop();
  const listings = await Promise.all(
    extra.map((ns) =>
      Promise.all([
        tolerantList<Role>(kube, RESOURCES.roles, ns, page),
        tolerantList<Binding>(kube, RESOURCES.rolebindings, ns, page),
      ]),
    ),
  );
  listings.forEach((listed, i) => add(listed, (m) => `${m}: paths through namespace ${extra[i]} are missing`));
  return out;
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

/**
 * The cluster-wide Role and RoleBinding lists, asked for with the first lists rather than once the direct readers
 * are known (a round trip and the API server's encoding later), in case the indirect paths need every namespace.
 * Nothing is decoded until they are taken; dropped, their streams are cancelled. One that failed for any reason
 * is as if never asked for: the caller lists again, as it did without them (same gaps, same errors).
 */
class EarlyClusterWideLists {
  private readonly abort = new AbortController();
  private taken = false;
  private resolveTaken!: () => void;
  private readonly wanted = new Promise<void>((resolve) => (this.resolveTaken = resolve));
  private lists: Promise<[Listing<Role>, Listing<Binding>] | undefined> | undefined;

  start(kube: Kube, page: ListOptions): void {
    // protobuf whatever the size: the size is not known yet, and on a small list the difference is small
    const options = { ...page, signal: this.abort.signal, readWhen: this.wanted };
    this.lists = Promise.all([
      tolerantList<Role>(kube, RESOURCES.roles, undefined, { ...options, protobuf: decodeRoleList }),
      tolerantList<Binding>(kube, RESOURCES.rolebindings, undefined, { ...options, protobuf: decodeBindingList }),
    ]).catch(() => {
      // both are listed again: the other is not read
      this.abort.abort();
      return undefined;
    });
  }

  /** The lists, or undefined when they failed (or were never started). */
  take(): Promise<[Listing<Role>, Listing<Binding>] | undefined> {
    this.taken = true;
    this.resolveTaken();
    return this.lists ?? Promise.resolve(undefined);
  }

  drop(): void {
    if (this.taken) return;
    this.abort.abort();
    this.resolveTaken();
  }
}

/**
 * When each RoleBinding of a namespace was created (name → RFC3339), from a metadata-only list: who-can's lists may
 * come as protobuf, whose reader leaves creation times out. null when it cannot be listed.
 */
export async function roleBindingsCreated(kube: Kube, namespace: string): Promise<ReadonlyMap<string, string> | null> {
  try {
    type Meta = { metadata?: { name?: string; creationTimestamp?: string } };
    const { items } = await kube.list<Meta, [string, string] | undefined>(
      resourcePath(RESOURCES.rolebindings, namespace),
      {
        metadataOnly: true,
        limit: RBAC_PAGE_SIZE,
        withoutManagedFields: true,
        map: ({ metadata: m }) => (m?.name && m.creationTimestamp ? [m.name, m.creationTimestamp] : undefined),
      },
    );
    return new Map(items.filter((i) => i !== undefined));
  } catch (err) {
    if (isForbidden(err)) return null;
    throw err;
  }
}
