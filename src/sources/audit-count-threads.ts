import { availableParallelism, loadavg } from 'node:os';
import workerThreads, { type Worker } from 'node:worker_threads';
import { auditReport, ABANDONED, runAudit, type AuditInput, type AuditOptions } from '../audit/run.js';
import type { AuditReport } from '../audit/report-types.js';
import type { AuditCount } from '../audit/audit-count.js';
import { joinSegments } from '../audit/segments.js';
import { openedFileOf, type OpenedFile } from './audit-inputs.js';
import { countingPlan, type CountingPlan } from './audit-count-plan.js';
import { COUNT_JOB_FOLLOWS, countSegment, type CountJob, type CountMessage } from './audit-count-worker.js';
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
  /** Why one thread counted again after threads started (for -v=4): the segments could not be joined, a thread failed... */
  recounted?: string;
  /** CPU milliseconds each counting thread spent, this one first, where Node can tell (for -v=4 and the bench). */
  threadCpuMs?: (number | null)[];
}

/** The options `audit` passes: no callbacks but progress, which this thread reports. */
export type CountOptions = Omit<AuditOptions, 'onRequest' | 'onWrite'>;

/** Threads that count at most. */
const MAX_THREADS = 4;
/** Smaller logs are read faster than a thread starts. */
const MIN_BYTES = 32 << 20;

/**
 * runAudit for `audit`. On a log where most lines may read a Secret (a policy that logs only
 * Secrets), the scan is bound by reading the records: there, each thread, this one among them,
 * counts one segment of the logs (a byte range that starts at a line start), and their counts are
 * joined (src/audit/segments.ts; audit-count-plan.ts says where). On one thread when: the logs are
 * small, few lines mention Secrets, stdin or a .gz is among them (it cannot be read from the middle),
 * no core is free (threadsFree), no worker code (run from sources) or KUBECTL_SECRETS_AUDIT_THREADS=0.
 * When the segments' counts cannot be joined (a document, a request counted in two segments, a thread
 * that failed), this thread counts again, alone.
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
  // Workers start while the segments are cut (a worker takes 40-60 ms to start on 2 cores).
  let workers: CountWorker[] = [];
  const plan =
    source !== undefined && threadsAllowed() && threads > 1 && files.every((f): f is OpenedFile => f !== undefined)
      ? await countingPlan(files, minBytes, threads, () => {
          workers = Array.from({ length: threads - 1 }, () => startCountWorker(source));
        })
      : null;
  if (!plan) {
    for (const worker of workers) worker.stop();
    return { report: await runAudit(inputs, options), threads: 1 };
  }
  const recount = async (why: string) => ({ report: await runAudit(inputs, options), threads: 1, recounted: why });
  const counted = await countOnThreads(plan, options, source!, workers);
  if (typeof counted === 'string') return recount(counted);
  const joined = joinCounts(plan, counted.counts, options);
  if (typeof joined === 'string') return recount(joined);
  return { report: auditReport(joined, options), threads: plan.segments.length, threadCpuMs: counted.cpuMs };
}

/**
 * Threads worth starting: this one, and one more per core that is free now. Each thread reads
 * the whole logs and V8 collects garbage on other threads, so on a busy machine threads only cost
 * more CPU (measured on 2 cores at load 6.5: 0.65× one thread's speed).
 */
export function threadsFree(cores: number, load: number): number {
  return Math.max(1, Math.min(MAX_THREADS, cores, Math.floor(cores - load) + 1));
}

function joinCounts(plan: CountingPlan, counts: AuditCount[], options: CountOptions): AuditCount | string {
  return joinSegments(
    counts.map((count, k) => ({ count, files: plan.segments[k]!.map((p) => p.file) })),
    plan.files.map((f) => f.path),
    options,
    // Nothing reads the segments' counts after the join.
    { spent: true },
  );
}

interface ThreadCounts {
  counts: AuditCount[];
  cpuMs: (number | null)[];
}

/** Every segment's count and each thread's CPU time, or why they cannot be used. */
async function countOnThreads(
  { files, segments }: CountingPlan,
  options: CountOptions,
  source: string,
  started: readonly CountWorker[],
): Promise<ThreadCounts | string> {
  const cpuAtStart = threadCpuMs();
  const stop = new AbortController();
  // A worker each for the segments after the first (started ones first), and none left idle.
  for (const idle of started.slice(segments.length - 1)) idle.stop();
  const workers = segments.slice(1).map((pieces, k) => {
    const worker = started[k] ?? startCountWorker(source);
    worker.send({ role: 'count', files, pieces, options: withoutCallbacks(options) });
    return worker;
  });
  // One that fails stops the others: this thread then counts alone.
  let failure: string | undefined;
  for (const worker of workers)
    void worker.count.then((counted) => {
      if (typeof counted !== 'string') return;
      failure ??= counted;
      stop.abort();
    });
  try {
    const mine = await countSegment(files, segments[0]!, {
      ...withoutCallbacks(options),
      stop: stop.signal,
      ...(options.onProgress ? { onProgress: progressOfAll(files, segments[0]!, options.onProgress) } : {}),
    });
    if (mine === ABANDONED) return failure ?? UNSPLITTABLE;
    const mineMs = cpuAtStart === null ? null : threadCpuMs()! - cpuAtStart;
    const theirs = await Promise.all(workers.map((w) => w.count));
    const failed = theirs.find((t): t is string => typeof t === 'string');
    if (failed !== undefined) return failed;
    const done = theirs as WorkerCount[];
    return { counts: [mine, ...done.map((t) => t.count)], cpuMs: [mineMs, ...done.map((t) => t.cpuMs)] };
  } finally {
    for (const worker of workers) worker.stop();
  }
}

const UNSPLITTABLE = 'the logs could not be split between threads';

/**
 * This thread's progress through its segment as progress through all the logs (the threads read theirs
 * at about the same pace): the file and the place in it that share of all the bytes reaches.
 */
function progressOfAll(
  files: readonly OpenedFile[],
  pieces: readonly { startAt: number; endAt: number }[],
  report: (progress: { path: string; bytes: number }) => void,
): (progress: { path: string; bytes: number }) => void {
  const sizes = files.map((f) => f.part?.endAt ?? 0);
  const total = sizes.reduce((a, b) => a + b, 0);
  const mine = pieces.reduce((n, p) => n + p.endAt - p.startAt, 0);
  // Bytes read of each of this segment's pieces (one a file).
  const read = new Map<string, number>();
  return ({ path, bytes }) => {
    read.set(path, bytes);
    let done = 0;
    for (const n of read.values()) done += n;
    let at = mine === 0 ? total : (done / mine) * total;
    let file = 0;
    while (file < sizes.length - 1 && at >= sizes[file]!) at -= sizes[file++]!;
    report({ path: files[file]!.path, bytes: Math.round(at) });
  };
}

interface WorkerCount {
  count: AuditCount;
  cpuMs: number | null;
}

/** A counting worker, started before its job is known: its count, or why there is none. */
interface CountWorker {
  count: Promise<WorkerCount | string>;
  send(job: CountJob): void;
  stop(): void;
}

function startCountWorker(source: string): CountWorker {
  let worker: Worker | undefined;
  const count = new Promise<WorkerCount | string>((resolve) => {
    try {
      worker = new workerThreads.Worker(source, {
        eval: true,
        workerData: COUNT_JOB_FOLLOWS,
        resourceLimits: WORKER_LIMITS,
      });
    } catch (err) {
      resolve(`a counting thread did not start: ${(err as Error).message}`);
      return;
    }
    worker.on('message', (message: CountMessage) => {
      if (message.kind === 'failed') resolve(`a counting thread failed: ${message.error.message}`);
      else resolve(message.count === ABANDONED ? UNSPLITTABLE : { count: message.count, cpuMs: message.cpuMs });
    });
    worker.on('error', (err) => resolve(`a counting thread failed: ${err.message}`));
    worker.on('exit', (code) => resolve(`a counting thread exited (${code})`));
  });
  return { count, send: (job) => worker?.postMessage(job), stop: () => void worker?.terminate() };
}
