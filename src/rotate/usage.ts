import { secretNamesOfPodSpec } from '../consumers/pod-refs.js';
import { secretRefsOfObject } from '../consumers/object-refs.js';
import { podSpecOf } from '../consumers/workloads.js';
import type { ConsumerScan } from './port.js';

/**
 * Names of the Secrets something in the namespace still uses: pods,
 * workload templates, ServiceAccounts and Ingresses. A Deployment's
 * ReplicaSets scaled to zero are history, not users (a `kubectl rollout
 * undo` to them would need the old version back).
 */
export function secretsInUse(scan: Pick<ConsumerScan, 'workloads' | 'pods' | 'objects'>): Set<string> {
  const names = new Set<string>();
  for (const pod of scan.pods) for (const n of secretNamesOfPodSpec(pod.spec)) names.add(n);
  for (const w of scan.workloads) {
    if (w.kind === 'ReplicaSet' && (w.metadata.ownerReferences ?? []).length > 0 && Number((w.spec as { replicas?: number } | undefined)?.replicas ?? 1) === 0) {
      continue;
    }
    for (const n of secretNamesOfPodSpec(podSpecOf(w))) names.add(n);
  }
  for (const obj of scan.objects) {
    for (const ref of secretRefsOfObject(obj)) if (ref.secret) names.add(ref.secret);
  }
  return names;
}
