import { describe, expect, it } from 'vitest';
import type { Journal, JournalState } from '../../../src/rotate/journal.js';
import { IllegalTransition, transition, type JournalEvent } from '../../../src/rotate/lifecycle.js';
import { journalOf, later, now, planOf, switchOf } from './journal-fixtures.js';
import type { Plan } from '../../../src/rotate/plan.js';

const at = later;
const fresh = (mode: Plan['mode'] = 'blue-green'): Journal =>
  journalOf(planOf(mode, [{ kind: 'Deployment', name: 'api', uses: ['env'], action: switchOf(mode), wait: true }]));
const apply = (j: Journal, ...events: JournalEvent[]): Journal =>
  events.reduce((acc, e, i) => transition(acc, e, at(i + 1)), j);
const done = (n: number, note?: string): JournalEvent => ({ type: 'step-done', n, ...(note ? { note } : {}) });
const failed = (n: number, target?: string): JournalEvent => ({
  type: 'step-failed',
  n,
  message: 'not ready',
  ...(target ? { target } : {}),
});
const rollBack: JournalEvent = { type: 'roll-back', failure: { target: 'Deployment/api', message: 'not ready' } };
const firstOpen = (j: Journal): number => j.steps.find((s) => s.status === 'pending' || s.status === 'failed')?.n ?? 0;
const unlockOf = (j: Journal): number => j.steps.filter((s) => s.action === 'unlock').at(-1)?.n ?? 0;
/** Every step but the last unlock done, in order. */
const allButUnlock = (j: Journal): Journal => {
  for (let n = firstOpen(j); n && n !== unlockOf(j); n = firstOpen(j)) j = transition(j, done(n), at(n));
  return j;
};

// blue/green: 1 create-version, 2 repoint Deployment/api, 3 wait, 4 promote, 5 prune, 6 unlock.
const STATES: Record<JournalState, () => Journal> = {
  running: () => apply(fresh(), done(1), done(2)),
  'rolling-back': () => apply(fresh(), done(1), done(2), failed(3, 'Deployment/api'), rollBack),
  done: () => transition(allButUnlock(fresh()), done(6), at(20)),
  'rolled-back': () => {
    const j = allButUnlock(apply(fresh(), done(1), done(2), failed(3), rollBack));
    return transition(j, done(unlockOf(j)), at(20));
  },
  aborted: () => {
    const j = allButUnlock(apply(fresh('in-place'), done(1), failed(2), rollBack));
    return transition(j, done(unlockOf(j)), at(20));
  },
};

describe('journal transitions: every state × every event', () => {
  type Outcome = JournalState | 'illegal';
  const events: Record<string, (j: Journal) => JournalEvent> = {
    'the next step done': (j) => done(firstOpen(j)),
    'the next step failed': (j) => failed(firstOpen(j)),
    'roll back': () => rollBack,
    'the last step (unlock) done': (j) => done(unlockOf(j)),
  };
  const matrix: Array<[JournalState, string, Outcome]> = [
    ['running', 'the next step done', 'running'],
    ['running', 'the next step failed', 'running'],
    ['running', 'roll back', 'rolling-back'],
    ['rolling-back', 'the next step done', 'rolling-back'],
    ['rolling-back', 'the next step failed', 'rolling-back'],
    ['rolling-back', 'roll back', 'illegal'],
    ...(['done', 'rolled-back', 'aborted'] as const).flatMap((s) =>
      Object.keys(events).map((e): [JournalState, string, Outcome] => [s, e, 'illegal']),
    ),
  ];

  it.each(matrix)('%s, %s: %s', (state, event, outcome) => {
    const j = STATES[state]();
    expect(j.state).toBe(state);
    const next = (): Journal => transition(j, events[event]!(j), at(30));
    if (outcome === 'illegal') expect(next).toThrow(IllegalTransition);
    else expect(next().state).toBe(outcome);
  });

  it.each([
    ['running', 'done', () => allButUnlock(fresh())],
    ['rolling-back', 'rolled-back', () => allButUnlock(STATES['rolling-back']())],
    [
      'rolling-back (in place, values never written)',
      'aborted',
      () => allButUnlock(apply(fresh('in-place'), done(1), failed(2), rollBack)),
    ],
  ])('%s, the last step (unlock) done once all others are: %s', (_from, to, journal) => {
    const j = journal();
    expect(transition(j, done(unlockOf(j)), at(30)).state).toBe(to);
  });

  it('never changes the journal it is given', () => {
    const j = STATES.running();
    const copy = structuredClone(j);
    transition(j, done(3, 'ok'), at(9));
    transition(j, failed(3), at(9));
    transition(j, rollBack, at(9));
    expect(j).toEqual(copy);
  });
});

describe('what each transition records', () => {
  it('a step done: its status, time and note; a retried step forgets the failure', () => {
    let j = apply(fresh(), done(1), failed(2, 'Deployment/api'));
    expect(j.failure).toEqual({ target: 'Deployment/api', message: 'not ready' });
    expect(j.steps[1]).toMatchObject({ status: 'failed', note: 'not ready' });
    j = transition(j, done(2, 'switched'), at(9));
    expect(j.steps[1]).toEqual({
      n: 2,
      action: 'repoint',
      target: 'Deployment/api',
      status: 'done',
      at: at(9).toISOString(),
      note: 'switched',
    });
    expect(j.failure).toBeUndefined();
    expect(j.updatedAt).toBe(at(9).toISOString());
  });

  it('a failed step done on a retry without a note of its own keeps no failure message', () => {
    // A wait that timed out, then passed on --resume: "done" with the old timeout as its note contradicted itself.
    const retried = transition(apply(fresh(), done(1), done(2), failed(3)), done(3), at(9));
    expect(retried.steps[2]).toEqual({ n: 3, action: 'wait', status: 'done', at: at(9).toISOString() });
    const j = STATES['rolling-back']();
    const waitBack = j.steps.find((s) => s.action === 'wait-rollback')!.n;
    const back = apply(j, done(firstOpen(j)), failed(waitBack), done(waitBack));
    expect(back.steps.find((s) => s.n === waitBack)).not.toHaveProperty('note');
    expect(back.failure).toEqual({ target: 'Deployment/api', message: 'not ready' });
  });

  it('a rollback step that fails keeps the cause of the rollback as the failure', () => {
    const j = STATES['rolling-back']();
    const next = transition(j, { type: 'step-failed', n: firstOpen(j), message: 'still broken' }, at(9));
    expect(next.failure).toEqual({ target: 'Deployment/api', message: 'not ready' });
    expect(next.steps.find((s) => s.n === firstOpen(j))?.note).toBe('still broken');
  });

  it('rolling back skips what was left and appends the undo steps; in place it restamps', () => {
    expect(STATES['rolling-back']().steps.map((s) => `${s.action}:${s.status}`)).toEqual([
      'create-version:done',
      'repoint:done',
      'wait:skipped',
      'promote:skipped',
      'prune:skipped',
      'unlock:skipped',
      'undo:pending',
      'wait-rollback:pending',
      'mark-failed:pending',
      'unlock:pending',
    ]);
    const inPlace = apply(fresh('in-place'), done(1), done(2), done(3), done(4), failed(5), rollBack);
    expect(inPlace.rollbackStamp).toBe('2030-01-01T00:00:06Z');
    expect(inPlace.steps.slice(6).map((s) => s.action)).toEqual(['restore-values', 'undo', 'wait-rollback', 'unlock']);
  });
});

describe('illegal transitions are refused', () => {
  it.each([
    ['a step that does not exist done', () => transition(fresh(), done(99), now), /there is no step 99/],
    ['a done step done again', () => transition(apply(fresh(), done(1)), done(1), now), /step 1 is done/],
    ['a skipped step done', () => transition(STATES['rolling-back'](), done(4), now), /step 4 is skipped/],
    ['a done step failed', () => transition(apply(fresh(), done(1)), failed(1), now), /step 1 is done/],
    ['unlock done before the steps before it', () => transition(fresh(), done(6), now), /steps before it are not done/],
    [
      'a rollback once promoted (the rotation has succeeded)',
      () => transition(apply(fresh(), done(1), done(2), done(3), done(4), failed(5)), rollBack, now),
      /roll-back while running: it was promoted/,
    ],
    ['a second rollback', () => transition(STATES['rolling-back'](), rollBack, now), /already rolling back/],
    ['anything once ended', () => transition(STATES.done(), failed(6), now), /while done: the rotation has ended/],
  ])('%s', (_what, act, message) => {
    expect(act).toThrow(IllegalTransition);
    expect(act).toThrow(message);
  });
});
