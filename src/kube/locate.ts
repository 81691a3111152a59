import type { Kube } from './client.js';
import { CliError } from '../errors.js';
import { isForbidden } from './errors.js';
import { getIfExists } from './fetch.js';
import { RESOURCES, resourcePath } from './paths.js';

interface RawSecret {
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> | null };
  type?: string;
  data?: Record<string, string> | null;
}

/** What `match` is given of each Secret: its data, and its annotations (kubectl apply keeps a copy of the data there). */
export interface SecretContent {
  data: RawSecret['data'];
  annotations: Record<string, string> | null | undefined;
}

export interface ScannedSecret<M> {
  namespace: string;
  name: string;
  type: string;
  matches: M[];
}

export interface LocateScan<M> {
  /** Secrets with at least one match. */
  found: ScannedSecret<M>[];
  /** How many Secrets were compared. */
  compared: number;
  /** Namespaces that could not be searched. */
  gaps: string[];
}

const NEEDS_LIST = 'locating a leaked value needs permission to list secrets';

/**
 * Lists Secrets page by page and hands each one's data and annotations to `match`, keeping only what it
 * returns: values are never held beyond their page. Without -n, every namespace the
 * caller may list (cluster-wide if allowed, else namespace by namespace).
 */
export async function scanSecrets<M>(
  kube: Kube,
  namespace: string | undefined,
  match: (secret: SecretContent) => M[],
): Promise<LocateScan<M>> {
  let compared = 0;
  const listIn = async (ns: string | undefined): Promise<ScannedSecret<M>[]> => {
    const { items } = await kube.list<RawSecret, ScannedSecret<M> | null>(resourcePath(RESOURCES.secrets, ns), {
      limit: 250,
      map: (s) => {
        compared++;
        const matches = match({ data: s.data, annotations: s.metadata?.annotations });
        return matches.length === 0
          ? null
          : { namespace: s.metadata?.namespace ?? '', name: s.metadata?.name ?? '', type: s.type ?? '', matches };
      },
    });
    return items.filter((i): i is ScannedSecret<M> => i !== null);
  };
  try {
    const found = await listIn(namespace);
    if (namespace !== undefined && compared === 0) await requireNamespace(kube, namespace);
    return { found, compared, gaps: [] };
  } catch (err) {
    if (!isForbidden(err)) throw err;
    if (namespace !== undefined)
      throw new CliError(`cannot list secrets in namespace ${namespace} (forbidden): ${NEEDS_LIST} there`, {
        cause: err,
      });
  }
  let namespaces: string[];
  try {
    const { items } = await kube.list<{ metadata?: { name?: string } }>(resourcePath(RESOURCES.namespaces), {
      metadataOnly: true,
    });
    namespaces = items.map((n) => n.metadata?.name ?? '').filter((n) => n !== '');
  } catch (err) {
    if (!isForbidden(err)) throw err;
    throw new CliError(
      `cannot list secrets in all namespaces, nor namespaces (forbidden): ${NEEDS_LIST}; give -n NAMESPACE where you may`,
      { cause: err },
    );
  }
  const found: ScannedSecret<M>[] = [];
  const gaps: string[] = [];
  for (const ns of namespaces) {
    try {
      found.push(...(await listIn(ns)));
    } catch (err) {
      if (!isForbidden(err)) throw err;
      gaps.push(ns);
    }
  }
  if (gaps.length === namespaces.length)
    throw new CliError(`cannot list secrets in any namespace (forbidden): ${NEEDS_LIST}`);
  return { found, compared, gaps };
}

/**
 * An empty namespace, or one that does not exist (a mistyped -n): the second is an error, not "no Secret holds
 * the value". Without permission to get namespaces it stays an empty namespace.
 */
async function requireNamespace(kube: Kube, namespace: string): Promise<void> {
  const exists = await getIfExists(kube, RESOURCES.namespaces, undefined, namespace).catch((err: unknown) => {
    if (isForbidden(err)) return true;
    throw err;
  });
  if (exists === undefined) throw new CliError(`namespace "${namespace}" not found`);
}
