import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { readBatch, type BatchResult, type RecordBatch } from '../audit/record-batch.js';
import type { RecordPool } from '../audit/run.js';

/** The audit worker's code (src/sources/audit-worker.ts bundled), put in by the build; absent when run from sources. */
declare const __AUDIT_WORKER_SOURCE__: string | undefined;

export function bundledWorkerSource(): string | undefined {
  return typeof __AUDIT_WORKER_SOURCE__ === 'string' ? __AUDIT_WORKER_SOURCE__ : undefined;
}

interface Job {
  batch: RecordBatch;
  resolve: (result: BatchResult) => void;
}

interface Slot {
  worker: Worker | null;
  /** A thread failed here: its batches, and later ones, are read on the calling thread. */
  failed: boolean;
  jobs: Job[];
}

/**
 * Audit worker threads, started on the first batch. Each is started from code held as
 * text (`new Worker(code, { eval: true })`), so that it works from the bundle and from
 * the single executable alike, which have no file for a worker to load. Batches are
 * copied, not transferred, so that a thread that fails has its batches read here instead.
 */
export class AuditWorkerPool implements RecordPool {
  private readonly slots: Slot[];
  private next = 0;
  /** Batches read by a thread (not here after a failure). */
  threadBatches = 0;

  constructor(
    private readonly source: string,
    size = defaultPoolSize(),
  ) {
    this.slots = Array.from({ length: Math.max(1, size) }, () => ({ worker: null, failed: false, jobs: [] }));
  }

  get size(): number {
    return this.slots.length;
  }

  read(batch: RecordBatch): Promise<BatchResult> {
    const slot = this.slots[this.next]!;
    this.next = (this.next + 1) % this.slots.length;
    return new Promise((resolve) => {
      const worker = slot.worker ?? (slot.failed ? null : this.start(slot));
      if (!worker) {
        resolve(readBatch(batch));
        return;
      }
      slot.jobs.push({ batch, resolve });
      // a thread with work keeps the process alive, an idle one does not
      if (slot.jobs.length === 1) worker.ref();
      worker.postMessage(batch);
    });
  }

  async close(): Promise<void> {
    const workers = this.slots.map((slot) => slot.worker);
    for (const slot of this.slots) slot.worker = null;
    await Promise.all(workers.map((worker) => worker?.terminate()));
  }

  private start(slot: Slot): Worker | null {
    let worker: Worker;
    try {
      worker = new Worker(this.source, { eval: true, resourceLimits: WORKER_LIMITS });
    } catch {
      slot.failed = true;
      return null;
    }
    worker.unref();
    worker.on('message', (result: BatchResult) => {
      this.threadBatches++;
      slot.jobs.shift()?.resolve(result);
      if (slot.jobs.length === 0) worker.unref();
    });
    const fail = (): void => {
      // whatever the thread had is read here, and so is what would have gone to it
      if (slot.worker === worker) slot.worker = null;
      slot.failed = true;
      for (const job of slot.jobs.splice(0)) job.resolve(readBatch(job.batch));
    };
    worker.on('error', fail);
    worker.on('exit', fail);
    slot.worker = worker;
    return worker;
  }
}

/**
 * Small heaps: a thread keeps nothing between batches, and each thread's heap counts
 * against the run's memory. A thread that runs out (a huge line) fails, and its batches
 * are read on the calling thread.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 };

/**
 * Threads for an audit run: one per core besides the calling thread, which splits lines
 * and counts requests (KUBECTL_SECRETS_AUDIT_THREADS overrides; 0 reads everything there).
 */
export function defaultPoolSize(): number {
  const fromEnv = Number(process.env['KUBECTL_SECRETS_AUDIT_THREADS'] || NaN);
  if (Number.isInteger(fromEnv) && fromEnv >= 0) return fromEnv;
  return Math.max(1, Math.min(availableParallelism() - 1, 7));
}

/** A pool when the worker code is bundled and threads are wanted; otherwise records are read on the main thread. */
export function auditWorkerPool(source = bundledWorkerSource()): AuditWorkerPool | undefined {
  const size = defaultPoolSize();
  return source !== undefined && size > 0 ? new AuditWorkerPool(source, size) : undefined;
}
