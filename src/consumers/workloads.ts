import type { PodSpec } from './types.js';

/** Kinds that carry a pod template, and where in the object it sits. */
export const POD_TEMPLATE_POINTERS = {
  Pod: '/spec',
  Deployment: '/spec/template/spec',
  ReplicaSet: '/spec/template/spec',
  StatefulSet: '/spec/template/spec',
  DaemonSet: '/spec/template/spec',
  Job: '/spec/template/spec',
  ReplicationController: '/spec/template/spec',
  CronJob: '/spec/jobTemplate/spec/template/spec',
  // A StatefulSet's or DaemonSet's revision history: what `kubectl rollout undo` restores.
  ControllerRevision: '/data/spec/template/spec',
} as const;

export type WorkloadKind = keyof typeof POD_TEMPLATE_POINTERS;

export function isWorkloadKind(kind: string): kind is WorkloadKind {
  return Object.hasOwn(POD_TEMPLATE_POINTERS, kind);
}

/** The pod spec inside a Pod or a workload's template. */
export function podSpecOf(obj: { kind?: string; spec?: unknown }): PodSpec | undefined {
  if (!obj.kind || !isWorkloadKind(obj.kind)) return undefined;
  let node: unknown = obj;
  for (const key of POD_TEMPLATE_POINTERS[obj.kind].slice(1).split('/')) {
    node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node as PodSpec | undefined;
}
