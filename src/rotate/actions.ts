// Every action a rotation's journal can hold, one entry each: when a plan has
// it, how it runs, how it is recorded, and how it is undone. The table's order
// is the order of steps, forward and in a rollback. Adding a step kind means
// adding its entry here.
import type { Journal, StepAction, StepOf, StepSpec } from './journal.js';
import type { Plan, PlannedConsumer } from './plan.js';
import type { JournalWrite, StepContext, StepResult } from './step-context.js';
import { begin, createVersion, type FirstWrite } from './steps-first.js';
import { restartConsumer, switchConsumer } from './steps-switch.js';
import { backup, discard, writeValues } from './steps-values.js';
import { markFailed, promote, prune } from './steps-versions.js';
import { waitStep } from './steps-wait.js';
import { workloadRef } from './types.js';

/** The rollback step that undoes a done step; whether it changes pods (a rollout to wait for), and needs a new restart stamp. */
export interface Undo {
  step: StepSpec;
  waits: boolean;
  restamps: boolean;
}

export interface Action<A extends StepAction> {
  /** The forward steps of this action a rotation of `plan` has. */
  plan?(plan: Plan): Array<StepSpec<A>>;
  /** How it runs (idempotent: a resumed rotation may run again the step that was in flight). */
  run(ctx: StepContext, step: StepOf<A>): Promise<StepResult>;
  /**
   * How it is recorded: `after` it ran, by the runner, in one patch of the
   * record (with the labels it returns); `with-write`, by its own write of the
   * record, which carries the journal (it returns that write); `born`, done
   * in the write that creates the journal (`born`, before any other step).
   */
  record: 'after' | 'with-write' | 'born';
  /** born steps: the first write. */
  born?(ctx: StepContext, step: StepOf<A>, first: FirstWrite): Promise<JournalWrite>;
  /** Pending forward steps of this action in a row run at once, up to a batch, recorded in one write. */
  batch?: boolean;
  /** How it is undone: the rollback step for it, once done. */
  undo?(step: StepOf<A>, j: Journal): Undo | undefined;
  /** Rollback-only steps: whether a rollback made of `undos` has this one. */
  inRollback?(undos: readonly Undo[]): boolean;
}

const changed = (p: Plan): PlannedConsumer[] =>
  p.consumers.filter((c) => c.action === 'repoint' || c.action === 'restart');
const waitsFor = (j: Journal, ref: string): boolean =>
  j.consumers.some((c) => workloadRef(c.kind, c.name) === ref && c.wait);
const only =
  <A extends StepAction>(mode: Plan['mode'], action: A) =>
  (p: Plan) =>
    p.mode === mode ? [{ action } as StepSpec<A>] : [];
const nothing = async (): Promise<StepResult> => ({});
/** One step per consumer the plan changes. */
const perConsumer =
  <A extends 'repoint' | 'restart'>(mode: Plan['mode'], action: A) =>
  (p: Plan): Array<StepSpec<A>> =>
    p.mode === mode ? changed(p).map((c) => ({ action, target: workloadRef(c.kind, c.name) }) as StepSpec<A>) : [];
/** A switched consumer is switched back (repointed, or restarted under the rollback's stamp). */
const switchBack =
  (restamps: boolean) =>
  (step: StepOf<'repoint' | 'restart'>, j: Journal): Undo => ({
    step: { action: 'undo', target: step.target },
    waits: waitsFor(j, step.target),
    restamps,
  });

export const ACTIONS: { readonly [A in StepAction]: Action<A> } = {
  /** blue/green: the new version is created, born with this journal. */
  'create-version': {
    plan: only('blue-green', 'create-version'),
    run: nothing,
    record: 'born',
    born: (ctx, _step, first) => createVersion(ctx, first),
    // Kept for inspection: what went wrong is in its journal.
    undo: () => ({ step: { action: 'mark-failed' }, waits: false, restamps: false }),
  },
  /** in-place: the journal is written on the Secret (precondition: the values we read). */
  begin: {
    plan: only('in-place', 'begin'),
    run: nothing,
    record: 'born',
    born: begin,
    // Stopped before its values were written: nothing to undo but the backup (the rotation ends aborted).
    undo: (_step, j) =>
      j.steps.some((s) => s.action === 'update-values' && s.status === 'done')
        ? undefined
        : { step: { action: 'discard' }, waits: false, restamps: false },
  },
  /** in-place: the old values are copied to NAME-previous, for rollback. */
  backup: { plan: only('in-place', 'backup'), run: backup, record: 'after' },
  /** in-place: the new values are written (together with the journal). */
  'update-values': {
    plan: only('in-place', 'update-values'),
    run: writeValues,
    record: 'with-write',
    // Every consumer reads the values back: all roll out again, under a new stamp.
    undo: (_step, j) => ({
      step: { action: 'restore-values' },
      waits: j.consumers.some((c) => c.wait),
      restamps: true,
    }),
  },
  /** blue/green: a consumer is switched to the new version. */
  repoint: {
    plan: perConsumer('blue-green', 'repoint'),
    run: switchConsumer,
    record: 'after',
    batch: true,
    undo: switchBack(false),
  },
  /** in-place: a consumer that loaded the values at start is restarted. */
  restart: {
    plan: perConsumer('in-place', 'restart'),
    run: restartConsumer,
    record: 'after',
    batch: true,
    undo: switchBack(true),
  },
  wait: { plan: (p) => (p.consumers.some((c) => c.wait) ? [{ action: 'wait' }] : []), run: waitStep, record: 'after' },
  /** blue/green: new version current, old one previous. Never undone: once promoted, the rotation has succeeded. */
  promote: { plan: only('blue-green', 'promote'), run: promote, record: 'after' },
  /** blue/green: versions beyond --keep that nobody uses are deleted. */
  prune: { plan: only('blue-green', 'prune'), run: prune, record: 'after' },
  /** in-place rollback: the old values are written back. */
  'restore-values': { run: writeValues, record: 'with-write' },
  /** rollback: a changed consumer is switched back (repoint back, or restarted again). */
  undo: { run: switchConsumer, record: 'after' },
  'wait-rollback': { run: waitStep, record: 'after', inRollback: (undos) => undos.some((u) => u.waits) },
  /** blue/green rollback: the new version is staged failed (kept for inspection). */
  'mark-failed': { run: markFailed, record: 'after' },
  /** in-place, interrupted before the values were written: the backup is deleted. */
  discard: { run: discard, record: 'after' },
  /** The lock is released: the last step, forward and in a rollback. */
  unlock: { plan: () => [{ action: 'unlock' }], run: unlock, record: 'after', inRollback: () => true },
};

/** The entry of a step's action, typed for that step. */
export const actionOf = <A extends StepAction>(step: StepOf<A>): Action<A> => ACTIONS[step.action as A];

async function unlock(ctx: StepContext): Promise<StepResult> {
  const name = ctx.lease.metadata.name ?? '';
  const live = await ctx.cluster.getLease(name);
  const { uid, resourceVersion } = live?.metadata ?? {};
  if (live && ctx.ours(live)) await ctx.cluster.deleteLease(name, { uid, resourceVersion });
  return {};
}
