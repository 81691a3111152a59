import { describe, expect, it } from 'vitest';
import { ACTIONS, type Undo } from '../../../src/rotate/actions.js';
import type { Journal, Step, StepAction } from '../../../src/rotate/journal.js';
import { transition } from '../../../src/rotate/lifecycle.js';
import { journalOf, now, planOf, switchOf } from './journal-fixtures.js';
import type { Plan } from '../../../src/rotate/plan.js';

const journal = (mode: Plan['mode'], wait = true): Journal =>
  journalOf(
    planOf(mode, [
      { kind: 'Deployment', name: 'api', uses: ['env'], action: switchOf(mode), wait },
      {
        kind: 'CronJob',
        name: 'nightly',
        uses: ['env'],
        action: mode === 'blue-green' ? 'repoint' : 'none',
        wait: false,
      },
      { kind: 'DaemonSet', name: 'agent', uses: ['volume'], action: mode === 'blue-green' ? 'repoint' : 'wait', wait },
    ]),
  );
const label = (s: Pick<Step, 'action' | 'target'>): string => `${s.action}${s.target ? ` ${s.target}` : ''}`;
const undoOf = (step: Step, j: Journal): Undo | undefined =>
  (ACTIONS[step.action].undo as ((s: Step, j: Journal) => Undo | undefined) | undefined)?.(step, j);
const entries = Object.entries(ACTIONS) as Array<[StepAction, (typeof ACTIONS)[StepAction]]>;
const withAll = (j: Journal, status: 'done'): Journal => ({ ...j, steps: j.steps.map((s) => ({ ...s, status })) });

describe('the action table', () => {
  it('has one entry per action, and its order is the order of steps', () => {
    expect(entries.map(([a]) => a)).toEqual([
      'create-version',
      'begin',
      'backup',
      'update-values',
      'repoint',
      'restart',
      'wait',
      'promote',
      'prune',
      'restore-values',
      'undo',
      'wait-rollback',
      'mark-failed',
      'discard',
      'unlock',
    ]);
  });

  it.each([
    [
      'blue-green',
      true,
      [
        'create-version',
        'repoint Deployment/api',
        'repoint CronJob/nightly',
        'repoint DaemonSet/agent',
        'wait',
        'promote',
        'prune',
        'unlock',
      ],
    ],
    ['in-place', true, ['begin', 'backup', 'update-values', 'restart Deployment/api', 'wait', 'unlock']],
    ['in-place', false, ['begin', 'backup', 'update-values', 'restart Deployment/api', 'unlock']],
  ] as const)('plans a %s rotation (consumers waited for: %s) from its entries', (mode, wait, steps) => {
    expect(journal(mode, wait).steps.map(label)).toEqual(steps);
  });

  it('says how each action is recorded: born in the first write, with its own write, or after it ran', () => {
    const by = (record: string): StepAction[] => entries.filter(([, e]) => e.record === record).map(([a]) => a);
    expect(by('born')).toEqual(['create-version', 'begin']);
    expect(by('with-write')).toEqual(['update-values', 'restore-values']);
    expect(entries.filter(([, e]) => e.record === 'born' && !e.born)).toEqual([]);
    expect(entries.filter(([, e]) => e.batch).map(([a]) => a)).toEqual(['repoint', 'restart']);
    // The journal starts with the step that creates it, whatever the mode.
    for (const mode of ['blue-green', 'in-place'] as const)
      expect(ACTIONS[journal(mode).steps[0]!.action].record).toBe('born');
  });

  it('says how each done step is undone', () => {
    const bg = withAll(journal('blue-green'), 'done');
    const ip = withAll(journal('in-place'), 'done');
    const undos = (j: Journal): string[] =>
      j.steps.flatMap((s) => {
        const u = s.status === 'done' ? undoOf(s, j) : undefined;
        return u ? [`${label(s)} → ${label(u.step)}${u.waits ? ', waits' : ''}${u.restamps ? ', restamps' : ''}`] : [];
      });
    expect(undos(bg)).toEqual([
      'create-version → mark-failed',
      'repoint Deployment/api → undo Deployment/api, waits',
      'repoint CronJob/nightly → undo CronJob/nightly',
      'repoint DaemonSet/agent → undo DaemonSet/agent, waits',
    ]);
    // Values written: they are written back (every consumer rolls out again); the backup stays as the previous version.
    expect(undos(ip)).toEqual([
      'update-values → restore-values, waits, restamps',
      'restart Deployment/api → undo Deployment/api, waits, restamps',
    ]);
    // Stopped before the values were written: only the backup is discarded.
    const early = { ...ip, steps: ip.steps.map((s) => (s.n > 2 ? { ...s, status: 'pending' as const } : s)) };
    expect(undos(early)).toEqual(['begin → discard']);
  });

  it('adds the rollback-only steps a rollback calls for', () => {
    const waits = { step: { action: 'undo', target: 'Deployment/api' }, waits: true, restamps: false } as const;
    const quiet = { step: { action: 'mark-failed' }, waits: false, restamps: false } as const;
    const inRollback = (undos: Undo[]): StepAction[] =>
      entries.filter(([, e]) => e.inRollback?.(undos)).map(([a]) => a);
    expect(inRollback([waits, quiet])).toEqual(['wait-rollback', 'unlock']);
    expect(inRollback([quiet])).toEqual(['unlock']);
    expect(inRollback([])).toEqual(['unlock']);
    // Rollback-only actions are never planned forward.
    for (const a of ['restore-values', 'undo', 'wait-rollback', 'mark-failed', 'discard'] as const)
      expect(ACTIONS[a].plan).toBeUndefined();
  });

  it('rolls a journal back with the steps the table gives, in table order', () => {
    let j = journal('blue-green');
    for (const n of [1, 2, 3]) j = transition(j, { type: 'step-done', n }, now);
    j = transition(j, { type: 'step-failed', n: 4, message: 'x' }, now);
    j = transition(j, { type: 'roll-back', failure: { message: 'x' } }, now);
    expect(j.steps.filter((s) => s.status === 'pending').map(label)).toEqual([
      'undo Deployment/api',
      'undo CronJob/nightly',
      'wait-rollback',
      'mark-failed',
      'unlock',
    ]);
  });
});
