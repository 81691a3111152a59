import crypto from 'node:crypto';
import type { Kube } from './client.js';
import { loadConsumerSources } from './consumer-sources.js';
import { isForbidden } from './errors.js';
import { getIfExists } from './fetch.js';
import { RESOURCES, resourcePath } from './paths.js';
import type { KeyFacts, SecretFacts } from '../exposure/types.js';
import type { ExposureScope, LoadedExposure } from '../exposure/run.js';

/**
 * Lists everything exposure needs, in parallel: every object that may name a
 * Secret (the consumer scan rotate uses too), and the Secrets themselves
 * reduced to key names and sizes page by page.
 */
export async function loadExposureSources(kube: Kube, scope: ExposureScope): Promise<LoadedExposure> {
  const options = scope.limit ? { limit: scope.limit } : undefined;
  const [consumers, secrets] = await Promise.all([
    loadConsumerSources(kube, scope.namespace, options),
    loadSecretFacts(kube, scope),
  ]);
  return {
    inputs: {
      pods: consumers.pods,
      workloads: consumers.workloads,
      serviceAccounts: consumers.serviceAccounts,
      objects: consumers.objects,
      ...(secrets.facts ? { secrets: secrets.facts } : {}),
      podsKnown: consumers.podsGap === undefined,
      serviceAccountsKnown: consumers.serviceAccountsKnown,
    },
    gaps: consumers.gaps,
    clusterScopedGaps: consumers.clusterScopedGaps,
    ...(secrets.note ? { secretsNote: secrets.note } : {}),
  };
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
      return {
        facts: items.map((s) => toFacts(s, false)),
        note: 'key checks skipped (--metadata-only): keys, types and immutability not read',
      };
    }
    if (scope.name && scope.namespace) {
      const one = await getIfExists<RawSecret>(kube, RESOURCES.secrets, scope.namespace, scope.name);
      return { facts: one ? [toFacts(one, scope.showHashes)] : [] };
    }
    return { facts: await listSecretFacts(kube, scope) };
  } catch (err) {
    if (!isForbidden(err)) throw err;
    const verb = scope.name && scope.namespace && !scope.metadataOnly ? 'get' : 'list';
    return {
      note: `cannot ${verb} secrets${where} (forbidden): key checks skipped, and whether the Secret exists is unknown`,
    };
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
function annotationsCopyingData(
  annotations: Record<string, string> | undefined,
  data: Record<string, string> | null | undefined,
): string[] {
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
    const nonEmpty = (o: unknown) =>
      o !== null && typeof o === 'object' && Object.values(o).some((v) => v !== '' && v !== null);
    return nonEmpty(applied.data) || nonEmpty(applied.stringData);
  } catch {
    return false;
  }
}

/** kubectl apply stores the whole object, values included, in last-applied: never keep it, nor any other copy. */
function withoutCopies(annotations: Record<string, string>, copies: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    Object.entries(annotations).filter(([key]) => key !== LAST_APPLIED && !copies.includes(key)),
  );
}

function decodedSize(b64: string): number {
  const padding = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((b64.length * 3) / 4) - padding);
}

function shortHash(b64: string): string {
  return crypto.createHash('sha256').update(Buffer.from(b64, 'base64')).digest('hex').slice(0, 12);
}
