// The steps that switch one consumer: repoint (blue/green, and its undo) and
// restart (in place, and its undo). Each is idempotent and fenced by the
// resourceVersion it read, so a resumed rotation may run it again.
import { objectRepointPatch, repointPatch, type JsonPatchOp } from '../consumers/repoint.js';
import { podSpecOf, POD_TEMPLATE_POINTERS } from '../consumers/workloads.js';
import { RESTARTED_AT } from './constants.js';
import { ConflictError } from './errors.js';
import { switchedMessage, type ConsumerState, type StepOf } from './journal.js';
import { StepFailure } from './outcome.js';
import type { StepContext, StepResult } from './step-context.js';
import { isRepointableKind, isRolloutKind, workloadRef, type ConsumerKind } from './types.js';

/** Reads and writes of one object before a concurrent writer's conflicts fail the step. */
const WRITE_ATTEMPTS = 5;

/** repoint and undo: switches a consumer to the new version (or back), records its new state. */
export async function switchConsumer(ctx: StepContext, step: StepOf<'repoint' | 'undo'>): Promise<StepResult> {
  const j = ctx.journal;
  const ref = step.target;
  const undo = step.action === 'undo';
  let note: string;
  if (j.mode === 'blue-green') {
    note = undo ? await repoint(ctx, ref, j.to, j.from) : await repoint(ctx, ref, j.from, j.to);
  } else {
    note = await restart(ctx, ref, stampOf(j.rollbackStamp));
  }
  const waits = j.consumers.find((c) => workloadRef(c.kind, c.name) === ref)?.wait ?? true;
  const target = undo ? j.from : j.to;
  const state: ConsumerState = undo ? 'reverted' : waits ? 'changed' : 'updated';
  ctx.setConsumer(ref, state, waits ? undefined : switchedMessage(splitRef(ref).kind, target));
  ctx.events.line(`${ref}: ${note}`);
  return { note };
}

/** in-place restart of a consumer that loaded the old values at start. */
export async function restartConsumer(ctx: StepContext, step: StepOf<'restart'>): Promise<StepResult> {
  const note = await restart(ctx, step.target, stampOf(ctx.journal.stamp));
  ctx.setConsumer(step.target, 'changed');
  ctx.events.line(`${step.target}: ${note}`);
  return { note };
}

/** An in-place journal has its stamps from the start (and the rollback's from its start). */
function stampOf(stamp: string | undefined): string {
  if (stamp === undefined) throw new Error('the journal has no restart stamp for this step');
  return stamp;
}

/** Switches a consumer's pod template (or an object's references) from one Secret to another with a guarded JSON Patch. */
async function repoint(ctx: StepContext, ref: string, from: string, to: string): Promise<string> {
  const { cluster } = ctx;
  const { kind, name } = splitRef(ref);
  if (isRepointableKind(kind)) {
    const ns = ctx.journal.namespace;
    return guardedSwitch(ctx, ref, from, to, {
      read: () => cluster.getObject(kind, name),
      patch: (o, a, b) => objectRepointPatch(o, ns, a, b),
      write: (ops) => cluster.jsonPatchObject(kind, name, ops),
      what: 'it no longer names',
    });
  }
  if (!isRolloutKind(kind)) throw new StepFailure(`a ${kind} cannot be switched`, ref);
  return guardedSwitch(ctx, ref, from, to, {
    read: () => cluster.getWorkload(kind, name),
    patch: (w, a, b) => repointPatch(podSpecOf(w), POD_TEMPLATE_POINTERS[kind], a, b),
    write: (ops) => cluster.jsonPatchWorkload(kind, name, ops),
    what: 'its pod template no longer references',
  });
}

/**
 * Reads, computes the references to switch, and writes them in one JSON
 * Patch fenced by the resourceVersion read: a patch delayed in flight
 * cannot land after anything (an undo by a --resume that took over) wrote
 * the object since. A no-op when already done. After a conflict the lease
 * is checked before reading again: a process that lost it writes nothing.
 */
async function guardedSwitch<T extends { metadata?: { resourceVersion?: string } }>(
  ctx: StepContext,
  ref: string,
  from: string,
  to: string,
  how: {
    read(): Promise<T | undefined>;
    patch(o: T, a: string, b: string): JsonPatchOp[];
    write(ops: JsonPatchOp[]): Promise<unknown>;
    what: string;
  },
): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const o = await how.read();
    if (!o) throw new StepFailure('it was deleted during the rotation', ref);
    const ops = how.patch(o, from, to);
    if (ops.length === 0) {
      if (how.patch(o, to, from).length > 0) return `already on ${to}`;
      throw new StepFailure(`${how.what} ${from} or ${to}: someone changed it`, ref);
    }
    const fence: JsonPatchOp = { op: 'test', path: '/metadata/resourceVersion', value: o.metadata?.resourceVersion };
    try {
      await how.write(o.metadata?.resourceVersion ? [fence, ...ops] : ops);
      const n = ops.length / 2;
      return `switched to ${to} (${n} reference${n > 1 ? 's' : ''})`;
    } catch (err) {
      // A concurrent write (a controller's status update, say) made a `test` fail: read it again, if the lock is still ours.
      if (!(err instanceof ConflictError) || attempt >= WRITE_ATTEMPTS) throw err;
      await ctx.renewIfDue(true);
    }
  }
}

/** `kubectl rollout restart` with a fixed stamp, so that doing it twice changes nothing; fenced as guardedSwitch is. */
async function restart(ctx: StepContext, ref: string, stamp: string): Promise<string> {
  const { kind, name } = splitRef(ref);
  if (!isRolloutKind(kind)) throw new StepFailure(`a ${kind} cannot be restarted`, ref);
  for (let attempt = 1; ; attempt++) {
    const w = await ctx.cluster.getWorkload(kind, name);
    if (!w) throw new StepFailure('it was deleted during the rotation', ref);
    const template = (w.spec as { template?: { metadata?: { annotations?: Record<string, string> } } } | undefined)
      ?.template;
    if (template?.metadata?.annotations?.[RESTARTED_AT] === stamp) return 'already restarted';
    const fence = w.metadata.resourceVersion ? { metadata: { resourceVersion: w.metadata.resourceVersion } } : {};
    try {
      await ctx.cluster.mergePatchWorkload(kind, name, {
        ...fence,
        spec: { template: { metadata: { annotations: { [RESTARTED_AT]: stamp } } } },
      });
      return 'restarted';
    } catch (err) {
      if (!(err instanceof ConflictError) || attempt >= WRITE_ATTEMPTS) throw err;
      await ctx.renewIfDue(true);
    }
  }
}

export function splitRef(ref: string): { kind: ConsumerKind; name: string } {
  const i = ref.indexOf('/');
  return { kind: ref.slice(0, i) as ConsumerKind, name: ref.slice(i + 1) };
}
