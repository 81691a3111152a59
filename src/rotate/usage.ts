import { secretNamesOfPodSpec } from '../consumers/pod-refs.js';
import { objectRefMatches, secretRefsOfObject } from '../consumers/object-refs.js';
import { podSpecOf } from '../consumers/workloads.js';
import { indexWorkloads, topOwner, type PodLike } from '../consumers/rollup.js';
import type { ConsumerScan } from './port.js';

type Scan = Pick<ConsumerScan, 'workloads' | 'pods' | 'objects'>;

/**
 * Who still names each Secret of `namespace` (`Kind/name`, cluster-scoped
 * objects such as StorageClasses included): pods, workload templates,
 * ServiceAccounts, Ingresses, Gateways, StorageClasses, SecretProviderClasses.
 * Templated references (StorageClass `${pvc.name}`) are matched against
 * `candidates`. A Deployment's ReplicaSets scaled to zero are history, not
 * users (a `kubectl rollout undo` to them would need the old version back).
 */
export function secretUsers(scan: Scan, namespace: string, candidates: readonly string[] = []): Map<string, string[]> {
  const users = new Map<string, string[]>();
  const add = (secret: string, who: string): void => {
    const list = users.get(secret) ?? [];
    if (!list.includes(who)) list.push(who);
    users.set(secret, list);
  };
  // Pods and ReplicaSets are named by their top owner: what a human would edit.
  const known = indexWorkloads(scan.workloads);
  const nameOf = (o: { kind: string; metadata: PodLike['metadata'] }): string => {
    const { owner } = topOwner(o, known);
    return `${owner.kind}/${owner.name}`;
  };
  for (const pod of scan.pods) for (const n of secretNamesOfPodSpec(pod.spec)) add(n, nameOf(pod));
  for (const w of scan.workloads) {
    if (
      w.kind === 'ReplicaSet' &&
      (w.metadata.ownerReferences ?? []).length > 0 &&
      Number((w.spec as { replicas?: number } | undefined)?.replicas ?? 1) === 0
    ) {
      continue;
    }
    for (const n of secretNamesOfPodSpec(podSpecOf(w))) add(n, nameOf(w));
  }
  for (const obj of scan.objects) {
    for (const ref of secretRefsOfObject(obj)) {
      const who = `${ref.from.kind}/${ref.from.name}`;
      if (ref.template) {
        for (const c of candidates) if (objectRefMatches(ref, namespace, c)) add(c, who);
      } else if (ref.secret && ref.namespace === namespace) {
        add(ref.secret, who);
      }
    }
  }
  return users;
}

/** Names of the Secrets of `namespace` something still uses. */
export function secretsInUse(scan: Scan, namespace: string, candidates: readonly string[] = []): Set<string> {
  return new Set(secretUsers(scan, namespace, candidates).keys());
}
