import type { V1ObjectMeta, V1OwnerReference, V1PodSpec, V1PodStatus } from '@kubernetes/client-node';
import { podSpecOf } from './workloads.js';

export interface PodLike {
  kind: 'Pod';
  metadata: V1ObjectMeta;
  spec?: V1PodSpec;
  status?: V1PodStatus;
}

export interface WorkloadLike {
  kind: string; // Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob, ReplicationController
  metadata: V1ObjectMeta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** The top-level owner of a pod or workload: what a human would restart or edit. */
export interface OwnerRef {
  kind: string;
  name: string;
  namespace: string;
}

/** "Kind/namespace/name" ('' for the namespace of cluster-scoped objects): how workloads are indexed. */
export const objectKey = (kind: string, namespace: string, name: string): string => `${kind}/${namespace}/${name}`;

/** The owner reference that controls an object, else its first owner. */
export function controllerOf(meta: Pick<V1ObjectMeta, 'ownerReferences'>): V1OwnerReference | undefined {
  return meta.ownerReferences?.find((o) => o.controller) ?? meta.ownerReferences?.[0];
}

/**
 * Follows controller ownerReferences (Pod → ReplicaSet → Deployment,
 * Pod → Job → CronJob, …) up to the last owner that we know. An owner we do
 * not have (another tool's CRD, or a list we were not allowed) stops the walk
 * at the last known object, and is reported as `foreignOwner`.
 */
export function topOwner(
  obj: { kind: string; metadata: V1ObjectMeta },
  known: ReadonlyMap<string, WorkloadLike>,
): { owner: OwnerRef; foreignOwner?: { kind: string; name: string } } {
  let current: { kind: string; metadata: V1ObjectMeta } = obj;
  for (let depth = 0; depth < 10; depth++) {
    const ns = current.metadata.namespace ?? '';
    const controller = controllerOf(current.metadata);
    if (!controller) break;
    const parent = known.get(objectKey(controller.kind, ns, controller.name));
    if (!parent) {
      return { owner: ref(current), foreignOwner: { kind: controller.kind, name: controller.name } };
    }
    current = parent;
  }
  return { owner: ref(current) };
}

const ref = (o: { kind: string; metadata: V1ObjectMeta }): OwnerRef => ({
  kind: o.kind,
  name: o.metadata.name ?? '',
  namespace: o.metadata.namespace ?? '',
});

export function indexWorkloads(workloads: readonly WorkloadLike[]): Map<string, WorkloadLike> {
  return new Map(workloads.map((w) => [objectKey(w.kind, w.metadata.namespace ?? '', w.metadata.name ?? ''), w]));
}

export { podSpecOf };
