import type { ReferencingObject } from '../consumers/object-refs.js';
import type { JsonPatchOp } from '../consumers/repoint.js';
import type { PodLike, WorkloadLike } from '../consumers/rollup.js';
import type { LeaseObject } from './lock.js';
import type { RepointableKind, RolloutKind, SecretObject } from './types.js';

/** Everything in the namespace that may use a Secret. */
export interface ConsumerScan {
  workloads: WorkloadLike[];
  pods: PodLike[];
  /** ServiceAccounts, Ingresses, Gateways, StorageClasses, SecretProviderClasses: they name Secrets outside pod templates. */
  objects: ReferencingObject[];
  /** ControllerRevisions: the revision history of StatefulSets and DaemonSets (`kubectl rollout undo`). */
  revisions?: WorkloadLike[];
  /** Lists we were not allowed: the scan may miss users. */
  gaps: string[];
  /** The ControllerRevisions list, when not allowed: old revisions may name versions, so none is deleted. */
  historyGap?: string;
}

/** Why the scan cannot tell that a version is unused: its gaps, and a missing revision history. */
export function unseenUsers(scan: Pick<ConsumerScan, 'gaps' | 'historyGap'>): string[] {
  return scan.historyGap === undefined ? scan.gaps : [...scan.gaps, scan.historyGap];
}

/** The health gate's view of rollouts, kept up to date between calls (by watches). */
export interface RolloutObserver {
  /** The objects now; after the first call, first waits up to `maxWaitMs` for something to change. */
  next(maxWaitMs: number): Promise<{ workloads: WorkloadLike[]; pods: PodLike[] }>;
  close(): void;
}

export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

/**
 * What a rotation needs from the cluster, in one namespace. Implemented over
 * the API in src/kube/rotation.ts; a fake in the unit tests. Writes that race
 * with someone else (409, a failed JSON Patch test) throw ConflictError.
 */
export interface RotationCluster {
  readonly namespace: string;
  /** A Secret with its data (values stay in memory, never printed). */
  getSecret(name: string): Promise<SecretObject | undefined>;
  /** Metadata only: the Secrets labelled as versions of `logical`, and the one named `logical`. */
  listVersions(logical: string): Promise<SecretObject[]>;
  /** Whether a Secret of this name exists, asked without its data (it may be anyone's). */
  secretExists(name: string): Promise<boolean>;
  createSecret(secret: SecretObject): Promise<SecretObject>;
  /** PUT with the object's resourceVersion as precondition. */
  replaceSecret(secret: SecretObject): Promise<SecretObject>;
  /** Merge-patches labels/annotations (null deletes); `resourceVersion` makes it conditional. */
  patchSecretMetadata(
    name: string,
    resourceVersion: string | undefined,
    change: { labels?: Record<string, string | null>; annotations?: Record<string, string | null> },
  ): Promise<SecretObject>;
  /** False when it was already gone. */
  deleteSecret(name: string, preconditions?: Preconditions): Promise<boolean>;

  scanConsumers(): Promise<ConsumerScan>;
  getWorkload(kind: RolloutKind, name: string): Promise<WorkloadLike | undefined>;
  jsonPatchWorkload(kind: RolloutKind, name: string, ops: JsonPatchOp[]): Promise<WorkloadLike>;
  mergePatchWorkload(kind: RolloutKind, name: string, patch: unknown): Promise<WorkloadLike>;
  /** A ServiceAccount, Ingress or Gateway of the namespace (the objects a blue/green rotation switches). */
  getObject(kind: RepointableKind, name: string): Promise<ReferencingObject | undefined>;
  jsonPatchObject(kind: RepointableKind, name: string, ops: JsonPatchOp[]): Promise<ReferencingObject>;
  /** False when it was already gone. */
  deletePod(name: string, preconditions?: Preconditions): Promise<boolean>;
  /** Current objects of these kinds (plus ReplicaSets for Deployments) and pods, for the health gate. */
  observe(kinds: readonly RolloutKind[]): Promise<{ workloads: WorkloadLike[]; pods: PodLike[] }>;
  /** The same, watched rather than polled; absent when the cluster can only be polled. */
  watchRollouts?(kinds: readonly RolloutKind[]): RolloutObserver;

  getLease(name: string): Promise<LeaseObject | undefined>;
  createLease(lease: LeaseObject): Promise<LeaseObject>;
  replaceLease(lease: LeaseObject): Promise<LeaseObject>;
  deleteLease(name: string, preconditions?: Preconditions): Promise<boolean>;
}
