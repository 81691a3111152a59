import { createHash } from 'node:crypto';
import type { Kube } from './client.js';
import { isForbidden, isNotFound } from './errors.js';
import { getIfExists, tolerantList, type Listing } from './fetch.js';
import { RESOURCES, resourcePath, type ResourceType } from './paths.js';
import { loadPodsAndWorkloads } from './workloads.js';
import type { KeyFacts, SecretFacts } from '../exposure/types.js';
import type { ExposureScope, LoadedExposure } from '../exposure/run.js';
import type { ReferencingObject, ServiceAccountLike } from '../consumers/object-refs.js';

export const EXPOSURE_RESOURCES = {
  storageclasses: { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses', kind: 'StorageClass', namespaced: false },
  gateways: { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'gateways', kind: 'Gateway', namespaced: true },
  secretproviderclasses: { group: 'secrets-store.csi.x-k8s.io', version: 'v1', resource: 'secretproviderclasses', kind: 'SecretProviderClass', namespaced: true },
} as const satisfies Record<string, ResourceType>;

/**
 * Lists everything exposure needs, in parallel: pods and workloads, ServiceAccounts,
 * Ingresses, Gateways (all namespaces: they may point across), StorageClasses,
 * SecretProviderClasses, and the Secrets themselves reduced to key names and sizes
 * page by page. APIs the cluster does not serve are skipped quietly; refused
 * lists become gaps.
 */
export async function loadExposureSources(kube: Kube, scope: ExposureScope): Promise<LoadedExposure> {
  const ns = scope.namespace;
  const options = scope.limit ? { limit: scope.limit } : undefined;
  const [podsAndWorkloads, serviceAccounts, ingresses, gateways, storageClasses, spcs, secrets] = await Promise.all([
    loadPodsAndWorkloads(kube, ns, options),
    tolerantList<Record<string, unknown>>(kube, RESOURCES.serviceaccounts, ns, options),
    tolerantList<Record<string, unknown>>(kube, RESOURCES.ingresses, ns, options),
    ifServed(kube, EXPOSURE_RESOURCES.gateways, () => listGateways(kube, ns, options), { items: [], gaps: [] }),
    tolerantList<Record<string, unknown>>(kube, EXPOSURE_RESOURCES.storageclasses, undefined, options),
    ifServed(kube, EXPOSURE_RESOURCES.secretproviderclasses, () => tolerantList<Record<string, unknown>>(kube, EXPOSURE_RESOURCES.secretproviderclasses, ns, options), { items: [] }),
    loadSecretFacts(kube, scope),
  ]);
  const gaps = [...podsAndWorkloads.gaps];
  const objects: ReferencingObject[] = [];
  const take = (listing: Listing<Record<string, unknown>>, kind: string, into: unknown[]) => {
    if (listing.missing?.reason === 'forbidden') gaps.push(listing.missing.message);
    for (const item of listing.items) into.push({ ...item, kind });
  };
  const sas: ServiceAccountLike[] = [];
  take(serviceAccounts, 'ServiceAccount', sas);
  take(ingresses, 'Ingress', objects);
  take(storageClasses, 'StorageClass', objects);
  take(spcs, 'SecretProviderClass', objects);
  for (const g of gateways.gaps) gaps.push(g);
  for (const item of gateways.items) objects.push({ ...item, kind: 'Gateway' } as unknown as ReferencingObject);
  return {
    inputs: {
      pods: podsAndWorkloads.pods,
      workloads: podsAndWorkloads.workloads,
      serviceAccounts: sas,
      objects,
      ...(secrets.facts ? { secrets: secrets.facts } : {}),
      podsKnown: podsAndWorkloads.podsGap === undefined,
      serviceAccountsKnown: !serviceAccounts.missing,
    },
    gaps,
    ...(secrets.note ? { secretsNote: secrets.note } : {}),
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

/** Gateways can name Secrets in other namespaces: list them everywhere, or in the namespace when that is all we may. */
async function listGateways(kube: Kube, ns: string | undefined, options: { limit: number } | undefined): Promise<{ items: Record<string, unknown>[]; gaps: string[] }> {
  const everywhere = await tolerantList<Record<string, unknown>>(kube, EXPOSURE_RESOURCES.gateways, undefined, options);
  if (!everywhere.missing) return { items: everywhere.items, gaps: [] };
  if (everywhere.missing.reason === 'not-served' || ns === undefined) {
    return { items: [], gaps: everywhere.missing.reason === 'forbidden' ? [everywhere.missing.message] : [] };
  }
  const local = await tolerantList<Record<string, unknown>>(kube, EXPOSURE_RESOURCES.gateways, ns, options);
  const gaps = [`${everywhere.missing.message}: Gateways in other namespaces that point at this Secret are not shown`];
  if (local.missing?.reason === 'forbidden') gaps.push(local.missing.message);
  return { items: local.items, gaps };
}

interface RawSecret {
  metadata?: SecretFacts['metadata'] & { name?: string; namespace?: string };
  type?: string;
  immutable?: boolean;
  data?: Record<string, string> | null;
}

/**
 * Reads the Secrets in scope and keeps only what is safe to hold: names,
 * types, key names and decoded sizes (and a short hash when asked). Values
 * are dropped page by page, never stored.
 */
async function loadSecretFacts(kube: Kube, scope: ExposureScope): Promise<{ facts?: SecretFacts[]; note?: string }> {
  const where = scope.namespace ? ` in namespace ${scope.namespace}` : ' in all namespaces';
  try {
    if (scope.metadataOnly) {
      const query = scope.name ? { fieldSelector: `metadata.name=${scope.name}` } : undefined;
      const { items } = await kube.list<RawSecret>(resourcePath(RESOURCES.secrets, scope.namespace), {
        metadataOnly: true,
        ...(query ? { query } : {}),
        ...(scope.limit ? { limit: scope.limit } : {}),
      });
      return { facts: items.map((s) => toFacts(s, false)), note: 'key checks skipped (--metadata-only): keys, types and immutability not read' };
    }
    if (scope.name && scope.namespace) {
      const one = await getIfExists<RawSecret>(kube, RESOURCES.secrets, scope.namespace, scope.name);
      return { facts: one ? [toFacts(one, scope.showHashes)] : [] };
    }
    return { facts: await listSecretFacts(kube, scope) };
  } catch (err) {
    if (!isForbidden(err)) throw err;
    const verb = scope.name && scope.namespace && !scope.metadataOnly ? 'get' : 'list';
    return { note: `cannot ${verb} secrets${where} (forbidden): key checks skipped, and whether the Secret exists is unknown` };
  }
}

async function listSecretFacts(kube: Kube, scope: ExposureScope): Promise<SecretFacts[]> {
  const { items } = await kube.list<RawSecret, SecretFacts>(resourcePath(RESOURCES.secrets, scope.namespace), {
    limit: scope.limit ?? 500,
    ...(scope.name ? { query: { fieldSelector: `metadata.name=${scope.name}` } } : {}),
    map: (s) => toFacts(s, scope.showHashes),
  });
  return items;
}

/** The only place a Secret's data is touched: counted, optionally hashed, then let go. */
export function toFacts(s: RawSecret, showHashes: boolean): SecretFacts {
  const m = s.metadata ?? {};
  const keys: KeyFacts[] | undefined =
    s.data === undefined && s.type === undefined
      ? undefined // PartialObjectMetadata: no data at all
      : Object.entries(s.data ?? {})
          .map(([name, b64]) => ({ name, size: decodedSize(b64), ...(showHashes ? { sha256: shortHash(b64) } : {}) }))
          .sort((a, b) => a.name.localeCompare(b.name));
  const copies = annotationsCopyingData(m.annotations, s.data);
  return {
    namespace: m.namespace ?? '',
    name: m.name ?? '',
    ...(s.type !== undefined ? { type: s.type } : {}),
    ...(s.immutable ? { immutable: true } : {}),
    ...(keys ? { keys } : {}),
    ...(copies.length > 0 ? { valueCopies: copies } : {}),
    metadata: {
      ...(m.labels ? { labels: m.labels } : {}),
      ...(m.annotations ? { annotations: withoutCopies(m.annotations, copies) } : {}),
      ...(m.ownerReferences ? { ownerReferences: m.ownerReferences } : {}),
      ...(m.creationTimestamp ? { creationTimestamp: m.creationTimestamp } : {}),
      ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
    },
  };
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
/** Shorter values are found in annotations by chance ("true", "1"): only longer ones count as copies. */
const MIN_COPIED_VALUE_BYTES = 8;

/**
 * Names of the annotations that hold a copy of the Secret's data: kubectl apply's
 * last-applied-configuration with `data` or `stringData` (seen from metadata alone),
 * and, when the data was read, any annotation that contains a value in clear or base64.
 */
function annotationsCopyingData(annotations: Record<string, string> | undefined, data: Record<string, string> | null | undefined): string[] {
  if (!annotations) return [];
  const values = Object.values(data ?? {})
    .filter((b64) => decodedSize(b64) >= MIN_COPIED_VALUE_BYTES)
    .flatMap((b64) => [b64, Buffer.from(b64, 'base64').toString('utf8')]);
  return Object.entries(annotations)
    .filter(([key, text]) => (key === LAST_APPLIED && appliedWithData(text)) || values.some((v) => text.includes(v)))
    .map(([key]) => key)
    .sort();
}

function appliedWithData(text: string): boolean {
  try {
    const applied = JSON.parse(text) as { data?: unknown; stringData?: unknown };
    const nonEmpty = (o: unknown) => o !== null && typeof o === 'object' && Object.values(o).some((v) => v !== '' && v !== null);
    return nonEmpty(applied.data) || nonEmpty(applied.stringData);
  } catch {
    return false;
  }
}

/** kubectl apply stores the whole object, values included, in last-applied: never keep it, nor any other copy. */
function withoutCopies(annotations: Record<string, string>, copies: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(annotations).filter(([key]) => key !== LAST_APPLIED && !copies.includes(key)));
}

function decodedSize(b64: string): number {
  const padding = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((b64.length * 3) / 4) - padding);
}

function shortHash(b64: string): string {
  return createHash('sha256').update(Buffer.from(b64, 'base64')).digest('hex').slice(0, 12);
}
