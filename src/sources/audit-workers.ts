import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { readBatch, type BatchResult, type RecordBatch } from '../audit/record-batch.js';
import { RequestTally, type TallyPartial } from '../audit/request-tally.js';
import type { ResolvedQuery } from '../audit/query.js';
import type { RecordPool } from '../audit/tally-router.js';

/** The audit worker's code (src/sources/audit-worker.ts bundled), put in by the build; absent when run from sources. */
declare const __AUDIT_WORKER_SOURCE__: string | undefined;

export function bundledWorkerSource(): string | undefined {
  return typeof __AUDIT_WORKER_SOURCE__ === 'string' ? __AUDIT_WORKER_SOURCE__ : undefined;
}

/** What the main thread sends an audit worker; each gets one reply, in order. */
export type PoolMessage =
  { kind: 'start'; query: ResolvedQuery } | { kind: 'batch'; batch: RecordBatch } | { kind: 'finish' };

interface Job {
  message: PoolMessage;
  resolve: (value: never) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker | null;
  /** The partition's tally when it is counted on this thread (no thread could start). */
  local: RequestTally | null;
  jobs: Job[];
  /** Replies since the run started: a thread that fails after one took part of the count with it. */
  answered: number;
  failure: Error | null;
}

/**
 * Audit worker threads, one per partition of a run's requests: each reads the batches of
 * its partition and counts them (src/audit/tally-router.ts). Each is started from code held
 * as text (`new Worker(code, { eval: true })`), so that it works from the bundle and from the
 * single executable alike, which have no file for a worker to load. A thread that cannot
 * start, or fails before it answered, is replaced by a tally on this thread; one that fails
 * later fails the run, with an error (what it had counted is gone).
 */
export class AuditWorkerPool implements RecordPool {
  private readonly slots: Slot[];
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

  start(query: ResolvedQuery): void {
    for (const slot of this.slots) {
      slot.local = null;
      slot.answered = 0;
      slot.failure = null;
      const worker = slot.worker ?? this.spawn(slot);
      if (worker) this.post(slot, { kind: 'start', query }).catch(() => undefined);
      else slot.local = new RequestTally(query);
    }
  }

  read(partition: number, batch: RecordBatch): Promise<BatchResult> {
    const slot = this.slots[partition]!;
    if (slot.local) return Promise.resolve(readBatch(batch, slot.local));
    return this.post<BatchResult>(slot, { kind: 'batch', batch }).then((result) => {
      if (!slot.local) this.threadBatches++;
      return result;
    });
  }

  finish(): Promise<TallyPartial[]> {
    return Promise.all(this.slots.map((slot) => this.post<TallyPartial>(slot, { kind: 'finish' })));
  }

  async close(): Promise<void> {
    const workers = this.slots.map((slot) => slot.worker);
    for (const slot of this.slots) slot.worker = null;
    await Promise.all(workers.map((worker) => worker?.terminate()));
  }

  private post<T>(slot: Slot, message: PoolMessage): Promise<T> {
    if (slot.local) return Promise.resolve(answerHere(slot.local, message) as T);
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
      const first = jobs[0]?.message;
      if (slot.answered === 0 && first?.kind === 'start') {
        // nothing was counted there yet: count here instead
        slot.local = new RequestTally(first.query);
        for (const job of jobs) job.resolve(answerHere(slot.local, job.message) as never);
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

/** What a worker would answer, from a tally on this thread. */
function answerHere(tally: RequestTally, message: PoolMessage): unknown {
  if (message.kind === 'batch') return readBatch(message.batch, tally);
  if (message.kind === 'finish') return tally.finish();
  return null;
}

/**
 * A thread keeps its partition's count (20 bytes a finished request, rows) and reads lines
 * of up to 16 MiB: its heap may grow as the calling thread's would. A small young
 * generation keeps each thread's memory small.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 1024 };

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
