// The steps that wait for rollouts: `wait` (forward) and `wait-rollback`.
import { secretRefsOfPodSpec } from '../consumers/pod-refs.js';
import { indexWorkloads, type PodLike } from '../consumers/rollup.js';
import { RESTARTED_AT } from './constants.js';
import { rolloutPods } from './health.js';
import type { ConsumerRecord, StepOf } from './journal.js';
import { StepFailure } from './outcome.js';
import { waitForRollouts } from './run-wait.js';
import type { StepContext, StepResult } from './step-context.js';
import { splitRef } from './steps-switch.js';
import { workloadRef } from './types.js';

export async function waitStep(ctx: StepContext, step: StepOf<'wait' | 'wait-rollback'>): Promise<StepResult> {
  const rollback = step.action === 'wait-rollback';
  const j = ctx.journal;
  const switched = rollback ? 'undo' : j.mode === 'blue-green' ? 'repoint' : 'restart';
  // Kind/name → when its template was changed (the step's time), for what was changed.
  const changedAt = new Map(
    j.steps.flatMap((s) => (s.action === switched && s.status === 'done' && s.target ? [[s.target, s.at]] : [])),
  );
  const changed = new Set(changedAt.keys());
  // blue/green waits for what it switched; in-place for every consumer, since mounted files change too.
  const waited = j.consumers.filter(
    (c) => c.wait && (j.mode === 'in-place' || changed.has(workloadRef(c.kind, c.name))),
  );
  const stamp = rollback ? j.rollbackStamp : j.stamp;
  const target = rollback ? j.from : j.to;
  // Not healthy before the rotation: its rollback cannot wait for a health it did not have.
  const targets = rollback ? waited.filter((c) => !c.unhealthy) : waited;
  if (rollback) {
    for (const c of waited) if (c.unhealthy) restoredUnhealthy(ctx, c, target);
    for (const c of targets) if (c.kind === 'StatefulSet') await unstickStatefulSet(ctx, workloadRef(c.kind, c.name));
  }
  const isNew = (c: ConsumerRecord, pod: PodLike): boolean => {
    if (j.mode === 'blue-green') return secretRefsOfPodSpec(pod.spec, target).length > 0;
    if (!changed.has(workloadRef(c.kind, c.name))) return true;
    return pod.metadata.annotations?.[RESTARTED_AT] === stamp;
  };
  const result = await waitForRollouts(targets, isNew, {
    cluster: ctx.cluster,
    clock: ctx.clock,
    timeoutMs: ctx.opts.timeoutMs,
    pollMs: ctx.pollMs,
    status: (text) => ctx.events.status(text),
    onDone: (c, message) => {
      const ref = workloadRef(c.kind, c.name);
      ctx.setConsumer(ref, rollback ? 'reverted' : 'rolled-out', message);
      ctx.events.line(`${ref}: ${rollback ? 'back on' : 'rolled out on'} ${target} (${message})`);
    },
    tick: () => ctx.checkpoint(step),
    changedAt: (c) => {
      const at = changedAt.get(workloadRef(c.kind, c.name));
      return at ? new Date(at) : undefined;
    },
  });
  if (result.failed) {
    ctx.setConsumer(result.failed.target, 'failed', result.failed.message);
    throw new StepFailure(result.failed.message, result.failed.target);
  }
  return {};
}

function restoredUnhealthy(ctx: StepContext, c: ConsumerRecord, target: string): void {
  const ref = workloadRef(c.kind, c.name);
  const message = `not waited for: it was not healthy before the rotation (${c.unhealthy})`;
  ctx.setConsumer(ref, 'reverted', message);
  ctx.events.line(`${ref}: back on ${target} (${message})`);
}

/**
 * A StatefulSet does not replace a pod stuck on a bad revision once its
 * template is reverted (Kubernetes' documented "forced rollback"): delete
 * its pods that run the failed version and are not ready, as the docs say.
 */
async function unstickStatefulSet(ctx: StepContext, ref: string): Promise<void> {
  const j = ctx.journal;
  const { cluster } = ctx;
  const { name } = splitRef(ref);
  const { workloads, pods } = await cluster.observe(['StatefulSet']);
  const sts = workloads.find((w) => w.kind === 'StatefulSet' && w.metadata.name === name);
  if (!sts) return;
  const onFailedVersion = (pod: PodLike): boolean =>
    j.mode === 'blue-green'
      ? secretRefsOfPodSpec(pod.spec, j.to).length > 0
      : pod.metadata.annotations?.[RESTARTED_AT] === j.stamp;
  const stuck = rolloutPods(
    sts,
    indexWorkloads(workloads),
    pods,
    (pod) => onFailedVersion(pod) && !isReady(pod) && !pod.metadata.deletionTimestamp,
  );
  if (stuck.length === 0) return;
  for (const pod of stuck) {
    const { name: podName = '', uid } = pod.metadata;
    await cluster.deletePod(podName, uid ? { uid } : undefined);
  }
  const names = stuck.map((p) => p.metadata.name).join(', ');
  ctx.events.line(
    `${ref}: deleted ${names}, stuck on the failed version (StatefulSets do not replace them by themselves)`,
  );
}

const isReady = (pod: PodLike): boolean =>
  pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
