import type { Kube, ListOptions } from './client.js';
import { tolerantList } from './fetch.js';
import { RESOURCES } from './paths.js';
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
 * since list items come without it.
 */
export async function loadPodsAndWorkloads(
  kube: Kube,
  namespace: string | undefined,
  options?: ListOptions,
  { workloads: withWorkloads = true }: { workloads?: boolean } = {},
): Promise<PodsAndWorkloads> {
  const types = [RESOURCES.pods, ...(withWorkloads ? WORKLOAD_RESOURCES : [])];
  const listings = await Promise.all(
    // Nothing reads a pod's or workload's managedFields: at 50,000 pods they would be half the memory.
    types.map((t) =>
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
    for (const item of listing.items) {
      const withKind = { ...item, kind: type.kind };
      if (type.kind === 'Pod') pods.push(withKind as unknown as PodLike);
      else workloads.push(withKind as unknown as WorkloadLike);
    }
  });
  return { pods, workloads, gaps, ...(podsGap ? { podsGap } : {}) };
}
