import type { V1ObjectMeta } from '@kubernetes/client-node';

/** A Secret as the rotation reads and writes it. `data` is absent in metadata-only reads. */
export interface SecretObject {
  apiVersion?: string;
  kind?: string;
  metadata: V1ObjectMeta;
  type?: string;
  immutable?: boolean;
  data?: Record<string, string>;
}

/** The kinds whose pod template a rotation changes and waits on. */
export type RolloutKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'CronJob';

export const ROLLOUT_KINDS: readonly RolloutKind[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob'];

export function isRolloutKind(kind: string): kind is RolloutKind {
  return (ROLLOUT_KINDS as readonly string[]).includes(kind);
}

/** Objects other than pods that name a Secret and that a blue/green rotation switches with a JSON Patch. */
export type RepointableKind = 'ServiceAccount' | 'Ingress' | 'Gateway';

export const REPOINTABLE_KINDS: readonly RepointableKind[] = ['ServiceAccount', 'Ingress', 'Gateway'];

export function isRepointableKind(kind: string): kind is RepointableKind {
  return (REPOINTABLE_KINDS as readonly string[]).includes(kind);
}

/** What a rotation's consumer can be: a workload, or an object that names the Secret (StorageClass: listed, never changed). */
export type ConsumerKind = RolloutKind | RepointableKind | 'StorageClass' | 'SecretProviderClass';

/** `Kind/name`, the way steps, progress and errors name a workload. */
export const workloadRef = (kind: string, name: string): string => `${kind}/${name}`;
