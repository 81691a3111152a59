import { describe, expect, it } from 'vitest';
import { KubeConnectionError } from '../../../src/kube/errors.js';
import {
  ConflictError,
  EXIT,
  InterruptedError,
  RejectedError,
  RotateError,
  StoppedError,
} from '../../../src/rotate/errors.js';
import {
  endingError,
  exitCodeOf,
  firstWriteOutcome,
  StepFailure,
  stepErrorOutcome,
  StopRequest,
  UnknownOutcome,
} from '../../../src/rotate/outcome.js';
import type { Step } from '../../../src/rotate/journal.js';

const step: Step = { n: 3, action: 'repoint', target: 'Deployment/api', status: 'pending' };
const hint = 'run "kubectl secrets rotate db -n shop --resume" to finish or roll it back';

describe('error → outcome → exit code, in one table', () => {
  it.each([
    ['a step failure', new StepFailure('not ready', 'Deployment/api'), 'rollback'],
    ['a conflict (someone else wrote)', new ConflictError('the object has been modified'), 'rollback'],
    ['a refused write (403, 404, 422)', new RejectedError('forbidden', 403), 'rollback'],
    ['a signal', new StopRequest('SIGINT', step), 'stop'],
    ['a rotation error', new RotateError('lost the lock', EXIT.needsAttention), 'end'],
    ['an outage', new KubeConnectionError('ECONNREFUSED', 'connection refused', 'https://127.0.0.1:6443'), 'end'],
    ['anything else', new Error('boom'), 'end'],
  ])('%s while running a step: %s', (_what, err, outcome) => {
    expect(stepErrorOutcome(err, step).outcome).toBe(outcome);
  });

  it("a conflict or refusal is blamed on the step's target", () => {
    const r = stepErrorOutcome(new ConflictError('test failed'), step);
    expect(r).toMatchObject({ outcome: 'rollback', failure: { message: 'test failed', target: 'Deployment/api' } });
  });

  it.each([
    [
      'a signal',
      new StopRequest('SIGTERM', step),
      StoppedError,
      EXIT.interrupted,
      /^interrupted by SIGTERM before step 3 repoint Deployment\/api: .*--resume" to finish or roll it back$/,
    ],
    ['a rotation error, as it is', new RotateError('refused', EXIT.refused), RotateError, EXIT.refused, /^refused$/],
    [
      'lost lock',
      new RotateError('lost the lock', EXIT.needsAttention),
      RotateError,
      EXIT.needsAttention,
      /^lost the lock$/,
    ],
    [
      'an outage',
      new KubeConnectionError('ECONNREFUSED', 'connection refused', 'https://x'),
      InterruptedError,
      EXIT.needsAttention,
      /at step 3 repoint Deployment\/api; the rotation is interrupted: run/,
    ],
  ])('a run ended by %s', (_what, err, type, code, message) => {
    const e = endingError(err, step, hint);
    expect(e).toBeInstanceOf(type);
    expect(e.exitCode).toBe(code);
    expect(e.message).toMatch(message);
  });

  it.each([
    [
      'lost, and whether it landed unknown: the lock stays for --resume',
      new UnknownOutcome('timed out, and ...'),
      false,
    ],
    ['refused (nothing changed): the lock is released', new RotateError('cannot create db-v2: forbidden'), true],
    ['lost, and known not to have landed: the lock is released', new Error('request timed out'), true],
  ])('the first write %s', (_what, err, releaseLock) => {
    const r = firstWriteOutcome(err, hint);
    expect(r.releaseLock).toBe(releaseLock);
    if (releaseLock) expect(r.error).toBe(err);
    else expect(r.error).toMatchObject({ exitCode: EXIT.needsAttention, message: expect.stringContaining(hint) });
  });

  it.each([
    ['done', EXIT.ok],
    ['rolled-back', EXIT.rolledBack],
    ['aborted', EXIT.rolledBack],
    ['running', EXIT.needsAttention],
    ['rolling-back', EXIT.needsAttention],
  ] as const)('a journal that ends %s exits %i', (state, code) => {
    expect(exitCodeOf({ state })).toBe(code);
  });

  it('exit codes are the documented ones', () => {
    expect(EXIT).toEqual({ ok: 0, refused: 1, rolledBack: 3, needsAttention: 4, interrupted: 130 });
  });
});
