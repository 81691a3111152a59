import { availableParallelism } from 'node:os';
import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { auditReport, countAudit, MISROUTED, runAudit, type AuditInput, type AuditOptions } from '../audit/run.js';
import type { AuditReport } from '../audit/report-types.js';
import { sameInputs, type AuditCount } from '../audit/audit-count.js';
import { AuditShare } from '../audit/share.js';
import { NEEDLE } from '../audit/prefilter.js';
import { openedFileOf, type OpenedFile } from './audit-inputs.js';
import type { CountJob, CountMessage } from './audit-count-worker.js';
import { threadCpuMs } from './audit-scan-worker.js';
import { bundledWorkerSource, threadsAllowed } from './audit-workers.js';

export interface CountOutcome {
  report: AuditReport;
  /** Threads that counted (for -v=4). */
  threads: number;
  /** Threads started, but one thread counted again: a share's count could not be trusted or a thread failed. */
  recounted: boolean;
  /** CPU milliseconds each counting thread spent, this one first, where Node can tell (for -v=4 and the bench). */
  threadCpuMs?: (number | null)[];
}

/** The options `audit` passes: no callbacks but progress, which this thread reports. */
export type CountOptions = Omit<AuditOptions, 'onRequest' | 'onWrite'>;

/** Threads that count at most: each reads the whole logs, so more add little. */
const MAX_THREADS = 4;
/** Smaller logs are read faster than a thread starts. */
const MIN_BYTES = 32 << 20;
/** Below this share of lines that mention Secrets, the logs are bound by reading them, which threads only repeat. */
const MIN_SECRET_LINES = 0.4;
/** Windows of the logs sampled to measure that share. */
const SAMPLES = 8;
const SAMPLE_BYTES = 128 << 10;

/**
 * runAudit for `audit`. On a log where most lines may read a Secret (a policy that logs only
 * Secrets), the scan is bound by JSON parsing: there, threads each read the whole logs and
 * count one share of the requests (src/audit/share.ts), this one among them, and their counts
 * are added up. On one thread when: the logs are small, few lines mention Secrets, stdin or a
 * .gz is among them (each thread would decompress it), there is one core, no worker code (run
 * from sources) or KUBECTL_SECRETS_AUDIT_THREADS=0. When a share's count cannot be trusted (a log
 * whose auditIDs are not where the split looks for them, or one that changed while being read),
 * this thread counts again, alone.
 */
export async function runAuditCount(
  inputs: readonly AuditInput[],
  options: CountOptions,
  { source = bundledWorkerSource(), minBytes = MIN_BYTES }: { source?: string | undefined; minBytes?: number } = {},
): Promise<CountOutcome> {
  const files = inputs.map(openedFileOf);
  const threads =
    source !== undefined && threadsAllowed() && files.every((f): f is OpenedFile => f !== undefined && !f.compressed)
      ? await threadsFor(files, minBytes)
      : 1;
  const counted = threads > 1 ? await countOnThreads(inputs, files as OpenedFile[], options, source!, threads) : null;
  return counted
    ? { report: auditReport(counted.counts, options), threads, recounted: false, threadCpuMs: counted.cpuMs }
    : { report: await runAudit(inputs, options), threads: 1, recounted: threads > 1 };
}

async function threadsFor(files: readonly OpenedFile[], minBytes: number): Promise<number> {
  const threads = Math.min(availableParallelism(), MAX_THREADS);
  if (threads < 2 || files.some((f) => f.failure !== undefined)) return 1;
  const handles = [];
  try {
    for (const file of files) handles.push(await open(file.absolutePath));
    const sizes = await Promise.all(handles.map(async (h) => (await h.stat()).size));
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total < minBytes || total === 0) return 1;
    let lines = 0;
    let hits = 0;
    // windows spread over the logs: their start (a control plane's first minutes) is not like the rest
    for (let w = 0; w < SAMPLES; w++) {
      let at = Math.floor((total * w) / SAMPLES);
      let i = 0;
      while (at >= sizes[i]!) at -= sizes[i++]!;
      const window = Buffer.alloc(SAMPLE_BYTES);
      const { bytesRead } = await handles[i]!.read(window, 0, SAMPLE_BYTES, at);
      const tally = secretLines(window.subarray(0, bytesRead), at > 0);
      lines += tally.lines;
      hits += tally.hits;
    }
    return lines > 0 && hits / lines >= MIN_SECRET_LINES ? threads : 1;
  } catch {
    return 1;
  } finally {
    for (const handle of handles) await handle.close();
  }
}

/** The whole lines of a window, and how many of them mention Secrets. */
function secretLines(window: Buffer, startsMidLine: boolean): { lines: number; hits: number } {
  let start = startsMidLine ? window.indexOf(0x0a) + 1 : 0;
  if (startsMidLine && start === 0) return { lines: 0, hits: 0 };
  let lines = 0;
  let hits = 0;
  let hit = window.indexOf(NEEDLE, start);
  for (let nl = window.indexOf(0x0a, start); nl !== -1; nl = window.indexOf(0x0a, start)) {
    lines++;
    if (hit !== -1 && hit < nl) {
      hits++;
      hit = window.indexOf(NEEDLE, nl);
    }
    start = nl + 1;
  }
  return { lines, hits };
}

/** Every share's count and each thread's CPU time, or null when one failed or cannot be trusted. */
async function countOnThreads(
  inputs: readonly AuditInput[],
  files: readonly OpenedFile[],
  options: CountOptions,
  source: string,
  threads: number,
): Promise<{ counts: AuditCount[]; cpuMs: (number | null)[] } | null> {
  const started = threadCpuMs();
  const stop = new AbortController();
  const { onProgress, ...sent } = options;
  void onProgress;
  const workers = Array.from({ length: threads - 1 }, (_, i) =>
    countOnWorker(source, { role: 'count', files: [...files], options: sent, share: { index: i + 1, of: threads } }),
  );
  // One that fails stops the others: this thread then counts alone.
  for (const worker of workers) void worker.count.then((counted) => counted === null && stop.abort());
  try {
    const mine = await countAudit(inputs, { ...options, share: new AuditShare(0, threads), stop: stop.signal });
    if (mine === MISROUTED) return null;
    const mineMs = started === null ? null : threadCpuMs()! - started;
    const theirs = await Promise.all(workers.map((w) => w.count));
    const counts = [mine, ...theirs.map((t) => t?.count ?? null)];
    if (!counts.every((c): c is AuditCount => c !== null) || !sameInputs(counts)) return null;
    return { counts, cpuMs: [mineMs, ...theirs.map((t) => t?.cpuMs ?? null)] };
  } finally {
    for (const worker of workers) worker.stop();
  }
}

interface WorkerCount {
  count: AuditCount;
  cpuMs: number | null;
}

function countOnWorker(source: string, job: CountJob): { count: Promise<WorkerCount | null>; stop(): void } {
  let worker: Worker | undefined;
  const count = new Promise<WorkerCount | null>((resolve) => {
    try {
      worker = new Worker(source, { eval: true, workerData: job, resourceLimits: COUNT_LIMITS });
    } catch {
      resolve(null);
      return;
    }
    worker.on('message', (message: CountMessage) =>
      resolve(
        message.kind === 'done' && message.count !== MISROUTED ? { count: message.count, cpuMs: message.cpuMs } : null,
      ),
    );
    worker.on('error', () => resolve(null));
    worker.on('exit', () => resolve(null));
  });
  return { count, stop: () => void worker?.terminate() };
}

/** As for the scan thread (audit-scan-thread.ts): what a count makes dies young. */
const COUNT_LIMITS = { maxYoungGenerationSizeMb: 16 };
