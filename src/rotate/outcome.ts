// Which error leads where, in one place: a step failure rolls the rotation
// back (or holds it with --no-rollback), a signal stops it at a safe point,
// a rotation error is reported as it is, anything else (the API server
// unreachable) interrupts it for --resume. And the exit code each ending has.
import { ConflictError, EXIT, InterruptedError, RejectedError, RotateError, StoppedError } from './errors.js';
import type { Journal, Step } from './journal.js';

/** A step that failed for a reason that calls for a rollback (not an outage). */
export class StepFailure extends Error {
  constructor(
    message: string,
    readonly target?: string,
  ) {
    super(message);
    this.name = 'StepFailure';
  }
}

/** Raised at a safe point once a signal asked to stop; the journal holds every step done. */
export class StopRequest extends Error {
  constructor(
    readonly signal: string,
    readonly step: Step | undefined,
  ) {
    super(`stop requested by ${signal}`);
    this.name = 'StopRequest';
  }
}

/** The first write's answer was lost and the cluster could not be asked whether it landed. */
export class UnknownOutcome extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownOutcome';
  }
}

/**
 * What an error of the rotation's first write (the one that creates its
 * journal) means: it may have landed (keep the lock, interrupted: --resume
 * finds out), or it changed nothing (release the lock, report it as it is).
 */
export function firstWriteOutcome(err: unknown, resumeHint: string): { releaseLock: boolean; error: unknown } {
  if (err instanceof UnknownOutcome)
    return { releaseLock: false, error: new InterruptedError(err.message, resumeHint) };
  return { releaseLock: true, error: err };
}

export type StepErrorOutcome =
  /** The step failed for good: roll back, or hold for --resume (--no-rollback, or already rolling back). */
  | { outcome: 'rollback'; failure: StepFailure }
  /** A signal: leave the lock to --resume and stop. */
  | { outcome: 'stop'; request: StopRequest }
  /** Anything else ends the run as it is (then mapped by `endingError`). */
  | { outcome: 'end'; error: unknown };

/** What an error thrown while running `step` means for the rotation. */
export function stepErrorOutcome(err: unknown, step: { target?: string }): StepErrorOutcome {
  if (err instanceof StepFailure) return { outcome: 'rollback', failure: err };
  // Someone else's write won, or the API refused ours for good: the step cannot be done as planned.
  if (err instanceof ConflictError || err instanceof RejectedError)
    return { outcome: 'rollback', failure: new StepFailure(err.message, step.target) };
  if (err instanceof StopRequest) return { outcome: 'stop', request: err };
  return { outcome: 'end', error: err };
}

/**
 * The error a run that did not reach its end is reported with: a signal's
 * stop (exit 130), a rotation error as it is (its own exit code), or an
 * interruption (exit 4) naming where it stopped; all but refusals say how to resume.
 */
export function endingError(err: unknown, where: Step | undefined, resumeHint: string): RotateError {
  if (err instanceof StopRequest)
    return new StoppedError(err.signal, err.step ? ` before ${describeStep(err.step)}` : '', resumeHint);
  if (err instanceof RotateError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new InterruptedError(`${message}${where ? ` at ${describeStep(where)}` : ''}`, resumeHint);
}

/** The exit code a journal ends with. */
export function exitCodeOf(journal: Pick<Journal, 'state'>): number {
  switch (journal.state) {
    case 'done':
      return EXIT.ok;
    case 'rolled-back':
    case 'aborted':
      return EXIT.rolledBack;
    default:
      return EXIT.needsAttention;
  }
}

export function describeStep(step: Pick<Step, 'n' | 'action'> & { target?: string }): string {
  return `step ${step.n} ${step.action}${step.target ? ` ${step.target}` : ''}`;
}
