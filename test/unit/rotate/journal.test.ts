import { describe, expect, it } from 'vitest';
import { nextStep, parseJournal, serializeJournal, setConsumer, type Journal } from '../../../src/rotate/journal.js';
import { isFinished, newJournal, transition, type JournalEvent } from '../../../src/rotate/lifecycle.js';
import { journalOf, keys, later, now, planOf, switchOf } from './journal-fixtures.js';
import type { Plan } from '../../../src/rotate/plan.js';

const plan = (mode: Plan['mode']): Plan =>
  planOf(mode, [
    { kind: 'Deployment', name: 'api', uses: ['env'], action: switchOf(mode), wait: true },
    { kind: 'CronJob', name: 'backup', uses: ['env'], action: mode === 'blue-green' ? 'repoint' : 'none', wait: false },
  ]);
const journal = (mode: Plan['mode']): Journal => journalOf(plan(mode));
const actions = (j: Journal) => j.steps.map((s) => `${s.n}:${s.action}${s.target ? ` ${s.target}` : ''}:${s.status}`);

const stepDone = (j: Journal, n: number, at: Date, note?: string): Journal =>
  transition(j, { type: 'step-done', n, ...(note !== undefined ? { note } : {}) }, at);
const stepFailed = (j: Journal, n: number, at: Date, message: string, target?: string): Journal =>
  transition(j, { type: 'step-failed', n, message, ...(target ? { target } : {}) }, at);
const beginRollback = (
  j: Journal,
  at: Date,
  failure: Extract<JournalEvent, { type: 'roll-back' }>['failure'],
): Journal => transition(j, { type: 'roll-back', failure }, at);

function runAll(j: Journal): Journal {
  for (let s = nextStep(j); s; s = nextStep(j)) j = stepDone(j, s.n, later(s.n));
  return j;
}

describe('journal', () => {
  it('plans the blue/green steps', () => {
    expect(actions(journal('blue-green'))).toEqual([
      '1:create-version:pending',
      '2:repoint Deployment/api:pending',
      '3:repoint CronJob/backup:pending',
      '4:wait:pending',
      '5:promote:pending',
      '6:prune:pending',
      '7:unlock:pending',
    ]);
  });

  it('plans the in-place steps, with one restart stamp for the rotation', () => {
    const j = journal('in-place');
    expect(actions(j)).toEqual([
      '1:begin:pending',
      '2:backup:pending',
      '3:update-values:pending',
      '4:restart Deployment/api:pending',
      '5:wait:pending',
      '6:unlock:pending',
    ]);
    expect(j.stamp).toBe('2030-01-01T00:00:00Z');
    expect(j.consumers.find((c) => c.name === 'backup')).toMatchObject({
      state: 'unchanged',
      message: 'the next Job reads the new values',
    });
  });

  it('runs to done, the state changing at unlock', () => {
    const j = runAll(journal('blue-green'));
    expect(j.state).toBe('done');
    expect(isFinished(j)).toBe(true);
    expect(nextStep(j)).toBeUndefined();
  });

  it('rolls back only what was done, then ends rolled back', () => {
    let j = journal('blue-green');
    for (const n of [1, 2, 3]) j = stepDone(j, n, later(n));
    j = stepFailed(j, 4, later(4), 'ReplicaSet timed out', 'Deployment/api');
    j = beginRollback(j, later(5), { target: 'Deployment/api', message: 'ReplicaSet timed out' });
    expect(j.state).toBe('rolling-back');
    expect(actions(j).slice(3)).toEqual([
      '4:wait:skipped',
      '5:promote:skipped',
      '6:prune:skipped',
      '7:unlock:skipped',
      '8:undo Deployment/api:pending',
      '9:undo CronJob/backup:pending',
      '10:wait-rollback:pending',
      '11:mark-failed:pending',
      '12:unlock:pending',
    ]);
    expect(() => beginRollback(j, later(6), { message: 'again' })).toThrow(/roll-back while rolling-back/);
    // A rollback step that fails keeps the cause of the rollback as the failure.
    expect(stepFailed(j, 10, later(7), 'still not ready').failure?.message).toBe('ReplicaSet timed out');
    j = runAll(j);
    expect(j.state).toBe('rolled-back');
    expect(j.failure).toEqual({ target: 'Deployment/api', message: 'ReplicaSet timed out' });
  });

  it('in place: an interruption before the values were written only discards the backup', () => {
    let j = journal('in-place');
    j = stepDone(stepDone(j, 1, later(1)), 2, later(2));
    j = runAll(beginRollback(j, later(3), { message: 'values lost' }));
    expect(actions(j).slice(6)).toEqual(['7:discard:done', '8:unlock:done']);
    expect(j.state).toBe('aborted');
  });

  it('in place: after the values were written, writes the old ones back and restarts again', () => {
    let j = journal('in-place');
    for (const n of [1, 2, 3, 4]) j = stepDone(j, n, later(n));
    j = beginRollback(j, later(10), { target: 'Deployment/api', message: 'crash loop' });
    expect(actions(j).slice(6)).toEqual([
      '7:restore-values:pending',
      '8:undo Deployment/api:pending',
      '9:wait-rollback:pending',
      '10:unlock:pending',
    ]);
    expect(j.rollbackStamp).toBe('2030-01-01T00:00:10Z');
  });

  it('retries a step that failed with --no-rollback, and then forgets the failure', () => {
    let j = journal('blue-green');
    for (const n of [1, 2, 3]) j = stepDone(j, n, later(n));
    j = stepFailed(j, 4, later(4), 'timed out', 'Deployment/api');
    expect(nextStep(j)?.n).toBe(4);
    j = stepDone(j, 4, later(5));
    expect(j.failure).toBeUndefined();
  });

  it('tracks consumer states and round-trips through the annotation', () => {
    const j = setConsumer(journal('blue-green'), 'Deployment/api', 'rolled-out', '2/2 available');
    expect(parseJournal(serializeJournal(j))).toEqual(j);
    expect(setConsumer(j, 'Deployment/api', 'reverted').consumers[0]).not.toHaveProperty('message');
  });

  it('ignores annotations it does not understand', () => {
    expect(parseJournal(undefined)).toBeUndefined();
    expect(parseJournal('{not json')).toBeUndefined();
    expect(parseJournal('{"v":2,"id":"x"}')).toBeUndefined();
    expect(parseJournal(JSON.stringify({ ...journal('blue-green'), state: 'exploded' }))).toBeUndefined();
    // A step that acts on a consumer must name it: the runner could not switch it back otherwise.
    const j = journal('blue-green');
    const noTarget = { ...j, steps: j.steps.map((s) => (s.action === 'repoint' ? { ...s, target: undefined } : s)) };
    expect(parseJournal(JSON.stringify(noTarget))).toBeUndefined();
    // A step of an action this version does not know (a newer writer): unreadable, not an internal error later.
    const unknown = { ...j, steps: j.steps.map((s) => (s.action === 'promote' ? { ...s, action: 'teleport' } : s)) };
    expect(parseJournal(JSON.stringify(unknown))).toBeUndefined();
  });

  it('never holds a value: only names, states and times', () => {
    const text = serializeJournal(runAll(journal('blue-green')));
    expect(Object.keys(JSON.parse(text)).sort()).toEqual(
      [
        'consumers',
        'from',
        'holder',
        'id',
        'keep',
        'keys',
        'logical',
        'mode',
        'namespace',
        'startedAt',
        'state',
        'steps',
        'timeoutSeconds',
        'to',
        'updatedAt',
        'v',
        'version',
      ].sort(),
    );
  });
});

describe('journal size', () => {
  it('fits the 256 KiB annotation limit for 1,000 consumers, every step done with notes and messages', () => {
    const consumers = Array.from({ length: 1000 }, (_, i) => ({
      kind: 'Deployment' as const,
      name: `payments-service-${String(i).padStart(4, '0')}`,
      uses: ['env', 'volume'],
      action: 'repoint' as const,
      wait: true,
    }));
    let j = newJournal(
      { ...plan('blue-green'), consumers },
      { id: 'r1', holder: 'h', now, keep: 2, timeoutSeconds: 60, keys, version: 2 },
    );
    for (let s = nextStep(j); s; s = nextStep(j))
      j = stepDone(j, s.n, later(s.n), s.target ? 'switched to db-v2 (2 references)' : undefined);
    for (const c of consumers)
      j = setConsumer(j, `Deployment/${c.name}`, 'rolled-out', '3 of 3 updated replicas available');
    const text = serializeJournal(j);
    expect(JSON.stringify(j).length).toBeGreaterThan(256 * 1024);
    expect(Buffer.byteLength(text)).toBeLessThan(64 * 1024);
    expect(parseJournal(text)).toEqual(j);
  });

  it('stays plain JSON while small, and refuses a corrupt compressed one', () => {
    const small = serializeJournal(journal('blue-green'));
    expect(JSON.parse(small).id).toBe('r1');
    expect(parseJournal('gz64:H4sIAAAA')).toBeUndefined();
  });
});
