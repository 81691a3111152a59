import type { V1ContainerStatus } from '@kubernetes/client-node';
import { topOwner, type PodLike, type WorkloadLike } from '../consumers/rollup.js';
import { formatAge } from '../util/duration.js';

export type RolloutPhase = 'progressing' | 'complete' | 'failed';

export interface RolloutStatus {
  phase: RolloutPhase;
  /** kubectl-like: "1 of 2 updated replicas are available", or why it failed. */
  message: string;
}

/** Container states that do not heal by waiting: the health gate fails at once. */
const FATAL_WAITING = new Set([
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
  'ImagePullBackOff',
  'InvalidImageName',
  'RunContainerError',
]);

type Status = Record<string, unknown>;
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/**
 * `kubectl rollout status` for one object: Deployment, StatefulSet,
 * DaemonSet (CronJobs have no rollout: always complete). A
 * ProgressDeadlineExceeded condition only counts when it was written in a
 * second after `since`: an older one belongs to a rollout before ours.
 */
export function workloadRolloutStatus(w: WorkloadLike, since: Date): RolloutStatus {
  const spec = (w.spec ?? {}) as Status;
  const status = (w.status ?? {}) as Status;
  const generation = w.metadata.generation ?? 0;
  const observed = status.observedGeneration;
  if (w.kind === 'CronJob') return { phase: 'complete', message: 'template updated; the next Job uses it' };
  if (typeof observed !== 'number' || observed < generation)
    return { phase: 'progressing', message: 'waiting for the controller to see the change' };
  const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
  const strategy = (spec.updateStrategy as { type?: string; rollingUpdate?: { partition?: number } } | undefined) ?? {};
  const up = readiness(w)?.ready ?? 0;

  switch (w.kind) {
    case 'Deployment': {
      const conditions =
        (status.conditions as
          | { type?: string; status?: string; reason?: string; message?: string; lastUpdateTime?: string }[]
          | undefined) ?? [];
      const progressing = conditions.find((c) => c.type === 'Progressing');
      if (progressing?.reason === 'ProgressDeadlineExceeded' && notBefore(progressing.lastUpdateTime, since)) {
        return { phase: 'failed', message: progressing.message ?? 'progress deadline exceeded' };
      }
      // Pods its ReplicaSet could not create (a quota, an admission webhook): no pod to name, so say why.
      const failure = conditions.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
      const why = failure
        ? ` (${failure.reason ?? 'ReplicaFailure'}${failure.message ? `: ${short(failure.message)}` : ''})`
        : '';
      const updated = num(status.updatedReplicas);
      if (updated < replicas)
        return { phase: 'progressing', message: `${updated} of ${replicas} new replicas have been updated${why}` };
      const old = num(status.replicas) - updated;
      if (old > 0) return { phase: 'progressing', message: `${old} old replicas are pending termination` };
      if (up < updated) return { phase: 'progressing', message: `${up} of ${updated} updated replicas are available` };
      return { phase: 'complete', message: `${up}/${replicas} replicas updated and available` };
    }
    case 'StatefulSet': {
      if (strategy.type === 'OnDelete')
        return { phase: 'complete', message: 'updateStrategy OnDelete: pods are replaced only when deleted' };
      if (up < replicas) return { phase: 'progressing', message: `${up} of ${replicas} pods are ready` };
      const updated = num(status.updatedReplicas);
      const partition = strategy.rollingUpdate?.partition ?? 0;
      if (partition > 0) {
        if (updated < replicas - partition)
          return {
            phase: 'progressing',
            message: `${updated} of ${replicas - partition} pods above the partition updated`,
          };
        // Complete as kubectl rollout status says, but the pods below the partition keep the old template.
        const below = Math.min(partition, replicas);
        return {
          phase: 'complete',
          message: `partitioned rollout complete: ${updated} of ${replicas} pods updated; ${below} below partition ${partition} keep the old template`,
        };
      }
      if (status.updateRevision !== status.currentRevision || updated < replicas) {
        return { phase: 'progressing', message: `${updated} of ${replicas} pods at the new revision` };
      }
      return { phase: 'complete', message: `${up}/${replicas} pods updated and ready` };
    }
    case 'DaemonSet': {
      if (strategy.type === 'OnDelete')
        return { phase: 'complete', message: 'updateStrategy OnDelete: pods are replaced only when deleted' };
      const desired = num(status.desiredNumberScheduled);
      const updated = num(status.updatedNumberScheduled);
      if (updated < desired)
        return { phase: 'progressing', message: `${updated} of ${desired} updated pods scheduled` };
      if (up < desired) return { phase: 'progressing', message: `${up} of ${desired} updated pods are available` };
      return { phase: 'complete', message: `${up}/${desired} pods updated and available` };
    }
    default:
      return { phase: 'complete', message: `no rollout for a ${w.kind}` };
  }
}

/**
 * Timestamps from the API have one-second resolution. A deadline of our rollout
 * is stamped at least a second after it began (progressDeadlineSeconds ≥ 1), so
 * one stamped in the second of `since` belongs to the rollout before ours.
 */
function notBefore(timestamp: string | undefined, since: Date): boolean {
  if (!timestamp) return true;
  return Date.parse(timestamp) >= Math.floor(since.getTime() / 1000) * 1000 + 1000;
}

export interface PodProblems {
  /** Problems that fail the gate at once (crash loops, config errors, image pull back-off). */
  fatal: string[];
  /** Pods that are not ready (yet): a failure only after the timeout. */
  notReady: string[];
}

/** What is wrong with the pods of a rollout, by reason and container (no values). */
export function podProblems(pods: readonly PodLike[]): PodProblems {
  const fatal: string[] = [];
  const notReady: string[] = [];
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const name = `pod ${pod.metadata.name}`;
    const statuses: V1ContainerStatus[] = [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? []),
    ];
    let reported = false;
    for (const cs of statuses) {
      const waiting = cs.state?.waiting;
      if (waiting?.reason && FATAL_WAITING.has(waiting.reason)) {
        fatal.push(
          `${name}: container ${cs.name} ${waiting.reason}${waiting.message ? ` (${short(waiting.message)})` : ''}`,
        );
        reported = true;
      }
    }
    if (reported) continue;
    const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status === 'True') continue;
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False') {
      notReady.push(
        `${name}: not scheduled (${scheduled.reason ?? 'Pending'}${scheduled.message ? `: ${short(scheduled.message)}` : ''})`,
      );
      continue;
    }
    const waiting = statuses.map((cs) => cs.state?.waiting?.reason).find((r): r is string => !!r);
    notReady.push(
      `${name}: ${pod.status?.phase ?? 'Pending'}, not ready (${waiting ?? ready?.reason ?? 'no Ready condition yet'})`,
    );
  }
  return { fatal, notReady };
}

const short = (text: string): string => (text.length > 160 ? `${text.slice(0, 160)}…` : text);

export interface RolloutCheck {
  /** The workload as last read, undefined when it is gone. */
  workload: WorkloadLike | undefined;
  /** The pods of the rollout being checked (see rolloutPods). */
  pods: readonly PodLike[];
  /** When the wait began: the timeout counts from here. */
  since: Date;
  /** When this workload's template was changed, if known (else `since`): older deadlines are another rollout's. */
  changedAt?: Date;
  now: Date;
  timeoutMs: number;
}

/**
 * The health gate: the rollout status, failed at once by fatal pod states,
 * and failed when still not complete after the timeout (naming the pods
 * that are not ready and why).
 */
export function evaluateRollout(check: RolloutCheck): RolloutStatus {
  if (!check.workload) return { phase: 'failed', message: 'it was deleted during the rotation' };
  const status = workloadRolloutStatus(check.workload, check.changedAt ?? check.since);
  const problems = podProblems(check.pods);
  if (status.phase === 'failed')
    return { phase: 'failed', message: withPods(status.message, [...problems.fatal, ...problems.notReady]) };
  if (problems.fatal.length > 0) return { phase: 'failed', message: withPods(status.message, problems.fatal) };
  if (status.phase === 'complete') return status;
  const elapsed = check.now.getTime() - check.since.getTime();
  if (elapsed >= check.timeoutMs) {
    return {
      phase: 'failed',
      message: withPods(`not complete after ${formatAge(check.timeoutMs)}: ${status.message}`, problems.notReady),
    };
  }
  return status;
}

function withPods(message: string, pods: readonly string[]): string {
  if (pods.length === 0) return message;
  const shown = pods.slice(0, 3).join('; ');
  return `${message}; ${shown}${pods.length > 3 ? `; and ${pods.length - 3} more pods` : ''}`;
}

/** The pods that belong to `workload` (through ReplicaSets for a Deployment) and match `isNew`. */
export function rolloutPods(
  workload: WorkloadLike,
  known: ReadonlyMap<string, WorkloadLike>,
  pods: readonly PodLike[],
  isNew: (pod: PodLike) => boolean,
): PodLike[] {
  const name = workload.metadata.name;
  return pods.filter((pod) => {
    const { owner } = topOwner(pod, known);
    return owner.kind === workload.kind && owner.name === name && isNew(pod);
  });
}

/** How many replicas a workload wants, and how many of them count as up, for its rollout status and for the health gate: available, or ready for a StatefulSet. */
function readiness(w: WorkloadLike): { ready: number; desired: number } | undefined {
  const spec = (w.spec ?? {}) as Status;
  const status = (w.status ?? {}) as Status;
  const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
  switch (w.kind) {
    case 'Deployment':
      return { ready: num(status.availableReplicas), desired: replicas };
    case 'StatefulSet':
      return { ready: num(status.readyReplicas), desired: replicas };
    case 'DaemonSet':
      return { ready: num(status.numberAvailable), desired: num(status.desiredNumberScheduled) };
    default:
      return undefined;
  }
}

/**
 * Why a workload is not healthy now, before any rotation touches it, or
 * undefined: fewer replicas ready than it wants, a rollout already failed
 * (its progress deadline exceeded) or a pod in a state that does not heal
 * (`pods`: all of its pods). The health gate could not tell its own failure
 * from this, and a rollback's wait could not succeed either. A workload whose
 * controller has not seen its current generation yet is not judged.
 */
export function unhealthyNow(w: WorkloadLike, pods: readonly PodLike[]): string | undefined {
  const count = readiness(w);
  const status = (w.status ?? {}) as Status;
  if (!count || typeof status.observedGeneration !== 'number') return undefined;
  if (status.observedGeneration < (w.metadata.generation ?? 0)) return undefined;
  const ready = `${count.ready}/${count.desired} ready`;
  const rollout = workloadRolloutStatus(w, new Date(0));
  if (rollout.phase === 'failed') return `${ready}; ${rollout.message}`;
  const { fatal } = podProblems(pods);
  if (fatal.length > 0) return withPods(ready, fatal);
  return count.ready < count.desired ? ready : undefined;
}
