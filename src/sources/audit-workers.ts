import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { BatchResult, RecordBatch } from '../audit/record-batch.js';
import { PartitionTallies, type TallyMessage, type TallyPartial } from '../audit/request-tally.js';
import type { ResolvedQuery } from '../audit/query.js';
import type { RecordPool } from '../audit/tally-router.js';

/** The audit worker's code (src/sources/audit-worker.ts bundled), put in by the build; absent when run from sources. */
declare const __AUDIT_WORKER_SOURCE__: string | undefined;

export function bundledWorkerSource(): string | undefined {
  return typeof __AUDIT_WORKER_SOURCE__ === 'string' ? __AUDIT_WORKER_SOURCE__ : undefined;
}

interface Job {
  message: TallyMessage;
  resolve: (value: never) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker | null;
  /** The thread's partitions when they are counted on this one (no thread could start). */
  local: PartitionTallies | null;
  jobs: Job[];
  /** Replies since the run started: a thread that fails after one took part of the count with it. */
  answered: number;
  failure: Error | null;
}

/**
 * Audit worker threads, which read the batches of a run's partitions and count them
 * (src/audit/tally-router.ts); partition p is counted by thread p mod the threads started.
 * Each is started from code held as text (`new Worker(code, { eval: true })`), so that it
 * works from the bundle and from the single executable alike, which have no file for a
 * worker to load. A thread that cannot start, or fails before it answered, is replaced by
 * tallies on this thread; one that fails later fails the run, with an error (what it had
 * counted is gone).
 */
export class AuditWorkerPool implements RecordPool {
  private readonly slots: Slot[];
  /** Threads counting the current run. */
  threads = 0;
  /** Batches read on threads (for -v=4). */
  threadBatches = 0;

  constructor(
    private readonly source: string,
    size = defaultPoolSize(),
  ) {
    this.slots = Array.from({ length: Math.max(1, size) }, () => ({
      worker: null,
      local: null,
      jobs: [],
      answered: 0,
      failure: null,
    }));
  }

  get size(): number {
    return this.slots.length;
  }

  start(query: ResolvedQuery, threads: number): void {
    this.threads = Math.max(1, Math.min(threads, this.slots.length));
    for (let i = 0; i < this.threads; i++) {
      const slot = this.slots[i]!;
      slot.local = null;
      slot.answered = 0;
      slot.failure = null;
      const partitions = this.slots.map((_, p) => p).filter((p) => p % this.threads === i);
      const message: TallyMessage = { kind: 'start', query, partitions };
      if (slot.worker ?? this.spawn(slot)) {
        this.post(slot, message).catch(() => undefined);
      } else {
        slot.local = new PartitionTallies();
        slot.local.answer(message);
      }
    }
  }

  read(partition: number, batch: RecordBatch): Promise<BatchResult> {
    const slot = this.slots[partition % this.threads]!;
    return this.post<BatchResult>(slot, { kind: 'batch', partition, batch }).then((result) => {
      if (!slot.local) this.threadBatches++;
      return result;
    });
  }

  async finish(): Promise<TallyPartial[]> {
    const used = this.slots.slice(0, this.threads);
    const partials = await Promise.all(used.map((slot) => this.post<TallyPartial[]>(slot, { kind: 'finish' })));
    return partials.flat();
  }

  async close(): Promise<void> {
    const workers = this.slots.map((slot) => slot.worker);
    for (const slot of this.slots) slot.worker = null;
    await Promise.all(workers.map((worker) => worker?.terminate()));
  }

  private post<T>(slot: Slot, message: TallyMessage): Promise<T> {
    if (slot.local) return Promise.resolve(slot.local.answer(message) as T);
    const worker = slot.worker;
    if (!worker) return Promise.reject(slot.failure ?? new Error('an audit worker thread is gone'));
    return new Promise<T>((resolve, reject) => {
      slot.jobs.push({ message, resolve: resolve as (value: never) => void, reject });
      // a thread with work keeps the process alive, an idle one does not
      if (slot.jobs.length === 1) worker.ref();
      worker.postMessage(message);
    });
  }

  private spawn(slot: Slot): Worker | null {
    let worker: Worker;
    try {
      worker = new Worker(this.source, { eval: true, resourceLimits: WORKER_LIMITS });
    } catch {
      return null;
    }
    worker.unref();
    worker.on('message', (reply: unknown) => {
      slot.answered++;
      slot.jobs.shift()?.resolve(reply as never);
      if (slot.jobs.length === 0) worker.unref();
    });
    const fail = (err?: unknown): void => {
      if (slot.worker !== worker) return;
      slot.worker = null;
      const jobs = slot.jobs.splice(0);
      if (slot.answered === 0 && jobs[0]?.message.kind === 'start') {
        // nothing was counted there yet: count here instead
        const local = new PartitionTallies();
        slot.local = local;
        for (const job of jobs) job.resolve(local.answer(job.message) as never);
        return;
      }
      slot.failure = new Error(`an audit worker thread failed: ${err instanceof Error ? err.message : 'it exited'}`);
      for (const job of jobs) job.reject(slot.failure);
    };
    worker.on('error', fail);
    worker.on('exit', () => fail());
    slot.worker = worker;
    return worker;
  }
}

/**
 * A thread keeps its partitions' counts (20 bytes a finished request, rows) and reads lines
 * of up to 16 MiB: its heap may grow as the calling thread's would. Nearly everything it
 * makes dies young (a line's text and fields); peak RSS measured the same with 1 to 32 MB of
 * young generation.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 256 };

/**
 * Threads for an audit run: one per core; the calling thread only splits lines, and mostly
 * waits (KUBECTL_SECRETS_AUDIT_THREADS overrides; 0 reads and counts everything there).
 */
export function defaultPoolSize(): number {
  const fromEnv = Number(process.env['KUBECTL_SECRETS_AUDIT_THREADS'] || NaN);
  if (Number.isInteger(fromEnv) && fromEnv >= 0) return fromEnv;
  return Math.max(1, Math.min(availableParallelism(), 8));
}

/** A pool when the worker code is bundled and threads are wanted; otherwise records are read on the main thread. */
export function auditWorkerPool(source = bundledWorkerSource()): AuditWorkerPool | undefined {
  const size = defaultPoolSize();
  return source !== undefined && size > 0 ? new AuditWorkerPool(source, size) : undefined;
}
