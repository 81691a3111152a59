// Executes a rotation's journal step by step, recording each step in the
// cluster before the next one starts. What each step does, how it is recorded
// and undone is the action table's; how the journal's state moves is the
// lifecycle's; the runner only sequences them and owns the record and lock.
import { actionOf } from './actions.js';
import { ANNOTATION_JOURNAL, ANNOTATION_ROTATION_ID } from './constants.js';
import { ConflictError, EXIT, RotateError } from './errors.js';
import { mayRollBack, transition, type JournalEvent } from './lifecycle.js';
import { nextStep, serializeJournal, setConsumer, type Journal, type Step } from './journal.js';
import { abandonedLease, LEASE_RENEW_MS, renewedLease, type LeaseObject } from './lock.js';
import { describeStep, firstWriteOutcome, stepErrorOutcome, StopRequest } from './outcome.js';
import type { RotationCluster } from './port.js';
import type { Clock, JournalWrite, RunEvents, RunnerOptions, StepContext } from './step-context.js';
import type { FirstWrite } from './steps-first.js';
import type { SecretObject } from './types.js';

export type { Clock, RunEvents, RunnerOptions } from './step-context.js';

export interface RunnerDeps {
  cluster: RotationCluster;
  clock: Clock;
  events: RunEvents;
  /** This process, as the lock names it. */
  identity: { holder: string };
  pollMs?: number;
  /** The signal that asked to stop (SIGINT, ...), once one did: the runner stops at its next safe point. */
  stopRequested?(): string | undefined;
}

/** Consumers switched at once (and recorded in one journal write). */
const BATCH = 10;

export class Runner {
  private lastRenew: number;
  private renewing: Promise<void> | undefined;
  private readonly state: { journal: Journal; recordVersion: string | undefined; lease: LeaseObject };
  private readonly ctx: StepContext;

  constructor(
    private readonly deps: RunnerDeps,
    journal: Journal,
    private readonly record: string,
    recordVersion: string | undefined,
    lease: LeaseObject,
    private readonly opts: RunnerOptions,
  ) {
    this.lastRenew = deps.clock.now().getTime();
    this.state = { journal, recordVersion, lease };
    this.ctx = this.context();
  }

  get current(): Journal {
    return this.state.journal;
  }

  /**
   * The rotation's first write, which creates its journal with step 1 done.
   * When it fails having changed nothing, the lock is let go of; when whether
   * it landed is unknown, it is left to --resume.
   */
  async start(first: FirstWrite, resumeHint: string): Promise<void> {
    const step = this.state.journal.steps[0];
    const born = step && actionOf(step).born;
    if (!step || !born) throw new Error('the journal does not start with the write that creates it');
    let wrote: JournalWrite;
    try {
      wrote = await born(this.ctx, step, first);
    } catch (err) {
      const { releaseLock: release, error } = firstWriteOutcome(err, resumeHint);
      if (release) await releaseLock(this.deps.cluster, this.state.lease);
      throw error;
    }
    this.adopt(wrote, step.n);
  }

  /** Runs the remaining steps; returns the journal as it ends (finished, or failed and held). */
  async run(): Promise<Journal> {
    for (;;) {
      const step = nextStep(this.state.journal);
      if (!step) return this.state.journal;
      if (step.status === 'failed' && this.state.journal.state === 'running')
        this.deps.events.line(`retrying: ${describeStep(step)}`);
      let current = step;
      try {
        await this.checkpoint(step);
        const batch = this.batchFrom(step);
        if (batch.length > 1) {
          const failed = await this.runBatch(batch);
          if (failed) {
            current = failed.step;
            throw failed.error;
          }
          continue;
        }
        await this.runStep(step);
      } catch (err) {
        if (await this.holdAfter(current, err)) return this.state.journal;
      }
    }
  }

  /** A step threw: roll back, hold for --resume (returns true), or end the run (rethrows). */
  private async holdAfter(step: Step, err: unknown): Promise<boolean> {
    const decided = stepErrorOutcome(err, step);
    if (decided.outcome === 'stop') await this.leaveForResume();
    if (decided.outcome !== 'rollback') throw err;
    const { message, target } = decided.failure;
    await this.apply({ type: 'step-failed', n: step.n, message, ...(target ? { target } : {}) });
    this.deps.events.line(`failed: ${target ? `${target}: ` : ''}${message}`);
    if (!this.opts.rollback || !mayRollBack(this.state.journal)) {
      await this.leaveForResume();
      return true;
    }
    const j = this.state.journal;
    this.deps.events.line(
      j.mode === 'in-place' ? `rolling back: the old values of ${j.logical} go back` : `rolling back to ${j.from}`,
    );
    await this.apply({ type: 'roll-back', failure: { ...(target ? { target } : {}), message } });
    return false;
  }

  /** Runs one step and records it as its action says. */
  private async runStep(step: Step): Promise<void> {
    const action = actionOf(step);
    const result = await action.run(this.ctx, step);
    if (action.record !== 'with-write') return this.commit(step.n, result.note, result.labels);
    if (!result.wrote) throw new Error(`${describeStep(step)} did not record itself`);
    this.adopt(result.wrote, step.n);
  }

  /**
   * Forward switches of different consumers do not depend on each other: up
   * to BATCH of the pending ones in a row run at once and are recorded in one
   * journal write. Each is idempotent, so one whose write landed but was not
   * recorded (a crash in between) is simply done again, as a no-op, on resume.
   */
  private batchFrom(step: Step): Step[] {
    if (this.state.journal.state !== 'running' || step.status !== 'pending' || !actionOf(step).batch) return [step];
    const steps = this.state.journal.steps;
    const batch: Step[] = [];
    for (const s of steps.slice(steps.indexOf(step))) {
      if (s.action !== step.action || s.status !== 'pending' || batch.length >= BATCH) break;
      batch.push(s);
    }
    return batch;
  }

  /** Runs a batch, records every step that succeeded, and returns the first that failed (with its error). */
  private async runBatch(batch: readonly Step[]): Promise<{ step: Step; error: unknown } | undefined> {
    const results = await Promise.allSettled(batch.map((s) => actionOf(s).run(this.ctx, s)));
    const now = this.deps.clock.now();
    let journal = this.state.journal;
    const done: Step[] = [];
    let failed: { step: Step; error: unknown } | undefined;
    batch.forEach((step, i) => {
      const r = results[i];
      if (r?.status === 'rejected') failed ??= { step, error: r.reason };
      if (r?.status !== 'fulfilled') return;
      journal = transition(journal, done1(step.n, r.value.note), now);
      done.push(step);
    });
    if (done.length > 0) {
      await this.save(journal);
      for (const s of done) this.deps.events.recorded?.(s);
    }
    return failed;
  }

  /** Records a finished step on the record Secret (with label changes, in the same write). */
  private async commit(n: number, note: string | undefined, labels?: Record<string, string | null>): Promise<void> {
    await this.save(transition(this.state.journal, done1(n, note), this.deps.clock.now()), labels);
    this.announce(n);
  }

  /** Takes over a journal a step's own write recorded. */
  private adopt(wrote: JournalWrite, n: number): void {
    this.state.journal = wrote.journal;
    this.state.recordVersion = wrote.recordVersion;
    this.announce(n);
  }

  private announce(n: number): void {
    const step = this.state.journal.steps.find((s) => s.n === n);
    if (step) this.deps.events.recorded?.(step);
  }

  private apply(event: JournalEvent): Promise<void> {
    return this.save(transition(this.state.journal, event, this.deps.clock.now()));
  }

  private async save(journal: Journal, labels?: Record<string, string | null>): Promise<void> {
    let updated: SecretObject;
    try {
      updated = await this.deps.cluster.patchSecretMetadata(this.record, this.state.recordVersion, {
        ...(labels ? { labels } : {}),
        annotations: { [ANNOTATION_JOURNAL]: serializeJournal(journal) },
      });
    } catch (err) {
      if (err instanceof ConflictError) {
        throw new RotateError(
          `the journal on ${this.record} was changed by another process (a concurrent --resume?): stopping here`,
          EXIT.needsAttention,
        );
      }
      throw err;
    }
    this.state.recordVersion = updated.metadata.resourceVersion;
    this.state.journal = journal;
  }

  /** Keeps the lock (so no new rotation starts) but lets `--resume` take it over at once. */
  private async leaveForResume(): Promise<void> {
    try {
      this.state.lease = await this.deps.cluster.replaceLease(abandonedLease(this.state.lease));
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
  }

  /** A safe point: every step before `step` is recorded. Stops here when asked to; renews the lock otherwise. */
  private async checkpoint(step: Step): Promise<void> {
    const signal = this.deps.stopRequested?.();
    if (signal) throw new StopRequest(signal, step);
    await this.renewIfDue();
  }

  /** Keeps the lock alive during long waits; losing it means another process took over. */
  async renewIfDue(force = false): Promise<void> {
    // Switches run in batches: one renewal at a time (a second would race the first and look like a takeover).
    if (this.renewing) return this.renewing;
    this.renewing = this.renew(force).finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  private async renew(force: boolean): Promise<void> {
    const now = this.deps.clock.now();
    if (!force && now.getTime() - this.lastRenew < LEASE_RENEW_MS) return;
    try {
      this.state.lease = await this.deps.cluster.replaceLease(
        renewedLease(this.state.lease, this.deps.identity.holder, now),
      );
      this.lastRenew = now.getTime();
    } catch (err) {
      if (err instanceof ConflictError) {
        throw new RotateError(
          `lost the lock of ${this.state.journal.logical}: another process took over the rotation (rotate --resume?)`,
          EXIT.needsAttention,
        );
      }
      throw err;
    }
  }

  /** What the steps of the action table may use. */
  private context(): StepContext {
    const { deps, opts, state } = this;
    return {
      get journal() {
        return state.journal;
      },
      get lease() {
        return state.lease;
      },
      get recordVersion() {
        return state.recordVersion;
      },
      cluster: deps.cluster,
      clock: deps.clock,
      events: deps.events,
      opts,
      pollMs: deps.pollMs ?? 1000,
      setConsumer: (ref, consumerState, message) => {
        state.journal = setConsumer(state.journal, ref, consumerState, message);
      },
      doneJournal: (step, note) => transition(state.journal, done1(step.n, note), deps.clock.now()),
      ours: (obj) => obj.metadata.annotations?.[ANNOTATION_ROTATION_ID] === state.journal.id,
      renewIfDue: (force) => this.renewIfDue(force),
      checkpoint: (step) => this.checkpoint(step),
    };
  }
}

const done1 = (n: number, note: string | undefined): JournalEvent => ({
  type: 'step-done',
  n,
  ...(note !== undefined ? { note } : {}),
});

/** Lets go of a lock this process holds (best effort: a lock left behind is taken over by --resume once its holder is gone). */
export async function releaseLock(cluster: RotationCluster, lease: LeaseObject): Promise<void> {
  const { name = '', uid } = lease.metadata;
  await cluster.deleteLease(name, uid ? { uid } : undefined).catch(() => undefined);
}
