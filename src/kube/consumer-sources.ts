// Everything that may name a Secret, as one scan shared by exposure and
// rotate: pods and pod-template workloads, ServiceAccounts, Ingresses,
// Gateways (all namespaces: they may point across), StorageClasses and
// SecretProviderClasses. One fact, one place: a kind added here is seen by
// both commands.
import type { Kube, ListOptions } from './client.js';
import { isForbidden, isNotFound } from './errors.js';
import { tolerantList, type Listing } from './fetch.js';
import { RESOURCES, type ResourceType } from './paths.js';
import { loadPodsAndWorkloads } from './workloads.js';
import type { PodLike, WorkloadLike } from '../consumers/rollup.js';
import type { ReferencingObject, ServiceAccountLike } from '../consumers/object-refs.js';

export const CONSUMER_RESOURCES = {
  storageclasses: {
    group: 'storage.k8s.io',
    version: 'v1',
    resource: 'storageclasses',
    kind: 'StorageClass',
    namespaced: false,
  },
  gateways: {
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    resource: 'gateways',
    kind: 'Gateway',
    namespaced: true,
  },
  secretproviderclasses: {
    group: 'secrets-store.csi.x-k8s.io',
    version: 'v1',
    resource: 'secretproviderclasses',
    kind: 'SecretProviderClass',
    namespaced: true,
  },
} as const satisfies Record<string, ResourceType>;

export interface ConsumerSources {
  pods: PodLike[];
  workloads: WorkloadLike[];
  serviceAccounts: ServiceAccountLike[];
  /** Ingresses, Gateways, StorageClasses, SecretProviderClasses. */
  objects: ReferencingObject[];
  /** Lists that were refused: consumers there are not seen. */
  gaps: string[];
  /**
   * Of those, lists beyond the namespace asked about: of cluster-scoped kinds (StorageClasses), and Gateways of every
   * namespace when those of the namespace could be listed. An identity of one namespace (a CI ServiceAccount with
   * edit or admin there) may not list them, and no default role grants it.
   */
  clusterScopedGaps: string[];
  /** Set when pods themselves could not be listed. */
  podsGap?: string;
  serviceAccountsKnown: boolean;
}

/**
 * Lists, in parallel, every kind of object that names Secrets, in one
 * namespace (undefined: all). APIs the cluster does not serve are skipped
 * quietly; refused lists become gaps.
 */
export async function loadConsumerSources(
  kube: Kube,
  ns: string | undefined,
  options?: ListOptions,
): Promise<ConsumerSources> {
  const [podsAndWorkloads, serviceAccounts, ingresses, gateways, storageClasses, spcs] = await Promise.all([
    loadPodsAndWorkloads(kube, ns, options),
    tolerantList<Record<string, unknown>>(kube, RESOURCES.serviceaccounts, ns, options),
    tolerantList<Record<string, unknown>>(kube, RESOURCES.ingresses, ns, options),
    ifServed(kube, CONSUMER_RESOURCES.gateways, () => listGateways(kube, ns, options), {
      items: [],
      gaps: [],
      beyond: [],
    }),
    tolerantList<Record<string, unknown>>(kube, CONSUMER_RESOURCES.storageclasses, undefined, options),
    ifServed(
      kube,
      CONSUMER_RESOURCES.secretproviderclasses,
      () => tolerantList<Record<string, unknown>>(kube, CONSUMER_RESOURCES.secretproviderclasses, ns, options),
      {
        items: [],
      },
    ),
  ]);
  const gaps = [...podsAndWorkloads.gaps];
  const clusterScopedGaps: string[] = [];
  const objects: ReferencingObject[] = [];
  const take = (listing: Listing<Record<string, unknown>>, kind: string, into: unknown[], clusterScoped = false) => {
    if (listing.missing?.reason === 'forbidden') {
      gaps.push(listing.missing.message);
      if (clusterScoped) clusterScopedGaps.push(listing.missing.message);
    }
    for (const item of listing.items) into.push({ ...item, kind });
  };
  const sas: ServiceAccountLike[] = [];
  take(serviceAccounts, 'ServiceAccount', sas);
  take(ingresses, 'Ingress', objects);
  take(storageClasses, 'StorageClass', objects, true);
  take(spcs, 'SecretProviderClass', objects);
  for (const g of gateways.gaps) gaps.push(g);
  clusterScopedGaps.push(...gateways.beyond);
  for (const item of gateways.items) objects.push({ ...item, kind: 'Gateway' } as unknown as ReferencingObject);
  return {
    pods: podsAndWorkloads.pods,
    workloads: podsAndWorkloads.workloads,
    serviceAccounts: sas,
    objects,
    gaps,
    clusterScopedGaps,
    ...(podsAndWorkloads.podsGap ? { podsGap: podsAndWorkloads.podsGap } : {}),
    serviceAccountsKnown: !serviceAccounts.missing,
  };
}

/**
 * Runs `load` only when the API server serves the (CRD) resource. RBAC is
 * checked before routing, so listing a resource that does not exist answers
 * 403 to most users: ask discovery (open to every authenticated user) first.
 */
async function ifServed<T>(kube: Kube, type: ResourceType, load: () => Promise<T>, none: T): Promise<T> {
  try {
    const list = await kube.get<{ resources?: Array<{ name?: string }> }>(`/apis/${type.group}/${type.version}`);
    if (!(list.resources ?? []).some((r) => r.name === type.resource)) return none;
  } catch (err) {
    if (isNotFound(err)) return none;
    if (!isForbidden(err)) throw err;
  }
  return load();
}

/**
 * Gateways can name Secrets in other namespaces: list them everywhere, or in the namespace when that is all we may
 * (`beyond`: the refused cluster-wide list then, a gap outside the namespace asked about, as a cluster-scoped kind's).
 */
async function listGateways(
  kube: Kube,
  ns: string | undefined,
  options: ListOptions | undefined,
): Promise<{ items: Record<string, unknown>[]; gaps: string[]; beyond: string[] }> {
  const everywhere = await tolerantList<Record<string, unknown>>(kube, CONSUMER_RESOURCES.gateways, undefined, options);
  if (!everywhere.missing) return { items: everywhere.items, gaps: [], beyond: [] };
  if (everywhere.missing.reason === 'not-served' || ns === undefined) {
    return {
      items: [],
      gaps: everywhere.missing.reason === 'forbidden' ? [everywhere.missing.message] : [],
      beyond: [],
    };
  }
  const local = await tolerantList<Record<string, unknown>>(kube, CONSUMER_RESOURCES.gateways, ns, options);
  const beyond = [
    `${everywhere.missing.message}: Gateways in other namespaces that point at this Secret are not shown`,
  ];
  const gaps = [...beyond];
  if (local.missing?.reason === 'forbidden') gaps.push(local.missing.message);
  return { items: local.items, gaps, beyond };
}
