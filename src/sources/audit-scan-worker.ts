// The scan role of the audit worker thread (src/sources/audit-worker.ts): reads whole logs for
// one query, as runAudit does on the calling thread, and posts what it finds as it goes; the
// calling thread replays it (src/sources/audit-scan-thread.ts).
import type { MessagePort } from 'node:worker_threads';
import { runAudit, type AuditReport, type ObjectWrite, type SecretRead } from '../audit/run.js';
import { inputOfFile, type OpenedFile } from './audit-inputs.js';
import { thrown, threadCpuMs, type ScanOptions, type ThrownError } from './audit-workers.js';

export interface ScanJob {
  role: 'scan';
  files: OpenedFile[];
  /** runAudit's options but for the callbacks, which stay on the calling thread. */
  options: ScanOptions;
  /** Hand on writes too (onWrite). */
  writes: boolean;
}

export type ScanMessage =
  | { kind: 'started' }
  | { kind: 'found'; requests: SecretRead[]; writes: ObjectWrite[] }
  | { kind: 'progress'; path: string; bytes: number }
  | { kind: 'done'; report: AuditReport; cpuMs: number | null }
  | { kind: 'failed'; error: ThrownError };

/** Requests and writes posted at once at most: the calling thread counts them while the scan goes on. */
const FOUND_BATCH = 2000;

export function isScanJob(data: unknown): data is ScanJob {
  return typeof data === 'object' && data !== null && (data as ScanJob).role === 'scan';
}

export async function scanForParent(job: ScanJob, port: MessagePort): Promise<void> {
  const post = (message: ScanMessage): void => port.postMessage(message);
  post({ kind: 'started' });
  let requests: SecretRead[] = [];
  let writes: ObjectWrite[] = [];
  const flush = (): void => {
    if (requests.length === 0 && writes.length === 0) return;
    post({ kind: 'found', requests, writes });
    requests = [];
    writes = [];
  };
  try {
    const report = await runAudit(job.files.map(inputOfFile), {
      ...job.options,
      onRequest: (read) => {
        if (requests.push(read) >= FOUND_BATCH) flush();
      },
      ...(job.writes
        ? {
            onWrite: (write: ObjectWrite) => {
              if (writes.push(write) >= FOUND_BATCH) flush();
            },
          }
        : {}),
      onProgress: (progress) => {
        flush();
        post({ kind: 'progress', ...progress });
      },
    });
    flush();
    post({ kind: 'done', report, cpuMs: threadCpuMs() });
  } catch (err) {
    post({ kind: 'failed', error: thrown(err) });
  }
}
