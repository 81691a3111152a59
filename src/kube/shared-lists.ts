import type { Kube, ListOptions, ListResult } from './client.js';

/**
 * A Kube whose identical list requests, made while the first is in flight or after,
 * are sent once: commands that compose several loaders (who-can's and exposure's both
 * list pods and workloads) then cost one list per type. Mapped lists (which drop raw
 * items page by page) are shared only with a list mapped by the same function (a module's
 * reducer such as reducePod; a closure made per call, as for Secrets, is never shared, and its
 * lists are let go with it).
 * Callers must not mutate items.
 */
export function sharingLists(kube: Kube): Kube {
  type Lists = Map<string, Promise<ListResult<unknown>>>;
  const unmapped: Lists = new Map();
  // weakly: the lists of a map function made per call go with it
  const byMap = new WeakMap<(item: never) => unknown, Lists>();
  return withList(kube, (path: string, options?: ListOptions & { map?: (item: never) => unknown }) => {
    const map = options?.map;
    let lists = map ? byMap.get(map) : unmapped;
    if (!lists) byMap.set(map!, (lists = new Map()));
    const key = JSON.stringify([
      path,
      options?.query ?? {},
      options?.limit ?? null,
      options?.metadataOnly ?? false,
      options?.withoutManagedFields ?? false,
    ]);
    let found = lists.get(key);
    if (!found && (options?.signal || options?.readWhen)) {
      // A list its caller may abandon (or asked for before it is wanted) is shared only once it has come whole:
      // another caller must not get one abandoned or failed.
      const own = kube.list(path, options as never);
      own.then(
        () => void (lists.has(key) || lists.set(key, own)),
        () => undefined,
      );
      return own;
    }
    if (!found) {
      found = kube.list(path, options as never);
      lists.set(key, found);
    }
    return found;
  });
}

/** `kube` with another `list` (no watch): the decorators' common shape. */
export function withList(
  kube: Kube,
  list: (path: string, options?: ListOptions) => Promise<ListResult<unknown>>,
): Kube {
  return {
    get target() {
      return kube.target;
    },
    get roundTrips() {
      return kube.roundTrips;
    },
    get: kube.get.bind(kube),
    create: kube.create.bind(kube),
    replace: kube.replace.bind(kube),
    patch: kube.patch.bind(kube),
    delete: kube.delete.bind(kube),
    list,
  } as Kube;
}
