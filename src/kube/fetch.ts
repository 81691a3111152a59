import type { Kube, ListOptions, MappedListOptions } from './client.js';
import { isForbidden, isNotFound } from './errors.js';
import { resourcePath, type ResourceType } from './paths.js';

/** The outcome of listing one type: items, or why they are missing. */
export interface Listing<T> {
  items: T[];
  /** Set when the list was refused or the API does not exist; the answer is then partial. */
  missing?: { reason: 'forbidden' | 'not-served'; message: string };
}

/**
 * Lists a type in one namespace or all, turning 403 into a recorded gap (and
 * 404 — API not served — into an empty answer) instead of an error.
 */
export async function tolerantList<T>(
  kube: Kube,
  type: ResourceType,
  namespace?: string,
  options?: ListOptions | MappedListOptions<never, T>,
): Promise<Listing<T>> {
  try {
    const { items } = await kube.list<T>(resourcePath(type, namespace), options as ListOptions);
    return { items };
  } catch (err) {
    const scope = type.namespaced ? (namespace ? ` in namespace ${namespace}` : ' in all namespaces') : '';
    const group = type.group === '' ? '' : `.${type.group}`;
    if (isForbidden(err))
      return {
        items: [],
        missing: { reason: 'forbidden', message: `cannot list ${type.resource}${group}${scope} (forbidden)` },
      };
    if (isNotFound(err))
      return {
        items: [],
        missing: { reason: 'not-served', message: `${type.resource}${group} is not served by this cluster` },
      };
    throw err;
  }
}

/** Gets one object, or undefined when it does not exist. Other errors (403 included) are thrown. */
export async function getIfExists<T>(
  kube: Kube,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
): Promise<T | undefined> {
  try {
    return await kube.get<T>(resourcePath(type, namespace, name));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
