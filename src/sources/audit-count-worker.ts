// The count role of the audit worker thread (src/sources/audit-worker.ts): counts one segment of the
// logs (src/audit/segments.ts) and posts the count; the calling thread counts the first segment
// meanwhile and joins them (src/sources/audit-count-threads.ts).
import type { MessagePort } from 'node:worker_threads';
import { ABANDONED, countAudit } from '../audit/run.js';
import type { AuditCount } from '../audit/audit-count.js';
import { inputOfFile, type OpenedFile } from './audit-inputs.js';
import type { PlannedPiece } from './audit-count-plan.js';
import { thrown, threadCpuMs, type ScanOptions, type ThrownError } from './audit-workers.js';

export interface CountJob {
  role: 'count';
  files: OpenedFile[];
  pieces: PlannedPiece[];
  options: ScanOptions;
}

export type CountMessage =
  { kind: 'done'; count: AuditCount | typeof ABANDONED; cpuMs: number | null } | { kind: 'failed'; error: ThrownError };

/** A counting worker's workerData when its job follows in a message. */
export const COUNT_JOB_FOLLOWS = 'count job follows';

export function isCountJob(data: unknown): data is CountJob {
  return typeof data === 'object' && data !== null && (data as CountJob).role === 'count';
}

/** Counts the pieces of the files a segment is made of. */
export function countSegment(
  files: readonly OpenedFile[],
  pieces: readonly PlannedPiece[],
  options: ScanOptions & { stop?: AbortSignal; onProgress?: (progress: { path: string; bytes: number }) => void },
): Promise<AuditCount | typeof ABANDONED> {
  const inputs = pieces.map(({ file, startAt, endAt }) => {
    const whole = files[file]!;
    return inputOfFile({ ...whole, part: { ...whole.part, startAt, endAt } });
  });
  return countAudit(inputs, { ...options, pieces });
}

export async function countForParent(job: CountJob, port: MessagePort): Promise<void> {
  try {
    const count = await countSegment(job.files, job.pieces, job.options);
    // The table of finished requests (a few MB) moves to the calling thread rather than being copied.
    const finished = count === ABANDONED ? undefined : count.requests?.finished;
    const tables = [finished?.slots.buffer, finished?.times?.buffer].filter((b): b is ArrayBuffer => b !== undefined);
    port.postMessage({ kind: 'done', count, cpuMs: threadCpuMs() } satisfies CountMessage, tables);
  } catch (err) {
    port.postMessage({ kind: 'failed', error: thrown(err) } satisfies CountMessage);
  }
}
