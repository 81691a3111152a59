import type { Kube, ListOptions } from './client.js';
import { tolerantList } from './fetch.js';
import { RESOURCES } from './paths.js';
import { reducePod } from '../consumers/pod-reduce.js';
import type { PodLike, WorkloadLike } from '../consumers/rollup.js';

export const WORKLOAD_RESOURCES = [
  RESOURCES.deployments,
  RESOURCES.replicasets,
  RESOURCES.statefulsets,
  RESOURCES.daemonsets,
  RESOURCES.jobs,
  RESOURCES.cronjobs,
  RESOURCES.replicationcontrollers,
] as const;

export interface PodsAndWorkloads {
  pods: PodLike[];
  workloads: WorkloadLike[];
  /** What could not be listed (e.g. "cannot list daemonsets.apps in namespace x (forbidden)"). */
  gaps: string[];
  /** The gap about pods themselves, when pods could not be listed. */
  podsGap?: string;
}

/**
 * Lists pods and every pod-template workload in a namespace (or all), in
 * parallel, tolerating forbidden lists. Items get their `kind` filled in,
 * since list items come without it; pods are reduced to what the consumer
 * scan reads (reducePod).
 */
export async function loadPodsAndWorkloads(
  kube: Kube,
  namespace: string | undefined,
  options?: ListOptions,
  { workloads: withWorkloads = true }: { workloads?: boolean } = {},
): Promise<PodsAndWorkloads> {
  const types = [RESOURCES.pods, ...(withWorkloads ? WORKLOAD_RESOURCES : [])];
  const listings = await Promise.all(
    types.map((t) =>
      t === RESOURCES.pods
        ? // 50,000 pods held whole would be a gigabyte: each page is reduced to what the scan reads, then let go.
          tolerantList<PodLike>(kube, t, namespace, { ...options, map: reducePod, readAhead: true })
        : // Nothing reads a workload's managedFields (half of its JSON, often).
          tolerantList<Record<string, unknown>>(kube, t, namespace, { ...options, withoutManagedFields: true }),
    ),
  );
  const gaps: string[] = [];
  let podsGap: string | undefined;
  const pods: PodLike[] = [];
  const workloads: WorkloadLike[] = [];
  listings.forEach((listing, i) => {
    const type = types[i]!;
    if (listing.missing) gaps.push(listing.missing.message);
    if (listing.missing && type === RESOURCES.pods) podsGap = listing.missing.message;
    if (type === RESOURCES.pods) for (const pod of listing.items as PodLike[]) pods.push(pod);
    else for (const item of listing.items) workloads.push({ ...item, kind: type.kind } as unknown as WorkloadLike);
  });
  return { pods, workloads, gaps, ...(podsGap ? { podsGap } : {}) };
}
