// An in-memory RotationCluster: Secrets, workloads whose rollouts finish at
// once (or never, for templates `healthy` rejects), one pod per workload, and
// Leases, with the API's conflict semantics (resourceVersion, create, test).
import type { JsonPatchOp } from '../../../src/consumers/repoint.js';
import type { PodLike, WorkloadLike } from '../../../src/consumers/rollup.js';
import { podSpecOf } from '../../../src/consumers/workloads.js';
import { LABEL_NAME } from '../../../src/rotate/constants.js';
import { ConflictError, RejectedError } from '../../../src/rotate/errors.js';
import type { LeaseObject } from '../../../src/rotate/lock.js';
import type { ConsumerScan, Preconditions, RotationCluster } from '../../../src/rotate/port.js';
import type { RepointableKind, RolloutKind, SecretObject } from '../../../src/rotate/types.js';
import type { ReferencingObject } from '../../../src/consumers/object-refs.js';
import { NS } from './builders.js';

const clone = <T>(x: T): T => structuredClone(x);

export class FakeCluster implements RotationCluster {
  readonly namespace = NS;
  readonly secrets = new Map<string, SecretObject>();
  readonly workloads = new Map<string, WorkloadLike>();
  readonly leases = new Map<string, LeaseObject>();
  readonly barePods: PodLike[] = [];
  /** Every body the tool wrote, as JSON (the canary tests search it). */
  readonly written: string[] = [];
  /** Whether pods of this template become ready. */
  healthy: (w: WorkloadLike) => boolean = () => true;
  private rv = 100;

  addSecret(s: SecretObject): void {
    this.secrets.set(s.metadata.name!, {
      ...clone(s),
      metadata: { ...clone(s.metadata), resourceVersion: String(this.rv++), uid: `uid-${s.metadata.name}` },
    });
  }

  addWorkload(w: WorkloadLike): void {
    this.workloads.set(`${w.kind}/${w.metadata.name}`, {
      ...clone(w),
      metadata: { ...clone(w.metadata), resourceVersion: String(this.rv++) },
    });
  }

  async getSecret(name: string): Promise<SecretObject | undefined> {
    const s = this.secrets.get(name);
    return s ? clone(s) : undefined;
  }

  async listVersions(logical: string): Promise<SecretObject[]> {
    return [...this.secrets.values()]
      .filter((s) => s.metadata.name === logical || s.metadata.labels?.[LABEL_NAME] === logical)
      .map((s) => ({ metadata: clone(s.metadata) }));
  }

  async secretExists(name: string): Promise<boolean> {
    return this.secrets.has(name);
  }

  async createSecret(secret: SecretObject): Promise<SecretObject> {
    const name = secret.metadata.name!;
    if (this.secrets.has(name)) throw new ConflictError(`secrets "${name}" already exists`);
    this.written.push(JSON.stringify({ ...secret, data: undefined }));
    this.addSecret(secret);
    return clone(this.secrets.get(name)!);
  }

  async replaceSecret(secret: SecretObject): Promise<SecretObject> {
    const name = secret.metadata.name!;
    const live = this.secrets.get(name);
    if (!live) throw new RejectedError(`secrets "${name}" not found`, 404);
    if (secret.metadata.resourceVersion !== live.metadata.resourceVersion)
      throw new ConflictError('the object has been modified');
    this.written.push(JSON.stringify({ ...secret, data: undefined }));
    const next = {
      ...clone(secret),
      metadata: { ...clone(secret.metadata), resourceVersion: String(this.rv++), uid: live.metadata.uid },
    };
    this.secrets.set(name, next);
    return clone(next);
  }

  async patchSecretMetadata(
    name: string,
    resourceVersion: string | undefined,
    change: { labels?: Record<string, string | null>; annotations?: Record<string, string | null> },
  ): Promise<SecretObject> {
    const live = this.secrets.get(name);
    if (!live) throw new RejectedError(`secrets "${name}" not found`, 404);
    if (resourceVersion && resourceVersion !== live.metadata.resourceVersion)
      throw new ConflictError('the object has been modified');
    this.written.push(JSON.stringify(change));
    live.metadata.labels = applyMap(live.metadata.labels, change.labels);
    live.metadata.annotations = applyMap(live.metadata.annotations, change.annotations);
    live.metadata.resourceVersion = String(this.rv++);
    return clone(live);
  }

  async deleteSecret(name: string, pre?: Preconditions): Promise<boolean> {
    const live = this.secrets.get(name);
    if (!live) return false;
    if (pre?.uid && pre.uid !== live.metadata.uid) throw new ConflictError('uid precondition failed');
    this.secrets.delete(name);
    return true;
  }

  /** ServiceAccounts, Ingresses, Gateways, StorageClasses... by `Kind/name`. */
  readonly objects = new Map<string, ReferencingObject>();

  addObject(o: ReferencingObject): void {
    this.objects.set(`${o.kind}/${o.metadata?.name}`, clone(o));
  }

  async scanConsumers(): Promise<ConsumerScan> {
    const { workloads, pods } = await this.observe(['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob']);
    return { workloads, pods, objects: [...this.objects.values()].map(clone), gaps: [] };
  }

  async getObject(kind: RepointableKind, name: string): Promise<ReferencingObject | undefined> {
    const o = this.objects.get(`${kind}/${name}`);
    return o ? clone(o) : undefined;
  }

  async jsonPatchObject(kind: RepointableKind, name: string, ops: JsonPatchOp[]): Promise<ReferencingObject> {
    return this.jsonPatch(this.objects, `${kind}/${name}`, ops, () => {});
  }

  async getWorkload(kind: RolloutKind, name: string): Promise<WorkloadLike | undefined> {
    const w = this.workloads.get(`${kind}/${name}`);
    return w ? clone(w) : undefined;
  }

  async jsonPatchWorkload(kind: RolloutKind, name: string, ops: JsonPatchOp[]): Promise<WorkloadLike> {
    return this.jsonPatch(this.workloads, `${kind}/${name}`, ops, (w) => {
      w.metadata.generation = (w.metadata.generation ?? 1) + 1;
      w.metadata.resourceVersion = String(this.rv++);
    });
  }

  private jsonPatch<T>(store: Map<string, T>, key: string, ops: JsonPatchOp[], touch: (updated: T) => void): T {
    const live = store.get(key);
    if (!live) throw new RejectedError('not found', 404);
    const updated = applyOps(live, ops);
    this.written.push(JSON.stringify(ops));
    touch(updated);
    store.set(key, updated);
    return clone(updated);
  }

  async mergePatchWorkload(kind: RolloutKind, name: string, patch: unknown): Promise<WorkloadLike> {
    const w = this.workloads.get(`${kind}/${name}`);
    if (!w) throw new RejectedError('not found', 404);
    const precondition = (patch as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion;
    if (precondition !== undefined && precondition !== w.metadata.resourceVersion)
      throw new ConflictError('the object has been modified');
    this.written.push(JSON.stringify(patch));
    const updated = merge(clone(w), patch) as WorkloadLike;
    updated.metadata.generation = (updated.metadata.generation ?? 1) + 1;
    updated.metadata.resourceVersion = String(this.rv++);
    this.workloads.set(`${kind}/${name}`, updated);
    return clone(updated);
  }

  /** Pods the tool deleted (fake pods are derived from templates, so they simply come back). */
  readonly deletedPods: string[] = [];

  async deletePod(name: string): Promise<boolean> {
    this.deletedPods.push(name);
    const i = this.barePods.findIndex((p) => p.metadata.name === name);
    if (i >= 0) this.barePods.splice(i, 1);
    return true;
  }

  /** Rollouts complete at once when `healthy`; otherwise one new pod stays not ready. */
  async observe(_kinds?: readonly RolloutKind[]): Promise<{ workloads: WorkloadLike[]; pods: PodLike[] }> {
    const workloads: WorkloadLike[] = [];
    const pods: PodLike[] = [...this.barePods.map(clone)];
    for (const w of this.workloads.values()) {
      const ok = this.healthy(w);
      const g = w.metadata.generation ?? 1;
      const status: Record<string, unknown> = { observedGeneration: g };
      Object.assign(
        status,
        w.kind === 'Deployment' ? { replicas: 1, updatedReplicas: 1, availableReplicas: ok ? 1 : 0 } : {},
        w.kind === 'StatefulSet'
          ? {
              readyReplicas: ok ? 1 : 0,
              updatedReplicas: 1,
              currentRevision: ok ? `r${g}` : 'old',
              updateRevision: `r${g}`,
            }
          : {},
        w.kind === 'DaemonSet'
          ? { desiredNumberScheduled: 1, updatedNumberScheduled: 1, numberAvailable: ok ? 1 : 0 }
          : {},
      );
      workloads.push({ ...clone(w), status });
      if (w.kind === 'CronJob') continue;
      let owner = { kind: w.kind, name: w.metadata.name! };
      if (w.kind === 'Deployment') {
        const rs = `${w.metadata.name}-g${g}`;
        workloads.push({
          kind: 'ReplicaSet',
          metadata: {
            name: rs,
            namespace: NS,
            ownerReferences: [
              { apiVersion: 'apps/v1', kind: 'Deployment', name: w.metadata.name!, uid: 'u', controller: true },
            ],
          },
          spec: { replicas: 1, template: (w.spec as { template: unknown }).template },
        });
        owner = { kind: 'ReplicaSet', name: rs };
      }
      const template = (w.spec as { template?: { metadata?: { annotations?: Record<string, string> } } }).template;
      pods.push({
        kind: 'Pod',
        metadata: {
          name: `${w.metadata.name}-g${g}-0`,
          uid: `uid-pod-${w.metadata.name}-g${g}`,
          namespace: NS,
          ...(template?.metadata?.annotations ? { annotations: clone(template.metadata.annotations) } : {}),
          ownerReferences: [{ apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, uid: 'u', controller: true }],
        },
        spec: clone(podSpecOf(w)!),
        status: {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: ok ? 'True' : 'False', reason: ok ? undefined : 'ContainersNotReady' }],
        },
      });
    }
    return { workloads, pods };
  }

  async getLease(name: string): Promise<LeaseObject | undefined> {
    const l = this.leases.get(name);
    return l ? clone(l) : undefined;
  }

  async createLease(lease: LeaseObject): Promise<LeaseObject> {
    const name = lease.metadata.name!;
    if (this.leases.has(name)) throw new ConflictError(`leases "${name}" already exists`);
    this.written.push(JSON.stringify(lease));
    this.leases.set(name, {
      ...clone(lease),
      metadata: { ...clone(lease.metadata), uid: `uid-lease-${this.rv}`, resourceVersion: String(this.rv++) },
    });
    return clone(this.leases.get(name)!);
  }

  async replaceLease(lease: LeaseObject): Promise<LeaseObject> {
    const name = lease.metadata.name!;
    const live = this.leases.get(name);
    if (!live) throw new RejectedError('not found', 404);
    if (lease.metadata.resourceVersion !== live.metadata.resourceVersion)
      throw new ConflictError('the object has been modified');
    this.written.push(JSON.stringify(lease));
    this.leases.set(name, {
      ...clone(lease),
      metadata: { ...clone(lease.metadata), resourceVersion: String(this.rv++) },
    });
    return clone(this.leases.get(name)!);
  }

  async deleteLease(name: string, pre?: Preconditions): Promise<boolean> {
    const live = this.leases.get(name);
    if (!live) return false;
    if (pre?.uid && pre.uid !== live.metadata.uid) throw new ConflictError('uid precondition failed');
    if (pre?.resourceVersion && pre.resourceVersion !== live.metadata.resourceVersion)
      throw new ConflictError('resourceVersion precondition failed');
    this.leases.delete(name);
    return true;
  }

  /** Names of the Secrets each workload template references now. */
  references(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [key, w] of this.workloads)
      out[key] = [...new Set(JSON.stringify(podSpecOf(w)).match(/"(db[-\w]*)"/g) ?? [])].map((s) => s.slice(1, -1));
    return out;
  }
}

function applyMap(
  base: Record<string, string> | undefined,
  change: Record<string, string | null> | undefined,
): Record<string, string> | undefined {
  if (!change) return base;
  const out = { ...base };
  for (const [k, v] of Object.entries(change)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

function merge(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target && typeof target === 'object' ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) out[k] = v === null ? undefined : merge(out[k], v);
  return out;
}

/** Applies test/replace operations as the API server does (a failed test is a conflict). */
function applyOps<T>(obj: T, ops: readonly JsonPatchOp[]): T {
  const next = clone(obj) as unknown as Record<string, unknown>;
  for (const op of ops) {
    const parts = op.path
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop()!;
    const parent = parts.reduce<Record<string, unknown>>((o, k) => o[k] as Record<string, unknown>, next);
    if (op.op === 'test' && parent[last] !== op.value) throw new ConflictError(`testing value ${op.path} failed`);
    if (op.op === 'replace') parent[last] = op.value;
  }
  return next as unknown as T;
}
