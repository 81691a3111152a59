// What a step of the action table may use while it runs: the cluster port,
// the journal as it stands, and the runner's lock and record. Steps report
// what to record; only the runner writes the journal.
import type { ConsumerState, Journal, Step } from './journal.js';
import type { LeaseObject } from './lock.js';
import type { RotationCluster } from './port.js';

export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

/** What the user sees while a rotation runs (progress lines on stderr). */
export interface RunEvents {
  /** A lasting line: a step or a consumer changed state. */
  line(text: string): void;
  /** A transient status (a spinner's text on a terminal). */
  status(text: string): void;
  /** Called once a step is recorded in the cluster (the crash-test hook; the lock counts as step 0). */
  recorded?(step: Pick<Step, 'n' | 'action'> | { n: 0; action: 'lock' }): void;
}

export interface RunnerOptions {
  timeoutMs: number;
  /** Roll back when a rollout fails (false: leave it for inspection). */
  rollback: boolean;
  /** in-place: the new data; absent on resume (values are never stored outside the Secret). */
  newData?: Record<string, string>;
}

/** A write of the record that carried the journal (the step's own write: the first one, or the values in place). */
export interface JournalWrite {
  journal: Journal;
  recordVersion: string | undefined;
}

/** What a step hands back to be recorded: a note, labels for the record Secret, or the write that recorded it. */
export interface StepResult {
  note?: string;
  labels?: Record<string, string | null>;
  wrote?: JournalWrite;
}

export interface StepContext {
  readonly journal: Journal;
  readonly cluster: RotationCluster;
  readonly clock: Clock;
  readonly events: RunEvents;
  readonly opts: RunnerOptions;
  readonly pollMs: number;
  readonly lease: LeaseObject;
  /** The record's resourceVersion as this process last wrote it. */
  readonly recordVersion: string | undefined;
  setConsumer(ref: string, state: ConsumerState, message?: string): void;
  /** The journal with `step` done, for a step whose own write carries it. */
  doneJournal(step: Step, note?: string): Journal;
  /** Whether this rotation created or last wrote the object (its rotation-id annotation). */
  ours(obj: { metadata: { annotations?: Record<string, string> } }): boolean;
  /** Keeps the lock alive; `force` checks it at once (after a conflict). */
  renewIfDue(force?: boolean): Promise<void>;
  /** A safe point inside a long step: stops when asked to, renews the lock otherwise. */
  checkpoint(step: Step): Promise<void>;
}
