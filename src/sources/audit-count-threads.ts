import { availableParallelism, loadavg } from 'node:os';
import workerThreads, { type Worker } from 'node:worker_threads';
import { auditReport, countAudit, ABANDONED, runAudit, type AuditInput, type AuditOptions } from '../audit/run.js';
import type { AuditReport } from '../audit/report-types.js';
import { sameInputs, type AuditCount } from '../audit/audit-count.js';
import { AuditShare } from '../audit/share.js';
import { inputOfFile, openedFileOf, type OpenedFile } from './audit-inputs.js';
import { countingPlan } from './audit-count-plan.js';
import type { CountJob, CountMessage } from './audit-count-worker.js';
import {
  bundledWorkerSource,
  threadCpuMs,
  threadsAllowed,
  threadsAsked,
  withoutCallbacks,
  WORKER_LIMITS,
} from './audit-workers.js';

export interface CountOutcome {
  report: AuditReport;
  /** Threads that counted (for -v=4). */
  threads: number;
  /** Why one thread counted again after threads started (for -v=4): a share met a read it does not own, a thread failed... */
  recounted?: string;
  /** CPU milliseconds each counting thread spent, this one first, where Node can tell (for -v=4 and the bench). */
  threadCpuMs?: (number | null)[];
}

/** The options `audit` passes: no callbacks but progress, which this thread reports. */
export type CountOptions = Omit<AuditOptions, 'onRequest' | 'onWrite'>;

/** Threads that count at most: each reads the whole logs, so more add little. */
const MAX_THREADS = 4;
/** Smaller logs are read faster than a thread starts. */
const MIN_BYTES = 32 << 20;

/**
 * runAudit for `audit`. On a log where most lines may read a Secret (a policy that logs only
 * Secrets), the scan is bound by JSON parsing: there, threads each read the whole logs and
 * count one share of the requests (src/audit/share.ts), this one among them, and their counts
 * are added up (audit-count-plan.ts says where). On one thread when: the logs are small, few
 * lines mention Secrets, stdin or a .gz is among them (each thread would decompress it), no core is
 * free (threadsFree), no worker code (run from sources) or KUBECTL_SECRETS_AUDIT_THREADS=0. When a share's
 * count cannot be used (a log whose auditIDs are not where the split looks for them, a document, a
 * thread that failed), this thread counts again, alone.
 */
export async function runAuditCount(
  inputs: readonly AuditInput[],
  options: CountOptions,
  {
    source = bundledWorkerSource(),
    minBytes = MIN_BYTES,
    threads = threadsAsked() ?? threadsFree(availableParallelism(), loadavg()[0]!),
  }: { source?: string | undefined; minBytes?: number; threads?: number } = {},
): Promise<CountOutcome> {
  const files = inputs.map(openedFileOf);
  const plan =
    source !== undefined && threadsAllowed() && threads > 1 && files.every((f): f is OpenedFile => f !== undefined)
      ? await countingPlan(files, minBytes)
      : null;
  if (!plan) return { report: await runAudit(inputs, options), threads: 1 };
  const counted = await countOnThreads(plan, options, source!, threads);
  if (typeof counted === 'string') return { report: await runAudit(inputs, options), threads: 1, recounted: counted };
  return { report: auditReport(counted.counts, options), threads, threadCpuMs: counted.cpuMs };
}

/**
 * Threads worth starting: this one, and one more per core that is free now. Each thread reads
 * the whole logs and V8 collects garbage on other threads, so on a busy machine threads only cost
 * more CPU (measured on 2 cores at load 6.5: 0.65× one thread's speed).
 */
export function threadsFree(cores: number, load: number): number {
  return Math.max(1, Math.min(MAX_THREADS, cores, Math.floor(cores - load) + 1));
}

/** Every share's count and each thread's CPU time, or why they cannot be used. */
async function countOnThreads(
  files: OpenedFile[],
  options: CountOptions,
  source: string,
  threads: number,
): Promise<{ counts: AuditCount[]; cpuMs: (number | null)[] } | string> {
  const started = threadCpuMs();
  const stop = new AbortController();
  const workers = Array.from({ length: threads - 1 }, (_, i) =>
    countOnWorker(source, {
      role: 'count',
      files,
      options: withoutCallbacks(options),
      share: { index: i + 1, of: threads },
    }),
  );
  // One that fails stops the others: this thread then counts alone.
  let failure: string | undefined;
  for (const worker of workers)
    void worker.count.then((counted) => {
      if (typeof counted !== 'string') return;
      failure ??= counted;
      stop.abort();
    });
  try {
    const share = new AuditShare(0, threads);
    const mine = await countAudit(files.map(inputOfFile), { ...options, share, stop: stop.signal });
    if (mine === ABANDONED) return failure ?? UNTRUSTED;
    const mineMs = started === null ? null : threadCpuMs()! - started;
    const theirs = await Promise.all(workers.map((w) => w.count));
    const failed = theirs.find((t): t is string => typeof t === 'string');
    if (failed !== undefined) return failed;
    const done = theirs as WorkerCount[];
    const counts = [mine, ...done.map((t) => t.count)];
    if (!sameInputs(counts)) return 'the threads did not read the logs alike';
    return { counts, cpuMs: [mineMs, ...done.map((t) => t.cpuMs)] };
  } finally {
    for (const worker of workers) worker.stop();
  }
}

const UNTRUSTED = 'the requests could not be split between threads';

interface WorkerCount {
  count: AuditCount;
  cpuMs: number | null;
}

/** A worker's count, or why there is none. */
function countOnWorker(source: string, job: CountJob): { count: Promise<WorkerCount | string>; stop(): void } {
  let worker: Worker | undefined;
  const count = new Promise<WorkerCount | string>((resolve) => {
    try {
      worker = new workerThreads.Worker(source, { eval: true, workerData: job, resourceLimits: WORKER_LIMITS });
    } catch (err) {
      resolve(`a counting thread did not start: ${(err as Error).message}`);
      return;
    }
    worker.on('message', (message: CountMessage) => {
      if (message.kind === 'failed') resolve(`a counting thread failed: ${message.error.message}`);
      else resolve(message.count === ABANDONED ? UNTRUSTED : { count: message.count, cpuMs: message.cpuMs });
    });
    worker.on('error', (err) => resolve(`a counting thread failed: ${err.message}`));
    worker.on('exit', (code) => resolve(`a counting thread exited (${code})`));
  });
  return { count, stop: () => void worker?.terminate() };
}
