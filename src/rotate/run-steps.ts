// Executes a rotation's journal step by step, recording each step in the
// cluster before the next one starts. Every step is idempotent: a resumed
// rotation may run again the step that was in flight when it stopped.
import { objectRepointPatch, repointPatch, type JsonPatchOp } from '../consumers/repoint.js';
import { secretRefsOfPodSpec } from '../consumers/pod-refs.js';
import { indexWorkloads, type PodLike } from '../consumers/rollup.js';
import { podSpecOf, POD_TEMPLATE_POINTERS } from '../consumers/workloads.js';
import {
  ANNOTATION_JOURNAL,
  ANNOTATION_PREDECESSOR,
  ANNOTATION_ROTATION_ID,
  backupName,
  LABEL_NAME,
  LABEL_STAGE,
  LABEL_VERSION,
  RESTARTED_AT,
} from './constants.js';
import { ConflictError, EXIT, RejectedError, RotateError } from './errors.js';
import { describeStep, StepFailure, stepErrorOutcome, StopRequest } from './outcome.js';
import {
  beginRollback,
  nextStep,
  serializeJournal,
  setConsumer,
  switchedMessage,
  stepDone,
  stepFailed,
  type ConsumerRecord,
  type Journal,
  type Step,
} from './journal.js';
import { abandonedLease, LEASE_RENEW_MS, renewedLease, type LeaseObject } from './lock.js';
import type { RotationCluster } from './port.js';
import { isRepointableKind, isRolloutKind, workloadRef, type ConsumerKind, type SecretObject } from './types.js';
import { secretUsers } from './usage.js';
import { versionsOf, versionsToPrune } from './versions.js';
import { rolloutPods } from './health.js';
import { waitForRollouts } from './run-wait.js';
import { describeCopies, hasCopies, valueCopies, withoutCopies } from './value-copies.js';

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

export interface RunnerOptions {
  timeoutMs: number;
  /** Roll back when a rollout fails (false: leave it for inspection). */
  rollback: boolean;
  /** in-place: the new data; absent on resume (values are never stored outside the Secret). */
  newData?: Record<string, string>;
}

/** Consumers switched at once (and recorded in one journal write). */
const BATCH = 10;

/** Reads and writes of one object before a concurrent writer's conflicts fail the step. */
const WRITE_ATTEMPTS = 5;

export class Runner {
  private lastRenew: number;
  private renewing: Promise<void> | undefined;

  constructor(
    private readonly deps: RunnerDeps,
    private journal: Journal,
    private readonly record: string,
    private recordVersion: string | undefined,
    private lease: LeaseObject,
    private readonly opts: RunnerOptions,
  ) {
    this.lastRenew = deps.clock.now().getTime();
  }

  get current(): Journal {
    return this.journal;
  }

  /** Runs the remaining steps; returns the journal as it ends (finished, or failed and held). */
  async run(): Promise<Journal> {
    for (;;) {
      const step = nextStep(this.journal);
      if (!step) return this.journal;
      if (step.status === 'failed' && this.journal.state === 'running')
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
        const done = await this.execute(step);
        if (done !== 'recorded') await this.commit(step.n, done?.note, done?.labels);
      } catch (err) {
        const step = current;
        const decided = stepErrorOutcome(err, step);
        if (decided.outcome === 'stop') await this.leaveForResume();
        if (decided.outcome !== 'rollback') throw err;
        const { failure } = decided;
        const rollingBack = this.journal.state === 'rolling-back';
        await this.save(stepFailed(this.journal, step.n, this.deps.clock.now(), failure.message, failure.target));
        this.deps.events.line(`failed: ${failure.target ? `${failure.target}: ` : ''}${failure.message}`);
        // Once promoted, the rotation has succeeded: what is left (prune, unlock) is not worth undoing it.
        const promoted = this.journal.steps.some((s) => s.action === 'promote' && s.status === 'done');
        if (rollingBack || !this.opts.rollback || promoted) {
          await this.leaveForResume();
          return this.journal;
        }
        this.deps.events.line(`rolling back to ${this.journal.from}`);
        const failureInfo = { ...(failure.target ? { target: failure.target } : {}), message: failure.message };
        await this.save(beginRollback(this.journal, this.deps.clock.now(), failureInfo));
      }
    }
  }

  /**
   * Forward switches of different consumers do not depend on each other: up
   * to BATCH of the pending ones in a row run at once and are recorded in one
   * journal write. Each is idempotent, so one whose write landed but was not
   * recorded (a crash in between) is simply done again, as a no-op, on resume.
   */
  private batchFrom(step: Step): Step[] {
    if (
      this.journal.state !== 'running' ||
      step.status !== 'pending' ||
      (step.action !== 'repoint' && step.action !== 'restart')
    )
      return [step];
    const batch: Step[] = [];
    for (const s of this.journal.steps.slice(this.journal.steps.indexOf(step))) {
      if (s.action !== step.action || s.status !== 'pending' || batch.length >= BATCH) break;
      batch.push(s);
    }
    return batch;
  }

  /** Runs a batch, records every step that succeeded, and returns the first that failed (with its error). */
  private async runBatch(batch: readonly Step[]): Promise<{ step: Step; error: unknown } | undefined> {
    const results = await Promise.allSettled(batch.map((s) => this.execute(s)));
    const now = this.deps.clock.now();
    let journal = this.journal;
    const done: Step[] = [];
    results.forEach((r, i) => {
      if (r.status !== 'fulfilled') return;
      const note = r.value && r.value !== 'recorded' ? r.value.note : undefined;
      journal = stepDone(journal, batch[i]!.n, now, note);
      done.push(batch[i]!);
    });
    if (done.length > 0) {
      await this.save(journal);
      for (const s of done) this.deps.events.recorded?.(s);
    }
    const failed = results.findIndex((r) => r.status === 'rejected');
    return failed < 0 ? undefined : { step: batch[failed]!, error: (results[failed] as PromiseRejectedResult).reason };
  }

  /** Performs one step. Returns labels for the record Secret and a note, or 'recorded' when the step wrote the journal itself. */
  private async execute(
    step: Step,
  ): Promise<{ note?: string; labels?: Record<string, string | null> } | 'recorded' | void> {
    const j = this.journal;
    const { cluster, events } = this.deps;
    switch (step.action) {
      case 'create-version':
      case 'begin':
        return; // born with the journal: recorded when it was written
      case 'repoint':
      case 'undo': {
        const ref = step.target!;
        const undo = step.action === 'undo';
        let note: string;
        if (j.mode === 'blue-green') {
          note = undo ? await this.repoint(ref, j.to, j.from) : await this.repoint(ref, j.from, j.to);
        } else {
          note = await this.restart(ref, j.rollbackStamp!);
        }
        const waits = this.consumer(ref)?.wait ?? true;
        const target = undo ? j.from : j.to;
        const kind = splitRef(ref).kind;
        this.journal = setConsumer(
          this.journal,
          ref,
          undo ? 'reverted' : waits ? 'changed' : 'updated',
          waits ? undefined : switchedMessage(kind, target),
        );
        events.line(`${ref}: ${note}`);
        return { note };
      }
      case 'restart': {
        const note = await this.restart(step.target!, j.stamp!);
        this.journal = setConsumer(this.journal, step.target!, 'changed');
        events.line(`${step.target}: ${note}`);
        return { note };
      }
      case 'wait':
      case 'wait-rollback':
        await this.waitStep(step, step.action === 'wait-rollback');
        return;
      case 'backup':
        return { note: await this.backup() };
      case 'update-values':
        return this.writeValues(step, 'new');
      case 'restore-values':
        return this.writeValues(step, 'old');
      case 'discard': {
        const backup = await cluster.getSecret(backupName(j.logical));
        if (backup && this.ours(backup)) {
          await cluster.deleteSecret(backup.metadata.name!, { uid: backup.metadata.uid! });
          return { note: `deleted ${backup.metadata.name}` };
        }
        return { note: 'no backup to delete' };
      }
      case 'promote':
        return this.promote();
      case 'prune':
        return { note: await this.prune() };
      case 'mark-failed':
        events.line(`${j.to}: staged failed (kept for inspection; --retire deletes it)`);
        return { labels: { [LABEL_STAGE]: 'failed' } };
      case 'unlock': {
        const name = this.lease.metadata.name!;
        const live = await cluster.getLease(name);
        if (live && this.ours(live)) {
          await cluster.deleteLease(name, { uid: live.metadata.uid!, resourceVersion: live.metadata.resourceVersion! });
        }
        return;
      }
    }
  }

  private consumer(ref: string): ConsumerRecord | undefined {
    return this.journal.consumers.find((c) => workloadRef(c.kind, c.name) === ref);
  }

  /** Whether this rotation created or last wrote the object (its rotation-id annotation). */
  private ours(obj: { metadata: { annotations?: Record<string, string> } }): boolean {
    return obj.metadata.annotations?.[ANNOTATION_ROTATION_ID] === this.journal.id;
  }

  /** in-place: the Secret being rotated, as it is now; a step failure when it is gone or someone else wrote it. */
  private async liveRecord(): Promise<SecretObject> {
    const j = this.journal;
    const live = await this.deps.cluster.getSecret(j.from);
    if (!live) throw new StepFailure(`${j.from} was deleted during the rotation`);
    if (!this.ours(live)) throw new StepFailure(`${j.from} was changed by someone else during the rotation`);
    return live;
  }

  /** Switches a consumer's pod template (or an object's references) from one Secret to another with a guarded JSON Patch. */
  private async repoint(ref: string, from: string, to: string): Promise<string> {
    const { cluster } = this.deps;
    const { kind, name } = splitRef(ref);
    if (isRepointableKind(kind)) {
      const ns = this.journal.namespace;
      return this.guardedSwitch(ref, from, to, {
        read: () => cluster.getObject(kind, name),
        patch: (o, a, b) => objectRepointPatch(o, ns, a, b),
        write: (ops) => cluster.jsonPatchObject(kind, name, ops),
        what: 'it no longer names',
      });
    }
    if (!isRolloutKind(kind)) throw new StepFailure(`a ${kind} cannot be switched`, ref);
    return this.guardedSwitch(ref, from, to, {
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
  private async guardedSwitch<T extends { metadata?: { resourceVersion?: string } }>(
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
        await this.renewIfDue(true);
      }
    }
  }

  /**
   * A StatefulSet does not replace a pod stuck on a bad revision once its
   * template is reverted (Kubernetes' documented "forced rollback"): delete
   * its pods that run the failed version and are not ready, as the docs say.
   */
  private async unstickStatefulSet(ref: string): Promise<void> {
    const j = this.journal;
    const { cluster } = this.deps;
    const { name } = splitRef(ref);
    const { workloads, pods } = await cluster.observe(['StatefulSet']);
    const sts = workloads.find((w) => w.kind === 'StatefulSet' && w.metadata.name === name);
    if (!sts) return;
    const onFailedVersion = (pod: PodLike): boolean =>
      j.mode === 'blue-green'
        ? secretRefsOfPodSpec(pod.spec, j.to).length > 0
        : pod.metadata.annotations?.[RESTARTED_AT] === j.stamp;
    const stuck = rolloutPods(
      sts,
      indexWorkloads(workloads),
      pods,
      (pod) => onFailedVersion(pod) && !isReady(pod) && !pod.metadata.deletionTimestamp,
    );
    if (stuck.length === 0) return;
    for (const pod of stuck) await cluster.deletePod(pod.metadata.name!, { uid: pod.metadata.uid! });
    const names = stuck.map((p) => p.metadata.name).join(', ');
    this.deps.events.line(
      `${ref}: deleted ${names}, stuck on the failed version (StatefulSets do not replace them by themselves)`,
    );
  }

  /** `kubectl rollout restart` with a fixed stamp, so that doing it twice changes nothing; fenced as guardedSwitch is. */
  private async restart(ref: string, stamp: string): Promise<string> {
    const { kind, name } = splitRef(ref);
    if (!isRolloutKind(kind)) throw new StepFailure(`a ${kind} cannot be restarted`, ref);
    for (let attempt = 1; ; attempt++) {
      const w = await this.deps.cluster.getWorkload(kind, name);
      if (!w) throw new StepFailure('it was deleted during the rotation', ref);
      const template = (w.spec as { template?: { metadata?: { annotations?: Record<string, string> } } } | undefined)
        ?.template;
      if (template?.metadata?.annotations?.[RESTARTED_AT] === stamp) return 'already restarted';
      const fence = w.metadata.resourceVersion ? { metadata: { resourceVersion: w.metadata.resourceVersion } } : {};
      try {
        await this.deps.cluster.mergePatchWorkload(kind, name, {
          ...fence,
          spec: { template: { metadata: { annotations: { [RESTARTED_AT]: stamp } } } },
        });
        return 'restarted';
      } catch (err) {
        if (!(err instanceof ConflictError) || attempt >= WRITE_ATTEMPTS) throw err;
        await this.renewIfDue(true);
      }
    }
  }

  private async waitStep(step: Step, rollback: boolean): Promise<void> {
    const j = this.journal;
    const changed = new Set(
      j.steps
        .filter(
          (s) =>
            s.action === (rollback ? 'undo' : j.mode === 'blue-green' ? 'repoint' : 'restart') && s.status === 'done',
        )
        .map((s) => s.target!),
    );
    // blue/green waits for what it switched; in-place for every consumer, since mounted files change too.
    const targets = j.consumers.filter(
      (c) => c.wait && (j.mode === 'in-place' || changed.has(workloadRef(c.kind, c.name))),
    );
    if (rollback) {
      for (const c of targets) if (c.kind === 'StatefulSet') await this.unstickStatefulSet(workloadRef(c.kind, c.name));
    }
    const stamp = rollback ? j.rollbackStamp : j.stamp;
    const target = rollback ? j.from : j.to;
    const isNew = (c: ConsumerRecord, pod: PodLike): boolean => {
      if (j.mode === 'blue-green') return secretRefsOfPodSpec(pod.spec, target).length > 0;
      if (!changed.has(workloadRef(c.kind, c.name))) return true;
      return pod.metadata.annotations?.[RESTARTED_AT] === stamp;
    };
    const result = await waitForRollouts(targets, isNew, {
      cluster: this.deps.cluster,
      clock: this.deps.clock,
      timeoutMs: this.opts.timeoutMs,
      pollMs: this.deps.pollMs ?? 1000,
      status: (text) => this.deps.events.status(text),
      onDone: (c, message) => {
        const ref = workloadRef(c.kind, c.name);
        this.journal = setConsumer(this.journal, ref, rollback ? 'reverted' : 'rolled-out', message);
        this.deps.events.line(`${ref}: ${rollback ? 'back on' : 'rolled out on'} ${target} (${message})`);
      },
      tick: () => this.checkpoint(step),
    });
    if (result.failed) {
      this.journal = setConsumer(this.journal, result.failed.target, 'failed', result.failed.message);
      throw new StepFailure(result.failed.message, result.failed.target);
    }
  }

  /** in-place: keeps the values being replaced in NAME-previous, so a rollback can write them back. */
  private async backup(): Promise<string> {
    const j = this.journal;
    const { cluster } = this.deps;
    const name = backupName(j.logical);
    const existing = await cluster.getSecret(name);
    if (existing && this.ours(existing)) return `${name} already holds the old values`;
    if (existing) {
      if (existing.metadata.labels?.[LABEL_NAME] !== j.logical)
        throw new StepFailure(`${name} exists and is not a backup of ${j.logical}: rename or delete it`);
      await cluster.deleteSecret(name, { uid: existing.metadata.uid! });
    }
    const live = await this.liveRecord();
    await cluster.createSecret({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name,
        namespace: j.namespace,
        labels: { [LABEL_NAME]: j.logical, [LABEL_STAGE]: 'previous' },
        annotations: { [ANNOTATION_ROTATION_ID]: j.id, [ANNOTATION_PREDECESSOR]: j.from },
      },
      type: live.type ?? 'Opaque',
      immutable: true,
      data: live.data ?? {},
    });
    this.deps.events.line(`${name}: holds the old values (for rollback)`);
    return `old values copied to ${name}`;
  }

  /** in-place: writes the new values (or the old ones back) together with the journal, in one conditional PUT. */
  private async writeValues(step: Step, which: 'new' | 'old'): Promise<'recorded'> {
    const j = this.journal;
    const { cluster } = this.deps;
    let data: Record<string, string>;
    if (which === 'new') {
      if (!this.opts.newData) {
        throw new StepFailure(
          'the rotation stopped before its new values were written, and values are never stored elsewhere: nothing changed; run the rotation again',
        );
      }
      data = this.opts.newData;
    } else {
      const backup = await cluster.getSecret(backupName(j.logical));
      if (!backup || !this.ours(backup)) {
        throw new StepFailure(
          `${backupName(j.logical)} no longer holds the old values of this rotation: restore ${j.from} by hand`,
        );
      }
      data = backup.data ?? {};
    }
    const live = await this.liveRecord();
    // Copies of the old values in the metadata (kubectl's last-applied-configuration...) go with them.
    const copies = which === 'new' ? valueCopies(live.metadata, live.data ?? {}) : { annotations: [], labels: [] };
    const removed = hasCopies(copies) ? `; removed ${describeCopies(copies)} (they held a copy of the old values)` : '';
    const done = which === 'new' ? `new values written${removed}` : 'old values written back';
    const next = stepDone(j, step.n, this.deps.clock.now(), done);
    const meta = withoutCopies(live.metadata, copies);
    const updated = await cluster.replaceSecret({
      ...live,
      // Conditional on our own last write: any other change in between makes it fail.
      metadata: {
        ...meta,
        resourceVersion: this.recordVersion ?? live.metadata.resourceVersion,
        annotations: { ...meta.annotations, [ANNOTATION_JOURNAL]: serializeJournal(next) },
      },
      data,
    });
    this.recordVersion = updated.metadata.resourceVersion;
    this.journal = next;
    this.deps.events.line(`${j.from}: ${done}`);
    this.deps.events.recorded?.(next.steps.find((s) => s.n === step.n)!);
    return 'recorded';
  }

  /** blue/green: the new version becomes current, the one it replaces previous, older ones deprecated. */
  private async promote(): Promise<{ labels: Record<string, string>; note: string }> {
    const j = this.journal;
    const { cluster } = this.deps;
    const versions = versionsOf(j.logical, await cluster.listVersions(j.logical));
    for (const v of versions) {
      if (v.name === j.to || v.name === j.from) continue;
      if (v.stage === 'current' || v.stage === 'previous')
        await cluster.patchSecretMetadata(v.name, undefined, { labels: { [LABEL_STAGE]: 'deprecated' } });
    }
    const old = versions.find((v) => v.name === j.from);
    await cluster.patchSecretMetadata(j.from, undefined, {
      labels: { [LABEL_NAME]: j.logical, [LABEL_VERSION]: String(old?.version ?? 1), [LABEL_STAGE]: 'previous' },
    });
    this.deps.events.line(`${j.to}: current; ${j.from}: previous`);
    return { labels: { [LABEL_STAGE]: 'current' }, note: `${j.to} current, ${j.from} previous` };
  }

  /** blue/green: deletes versions beyond --keep that nothing uses (never the current one). */
  private async prune(): Promise<string> {
    const j = this.journal;
    const { cluster } = this.deps;
    const scan = await cluster.scanConsumers();
    if (scan.gaps.length > 0) {
      const note = `not pruned: cannot see every user (${scan.gaps.join('; ')})`;
      this.deps.events.line(note);
      return note;
    }
    const listed = await cluster.listVersions(j.logical);
    const names = listed.map((s) => s.metadata.name ?? '');
    const users = secretUsers(scan, j.namespace, names);
    const { prune, keptInUse } = versionsToPrune(versionsOf(j.logical, listed), {
      keep: j.keep,
      current: j.to,
      inUse: new Set(users.keys()),
    });
    const deleted: string[] = [];
    const failed: string[] = [];
    for (const v of prune) {
      await this.renewIfDue();
      const uid = listed.find((s) => s.metadata.name === v.name)?.metadata.uid;
      try {
        await cluster.deleteSecret(v.name, uid ? { uid } : undefined);
      } catch (err) {
        // Pruning is housekeeping: a refusal is reported, not a reason to undo the rotation.
        if (!(err instanceof RejectedError || err instanceof ConflictError)) throw err;
        failed.push(`${v.name} (${err.message})`);
        this.deps.events.line(`${v.name}: not deleted: ${err.message}`);
        continue;
      }
      deleted.push(v.name);
      this.deps.events.line(`${v.name}: deleted (version ${v.version}, unused, beyond --keep ${j.keep})`);
    }
    for (const v of keptInUse)
      this.deps.events.line(`${v.name}: kept (version ${v.version}, still named by ${users.get(v.name)?.join(', ')})`);
    const parts = [deleted.length > 0 ? `deleted ${deleted.join(', ')}` : 'nothing to delete'];
    if (failed.length > 0) parts.push(`could not delete ${failed.join(', ')}`);
    if (keptInUse.length > 0)
      parts.push(`kept in use: ${keptInUse.map((v) => `${v.name} (${users.get(v.name)?.join(', ')})`).join(', ')}`);
    return parts.join('; ');
  }

  /** Records a finished step on the record Secret (with label changes, in the same write). */
  private async commit(n: number, note: string | undefined, labels?: Record<string, string | null>): Promise<void> {
    await this.save(stepDone(this.journal, n, this.deps.clock.now(), note), labels);
    this.deps.events.recorded?.(this.journal.steps.find((s) => s.n === n)!);
  }

  private async save(journal: Journal, labels?: Record<string, string | null>): Promise<void> {
    let updated: SecretObject;
    try {
      updated = await this.deps.cluster.patchSecretMetadata(this.record, this.recordVersion, {
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
    this.recordVersion = updated.metadata.resourceVersion;
    this.journal = journal;
  }

  /** Keeps the lock (so no new rotation starts) but lets `--resume` take it over at once. */
  private async leaveForResume(): Promise<void> {
    try {
      this.lease = await this.deps.cluster.replaceLease(abandonedLease(this.lease));
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
      this.lease = await this.deps.cluster.replaceLease(renewedLease(this.lease, this.deps.identity.holder, now));
      this.lastRenew = now.getTime();
    } catch (err) {
      if (err instanceof ConflictError) {
        throw new RotateError(
          `lost the lock of ${this.journal.logical}: another process took over the rotation (rotate --resume?)`,
          EXIT.needsAttention,
        );
      }
      throw err;
    }
  }
}

const isReady = (pod: PodLike): boolean =>
  pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

function splitRef(ref: string): { kind: ConsumerKind; name: string } {
  const i = ref.indexOf('/');
  return { kind: ref.slice(0, i) as ConsumerKind, name: ref.slice(i + 1) };
}
