// The pods and workloads in the Secret's namespace that load it: the targets
// of exec, modify and node paths.
import { secretRefsOfPodSpec } from '../consumers/pod-refs.js';
import {
  indexWorkloads,
  objectKey,
  podSpecOf,
  topOwner,
  type PodLike,
  type WorkloadLike,
} from '../consumers/rollup.js';

export interface Consumers {
  /** Pods whose spec references the Secret. */
  pods: PodLike[];
  /** Workloads whose template references it, and the top owners of consuming pods. */
  workloads: WorkloadLike[];
  /** Nodes running a consuming pod, with those pods. */
  nodes: Map<string, string[]>;
}

export function findConsumers(secret: string, pods: readonly PodLike[], workloads: readonly WorkloadLike[]): Consumers {
  const consumingPods = pods.filter((p) => secretRefsOfPodSpec(p.spec, secret).length > 0);
  const known = indexWorkloads(workloads);
  const chosen = new Map<string, WorkloadLike>();
  const keep = (w: WorkloadLike): void => {
    chosen.set(`${w.kind}/${w.metadata.name ?? ''}`, w);
  };
  for (const w of workloads) if (secretRefsOfPodSpec(podSpecOf(w), secret).length > 0) keep(w);
  for (const pod of consumingPods) {
    const { owner } = topOwner(pod, known);
    const w = known.get(objectKey(owner.kind, owner.namespace, owner.name));
    if (w) keep(w);
  }
  const nodes = new Map<string, string[]>();
  for (const pod of consumingPods) {
    const node = pod.spec?.nodeName;
    if (!node) continue;
    const list = nodes.get(node) ?? [];
    list.push(pod.metadata.name ?? '');
    nodes.set(node, list);
  }
  return { pods: consumingPods, workloads: [...chosen.values()], nodes };
}
