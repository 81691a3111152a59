import { secretRefsOfPodSpec } from '../consumers/pod-refs.js';
import { controllerOf, indexWorkloads, objectKey, type PodLike, type WorkloadLike } from '../consumers/rollup.js';
import { objectRefMatches, secretRefsOfObject, type ReferencingObject } from '../consumers/object-refs.js';
import type { SecretRef } from '../consumers/types.js';
import { podSpecOf } from '../consumers/workloads.js';
import type { RotationMode } from './constants.js';
import { rolloutPods, unhealthyNow } from './health.js';
import { managedWorkloadAdvice, workloadManager } from './owners.js';
import { isRepointableKind, isRolloutKind, ROLLOUT_KINDS, workloadRef, type ConsumerKind } from './types.js';

/** What happens to one consumer: repoint (blue/green), restart (in-place), wait only, or nothing. */
export type ConsumerAction = 'repoint' | 'restart' | 'wait' | 'none';

export interface PlannedConsumer {
  kind: ConsumerKind;
  name: string;
  /** How it uses the Secret: env, envFrom, volume, volume (subPath), projected, imagePullSecret, ... */
  uses: string[];
  action: ConsumerAction;
  /** Whether the rotation waits for its rollout (CronJobs have none). */
  wait: boolean;
  /** Why it was not healthy before the rotation (rotated anyway: --rotate-unhealthy). */
  unhealthy?: string;
}

/**
 * What to do with a consumer that is not healthy before the rotation: refuse
 * the rotation (the default), leave it out (NOT ROTATED), or rotate it anyway
 * (a rollback then restores it without waiting for a health it did not have).
 */
export type UnhealthyPolicy = 'refuse' | 'skip' | 'rotate';

/** A consumer whose health the rotation could not judge, because it was not healthy before. */
export interface Unhealthy {
  kind: string;
  name: string;
  /** "0/2 ready", and why when known. */
  why: string;
}

/** A user of the Secret the rotation cannot switch by itself, and what to do about it. */
export interface Unrotatable {
  kind: string;
  name: string;
  /** How it uses the Secret, when known. */
  uses?: string[];
  reason: string;
}

export interface Plan {
  namespace: string;
  logical: string;
  mode: RotationMode;
  /** The Secret consumers use now. */
  from: string;
  /** The Secret they use after (the same one in place). */
  to: string;
  consumers: PlannedConsumer[];
  unrotatable: Unrotatable[];
  /** Reasons the rotation would break consumers; the CLI refuses when there are any. */
  problems: string[];
  /** Consumers not healthy now (policy refuse); the CLI refuses when there are any. */
  unhealthy: Unhealthy[];
}

export interface PlanInput {
  namespace: string;
  logical: string;
  mode: RotationMode;
  from: string;
  to: string;
  workloads: readonly WorkloadLike[];
  pods: readonly PodLike[];
  /** ServiceAccounts, Ingresses, ...: they name Secrets outside pod templates. */
  objects?: readonly ReferencingObject[];
  /** Keys of the new data: references to other keys are problems. */
  newKeys?: ReadonlySet<string>;
  force: boolean;
  restartAll: boolean;
  /** Default: refuse. */
  unhealthy?: UnhealthyPolicy;
}

/** Decides, for every user of `from`, what the rotation does to it. Pure. */
export function planRotation(input: PlanInput): Plan {
  const { from, mode } = input;
  const known = indexWorkloads(input.workloads);
  const consumers: PlannedConsumer[] = [];
  const unrotatable: Unrotatable[] = [];
  const problems: string[] = [];
  const unhealthy: Unhealthy[] = [];
  const checkKeys = (who: string, refs: readonly SecretRef[]): void => {
    if (input.newKeys) problems.push(...missingKeys(who, refs, input.newKeys));
  };

  for (const w of input.workloads) {
    const refs = secretRefsOfPodSpec(podSpecOf(w), from);
    if (refs.length === 0) continue;
    const name = w.metadata.name ?? '';
    const controller = controllerOf(w.metadata);
    if (controller) {
      // A ReplicaSet of a Deployment or a Job of a CronJob follows its owner.
      if (!known.has(objectKey(controller.kind, w.metadata.namespace ?? '', controller.name))) {
        unrotatable.push({
          kind: w.kind,
          name,
          uses: usesOf(refs),
          reason: `owned by ${controller.kind}/${controller.name}: switch it there`,
        });
      }
      continue;
    }
    const needsRestart = input.restartAll || refs.some(loadsAtStart);
    if (!isRolloutKind(w.kind)) {
      if (mode === 'blue-green' || needsRestart)
        unrotatable.push({ kind: w.kind, name, uses: usesOf(refs), reason: staticTemplateReason(w.kind, mode) });
      if (mode === 'in-place') checkKeys(workloadRef(w.kind, name), refs);
      continue;
    }
    const manager = workloadManager(w.metadata);
    // Only a repoint fights the manager; a restart annotation is what `kubectl rollout restart` does to them too.
    if (manager && !input.force && mode === 'blue-green') {
      unrotatable.push({
        kind: w.kind,
        name,
        uses: usesOf(refs),
        reason: `managed by ${manager}: ${managedWorkloadAdvice(manager)}`,
      });
      continue;
    }
    const action: ConsumerAction =
      mode === 'blue-green' ? 'repoint' : w.kind === 'CronJob' ? 'none' : needsRestart ? 'restart' : 'wait';
    const stuck = action === 'repoint' || action === 'restart' ? rolloutBlocker(w) : undefined;
    checkKeys(workloadRef(w.kind, name), refs);
    if (stuck) {
      unrotatable.push({ kind: w.kind, name, uses: usesOf(refs), reason: stuck });
      continue;
    }
    const wait = w.kind !== 'CronJob';
    const sick = wait
      ? unhealthyNow(
          w,
          rolloutPods(w, known, input.pods, () => true),
        )
      : undefined;
    const policy = input.unhealthy ?? 'refuse';
    if (sick && policy === 'refuse') unhealthy.push({ kind: w.kind, name, why: sick });
    if (sick && policy === 'skip') {
      unrotatable.push({ kind: w.kind, name, uses: usesOf(refs), reason: unhealthyReason(sick, mode, action) });
      continue;
    }
    consumers.push({
      kind: w.kind,
      name,
      uses: usesOf(refs),
      action,
      wait,
      ...(sick && policy === 'rotate' ? { unhealthy: sick } : {}),
    });
  }

  const foreignOwners = new Set<string>();
  for (const pod of input.pods) {
    const refs = secretRefsOfPodSpec(pod.spec, from);
    if (refs.length === 0) continue;
    const name = pod.metadata.name ?? '';
    const controller = controllerOf(pod.metadata);
    if (controller) {
      const owner = `${controller.kind}/${controller.name}`;
      if (
        known.has(objectKey(controller.kind, pod.metadata.namespace ?? '', controller.name)) ||
        foreignOwners.has(owner)
      )
        continue;
      foreignOwners.add(owner);
      unrotatable.push({
        kind: controller.kind,
        name: controller.name,
        uses: usesOf(refs),
        reason: `owns pods that use ${from} (pod ${name}): switch it where it is defined`,
      });
      continue;
    }
    const needsRestart = input.restartAll || refs.some(loadsAtStart);
    if (mode === 'blue-green') {
      unrotatable.push({
        kind: 'Pod',
        name,
        uses: usesOf(refs),
        reason: `bare pod: a pod spec cannot be repointed; recreate it with ${input.to}`,
      });
    } else {
      checkKeys(`Pod/${name}`, refs);
      if (needsRestart)
        unrotatable.push({
          kind: 'Pod',
          name,
          uses: usesOf(refs),
          reason: 'bare pod: it loaded the old value at start; delete and recreate it',
        });
    }
  }

  planObjects(input, consumers, unrotatable);

  consumers.sort(byKindThenName);
  unrotatable.sort(byKindThenName);
  return {
    namespace: input.namespace,
    logical: input.logical,
    mode,
    from,
    to: input.to,
    consumers,
    unrotatable: dedupe(unrotatable),
    problems,
    unhealthy: unhealthy.sort(byKindThenName),
  };
}

/**
 * ServiceAccounts, Ingresses, Gateways, StorageClasses and SecretProviderClasses
 * naming `from` (the consumer scan exposure uses). Blue/green switches those of
 * this namespace it can patch; a StorageClass's parameters are immutable, so it
 * keeps the old version (which prune and --retire then keep too). In place,
 * they keep the name and see the new values: listed, not changed.
 */
function planObjects(input: PlanInput, consumers: PlannedConsumer[], unrotatable: Unrotatable[]): void {
  const { from, to, mode, namespace } = input;
  const byObject = new Map<
    string,
    { kind: string; name: string; namespace: string; uses: Set<string>; details: string[] }
  >();
  for (const obj of input.objects ?? []) {
    for (const ref of secretRefsOfObject(obj)) {
      if (!objectRefMatches(ref, namespace, from)) continue;
      const key = `${ref.from.kind}/${ref.from.namespace}/${ref.from.name}`;
      const entry = byObject.get(key) ?? { ...ref.from, uses: new Set<string>(), details: [] };
      entry.uses.add(ref.kind);
      entry.details.push(ref.detail);
      byObject.set(key, entry);
    }
  }
  for (const o of byObject.values()) {
    const uses = [...o.uses];
    const where = o.details.join(', ');
    if (o.kind === 'SecretProviderClass') {
      unrotatable.push({
        kind: o.kind,
        name: o.name,
        uses,
        reason: `it writes ${from} (${where}): rotate the value in its provider instead`,
      });
    } else if (mode === 'in-place') {
      consumers.push({ kind: o.kind as ConsumerKind, name: o.name, uses, action: 'none', wait: false });
    } else if (o.kind === 'StorageClass') {
      const reason = `StorageClass parameters cannot change: it keeps ${from} (${where}), which is kept while it names it; create a StorageClass that names ${to} for new volumes`;
      unrotatable.push({ kind: o.kind, name: o.name, uses, reason });
    } else if (!isRepointableKind(o.kind) || o.namespace !== namespace) {
      const there = o.namespace && o.namespace !== namespace ? ` in namespace ${o.namespace}` : '';
      unrotatable.push({
        kind: o.kind,
        name: o.name,
        uses,
        reason: `names ${from}${there} (${where}): point it at ${to} by hand`,
      });
    } else {
      consumers.push({ kind: o.kind, name: o.name, uses, action: 'repoint', wait: false });
    }
  }
}

/** References whose value a container reads once at start: env, envFrom and subPath mounts. */
export function loadsAtStart(ref: SecretRef): boolean {
  return ref.kind === 'env' || ref.kind === 'envFrom' || (ref.mounts ?? []).some((m) => m.subPath !== undefined);
}

function usesOf(refs: readonly SecretRef[]): string[] {
  const uses = new Set<string>();
  for (const r of refs) {
    const subPath = (r.mounts ?? []).some((m) => m.subPath !== undefined);
    uses.add(subPath ? `${r.kind} (subPath)` : r.kind);
  }
  return [...uses];
}

function missingKeys(who: string, refs: readonly SecretRef[], keys: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const r of refs) {
    if (r.optional) continue;
    if (r.kind === 'env' && r.key !== undefined && !keys.has(r.key)) {
      out.push(`${who}: env ${r.envName} (container ${r.container}) reads key "${r.key}", which the new data lacks`);
    }
    for (const item of r.items ?? []) {
      if (!keys.has(item.key))
        out.push(`${who}: volume ${r.volume} projects key "${item.key}", which the new data lacks`);
    }
  }
  return out;
}

/** Why a workload's rollout would never finish: paused, or an OnDelete update strategy. */
function rolloutBlocker(w: WorkloadLike): string | undefined {
  const spec = w.spec ?? {};
  if (w.kind === 'Deployment' && spec.paused === true)
    return 'the Deployment is paused: resume it (kubectl rollout resume) and rotate again';
  const strategy = (spec.updateStrategy as { type?: string } | undefined)?.type;
  if ((w.kind === 'StatefulSet' || w.kind === 'DaemonSet') && strategy === 'OnDelete') {
    return 'updateStrategy OnDelete: a template change replaces no pods; switch it and delete its pods by hand';
  }
  return undefined;
}

function unhealthyReason(why: string, mode: RotationMode, action: ConsumerAction): string {
  const left =
    mode === 'blue-green'
      ? 'left on the old version'
      : action === 'restart'
        ? 'not restarted: it keeps the old value it loaded at start'
        : 'not waited for: its mounted files get the new values';
  return `not healthy now (${why}): ${left} (--skip-unhealthy); rotate again once it is healthy`;
}

function staticTemplateReason(kind: string, mode: RotationMode): string {
  if (kind === 'Job')
    return mode === 'blue-green'
      ? "a Job's pod template cannot change: it keeps the old Secret until it ends"
      : 'its pods loaded the old value at start: it keeps it until it ends';
  if (mode === 'in-place') return `its pods loaded the old value at start: delete them and the ${kind} recreates them`;
  return `changing a ${kind}'s template replaces no pods: switch it and recreate its pods by hand`;
}

const KIND_ORDER = [
  ...ROLLOUT_KINDS,
  'Job',
  'ReplicaSet',
  'ReplicationController',
  'Pod',
  'ServiceAccount',
  'Ingress',
  'Gateway',
  'StorageClass',
] as string[];
function byKindThenName(a: { kind: string; name: string }, b: { kind: string; name: string }): number {
  const ka = KIND_ORDER.indexOf(a.kind);
  const kb = KIND_ORDER.indexOf(b.kind);
  return (ka < 0 ? 99 : ka) - (kb < 0 ? 99 : kb) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name);
}

function dedupe(list: Unrotatable[]): Unrotatable[] {
  const seen = new Set<string>();
  return list.filter((u) => {
    const k = `${u.kind}/${u.name}/${u.reason}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
