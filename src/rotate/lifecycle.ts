// The journal's state machine, in one place: a planned rotation starts
// running; a step is done or fails; a failure turns it around (rolling-back);
// the last step (unlock) ends it done, rolled-back, or aborted (an in-place
// rotation stopped before its values were written). Which steps a rotation
// has, and which steps undo them, comes from the action table. Pure.
import { ACTIONS, type Undo } from './actions.js';
import {
  rfc3339,
  type Failure,
  type Journal,
  type JournalOptions,
  type JournalState,
  type Step,
  type StepAction,
  type StepSpec,
  unchangedMessage,
} from './journal.js';
import type { Plan } from './plan.js';

export type JournalEvent =
  | { type: 'step-done'; n: number; note?: string }
  | { type: 'step-failed'; n: number; message: string; target?: string }
  /** A step failed for good: skip what is left, append the steps that undo what was done. */
  | { type: 'roll-back'; failure: Failure };

/** An event the journal's state does not allow: a defect of the caller, never a user error. */
export class IllegalTransition extends Error {
  constructor(state: JournalState, event: JournalEvent, why: string) {
    super(`illegal journal transition: ${describeEvent(event)} while ${state}: ${why}`);
    this.name = 'IllegalTransition';
  }
}

export const isFinished = (j: Pick<Journal, 'state'>): boolean =>
  j.state === 'done' || j.state === 'rolled-back' || j.state === 'aborted';

/** Once promoted, the rotation has succeeded: what is left (prune, unlock) is not worth undoing it. */
export const mayRollBack = (j: Journal): boolean =>
  j.state === 'running' && !j.steps.some((s) => s.action === 'promote' && s.status === 'done');

/** The journal of a planned rotation: every forward step the action table plans for it, pending. */
export function newJournal(plan: Plan, opts: JournalOptions): Journal {
  const at = opts.now.toISOString();
  const specs = Object.values(ACTIONS).flatMap((a): StepSpec[] => a.plan?.(plan) ?? []);
  return {
    v: 1,
    id: opts.id,
    mode: plan.mode,
    namespace: plan.namespace,
    logical: plan.logical,
    from: plan.from,
    to: plan.to,
    ...(opts.version !== undefined ? { version: opts.version } : {}),
    keep: opts.keep,
    timeoutSeconds: opts.timeoutSeconds,
    ...(plan.mode === 'in-place' ? { stamp: rfc3339(opts.now) } : {}),
    holder: opts.holder,
    startedAt: at,
    updatedAt: at,
    state: 'running',
    keys: opts.keys,
    consumers: plan.consumers.map((c) =>
      c.action === 'none'
        ? {
            kind: c.kind,
            name: c.name,
            action: c.action,
            wait: c.wait,
            uses: c.uses,
            state: 'unchanged' as const,
            message: unchangedMessage(c.kind),
          }
        : {
            kind: c.kind,
            name: c.name,
            action: c.action,
            wait: c.wait,
            uses: c.uses,
            state: 'planned' as const,
            ...(c.unhealthy ? { unhealthy: c.unhealthy } : {}),
          },
    ),
    steps: specs.map((s, i) => numbered(s, i + 1)),
  };
}

/** The one way a journal changes state (consumer states aside): returns the next journal, or throws IllegalTransition. */
export function transition(j: Journal, event: JournalEvent, now: Date): Journal {
  if (isFinished(j)) throw new IllegalTransition(j.state, event, 'the rotation has ended');
  const at = now.toISOString();
  switch (event.type) {
    case 'step-done': {
      const step = openStep(j, event);
      if (
        step.action === 'unlock' &&
        j.steps.some((s) => s.n !== step.n && s.status !== 'done' && s.status !== 'skipped')
      )
        throw new IllegalTransition(j.state, event, 'steps before it are not done');
      // A step done after failing (retried by --resume) drops the failure it noted: its note is this run's, if any.
      const { note: _previous, ...open } = step;
      const done = { ...open, status: 'done' as const, at, ...(event.note !== undefined ? { note: event.note } : {}) };
      const steps = j.steps.map((s) => (s.n === step.n ? done : s));
      const state = step.action === 'unlock' ? endState(j) : j.state;
      // A step retried after --no-rollback succeeded: the old failure is history.
      const failure = j.state === 'running' && step.status === 'failed' ? undefined : j.failure;
      const { failure: _old, ...rest } = j;
      return { ...rest, steps, state, updatedAt: at, ...(failure ? { failure } : {}) };
    }
    case 'step-failed': {
      const step = openStep(j, event);
      const failed = { ...step, status: 'failed' as const, at, note: event.message };
      // A rollback step's failure stays on the step: `failure` keeps what started the rollback.
      const failure =
        j.state === 'rolling-back' && j.failure
          ? j.failure
          : { ...(event.target ? { target: event.target } : {}), message: event.message };
      return { ...j, steps: j.steps.map((s) => (s.n === step.n ? failed : s)), failure, updatedAt: at };
    }
    case 'roll-back': {
      if (!mayRollBack(j))
        throw new IllegalTransition(j.state, event, j.state === 'running' ? 'it was promoted' : 'already rolling back');
      return rollBack(j, event.failure, now);
    }
  }
}

/** The state the last step (unlock) ends the rotation in. */
function endState(j: Journal): JournalState {
  if (j.state === 'running') return 'done';
  // An in-place rotation interrupted before its values were written only discards its backup.
  return j.steps.some((s) => s.action === 'discard') ? 'aborted' : 'rolled-back';
}

/**
 * Turns a failed rotation around: forward steps still to do are skipped, and
 * the steps that undo those done are appended in table order, then the
 * rollback-only steps their undos call for (a rollout wait, the unlock).
 */
function rollBack(j: Journal, failure: Failure, now: Date): Journal {
  const at = now.toISOString();
  const undos = j.steps.flatMap((s): Undo[] => {
    if (s.status !== 'done') return [];
    const undo = undoOf(s, j);
    return undo ? [undo] : [];
  });
  const specs = (Object.keys(ACTIONS) as StepAction[]).flatMap((action): StepSpec[] => [
    ...undos.filter((u) => u.step.action === action).map((u) => u.step),
    ...(ACTIONS[action].inRollback?.(undos) ? [{ action } as StepSpec] : []),
  ]);
  const steps: Step[] = j.steps.map((s) =>
    s.status === 'pending' || s.status === 'failed' ? { ...s, status: 'skipped' as const, at } : s,
  );
  for (const spec of specs) steps.push(numbered(spec, steps.length + 1));
  const rollbackStamp = undos.some((u) => u.restamps) ? rfc3339(now) : undefined;
  return { ...j, steps, state: 'rolling-back', failure, updatedAt: at, ...(rollbackStamp ? { rollbackStamp } : {}) };
}

const undoOf = <S extends Step>(step: S, j: Journal): Undo | undefined =>
  (ACTIONS[step.action].undo as ((s: S, j: Journal) => Undo | undefined) | undefined)?.(step, j);

function numbered(spec: StepSpec, n: number): Step {
  return { n, ...spec, status: 'pending' } as Step;
}

function openStep(j: Journal, event: { n: number } & JournalEvent): Step {
  const step = j.steps.find((s) => s.n === event.n);
  if (!step) throw new IllegalTransition(j.state, event, `there is no step ${event.n}`);
  if (step.status !== 'pending' && step.status !== 'failed')
    throw new IllegalTransition(j.state, event, `step ${event.n} is ${step.status}`);
  return step;
}

function describeEvent(e: JournalEvent): string {
  return e.type === 'roll-back' ? 'roll-back' : `${e.type} ${e.n}`;
}
