// The count role of the audit worker thread (src/sources/audit-worker.ts): counts one share of
// the requests in whole logs (src/audit/share.ts) and posts the count; the calling thread counts
// another share meanwhile and adds them up (src/sources/audit-count-threads.ts).
import type { MessagePort } from 'node:worker_threads';
import { countAudit, type ABANDONED } from '../audit/run.js';
import type { AuditCount } from '../audit/audit-count.js';
import { AuditShare } from '../audit/share.js';
import { inputOfFile, type OpenedFile } from './audit-inputs.js';
import { thrown, threadCpuMs, type ScanOptions, type ThrownError } from './audit-workers.js';

export interface CountJob {
  role: 'count';
  files: OpenedFile[];
  options: ScanOptions;
  share: { index: number; of: number };
}

export type CountMessage =
  { kind: 'done'; count: AuditCount | typeof ABANDONED; cpuMs: number | null } | { kind: 'failed'; error: ThrownError };

export function isCountJob(data: unknown): data is CountJob {
  return typeof data === 'object' && data !== null && (data as CountJob).role === 'count';
}

export async function countForParent(job: CountJob, port: MessagePort): Promise<void> {
  try {
    const share = new AuditShare(job.share.index, job.share.of);
    const count = await countAudit(job.files.map(inputOfFile), { ...job.options, share });
    port.postMessage({ kind: 'done', count, cpuMs: threadCpuMs() } satisfies CountMessage);
  } catch (err) {
    port.postMessage({ kind: 'failed', error: thrown(err) } satisfies CountMessage);
  }
}
