import workerThreads, { type Worker } from 'node:worker_threads';
import { CliError, UsageError } from '../errors.js';
import { runAudit, type AuditInput, type AuditOptions, type AuditReport } from '../audit/run.js';
import { openedFileOf, type OpenedFile } from './audit-inputs.js';
import type { ScanJob, ScanMessage } from './audit-scan-worker.js';
import {
  bundledWorkerSource,
  threadsAllowed,
  withoutCallbacks,
  WORKER_LIMITS,
  type ThrownError,
} from './audit-workers.js';

export interface ScanOutcome {
  report: AuditReport;
  /** Whether the logs were read on a worker thread (for -v=4). */
  onThread: boolean;
  /** CPU milliseconds the thread spent, where Node can tell. */
  threadCpuMs?: number | null;
}

/**
 * runAudit for callers that want every request (onRequest) while their own thread has other
 * work (investigate and who-can --log analyse the cluster meanwhile): the logs are read on a
 * worker thread, and the requests, writes and progress it finds are handed on here, in the
 * order it found them. Read here instead when stdin is among the inputs (only this thread
 * has it), when there is no worker code (run from sources), when
 * KUBECTL_SECRETS_AUDIT_THREADS=0, or when the thread cannot start.
 */
export async function runAuditScan(
  inputs: readonly AuditInput[],
  options: AuditOptions,
  source = bundledWorkerSource(),
  /** Stops the thread (the caller's other work failed): the scan rejects with the signal's reason. */
  signal?: AbortSignal,
): Promise<ScanOutcome> {
  const files = inputs.map(openedFileOf);
  if (source === undefined || !threadsAllowed() || !files.every((f): f is OpenedFile => f !== undefined))
    return { report: await runAudit(inputs, options), onThread: false };
  const done = await scanOnThread(files, options, source, signal);
  return done
    ? { report: done.report, onThread: true, threadCpuMs: done.cpuMs }
    : { report: await runAudit(inputs, options), onThread: false };
}

/** The thread's answer, or null when it failed before it started (nothing was handed on). */
function scanOnThread(
  files: OpenedFile[],
  options: AuditOptions,
  source: string,
  signal: AbortSignal | undefined,
): Promise<{ report: AuditReport; cpuMs: number | null } | null> {
  const job: ScanJob = {
    role: 'scan',
    files,
    options: withoutCallbacks(options),
    writes: options.onWrite !== undefined,
  };
  return new Promise((resolve, reject) => {
    let worker: Worker;
    try {
      worker = new workerThreads.Worker(source, { eval: true, workerData: job, resourceLimits: WORKER_LIMITS });
    } catch {
      resolve(null);
      return;
    }
    let started = false;
    let settled = false;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      worker.removeAllListeners('message');
      finish();
    };
    worker.on('message', (message: ScanMessage) => {
      if (settled) return;
      try {
        switch (message.kind) {
          case 'started':
            started = true;
            break;
          case 'found':
            for (const read of message.requests) options.onRequest?.(read);
            for (const write of message.writes) options.onWrite?.(write);
            break;
          case 'progress':
            options.onProgress?.({ path: message.path, bytes: message.bytes });
            break;
          case 'done':
            settle(() => resolve({ report: message.report, cpuMs: message.cpuMs }));
            break;
          case 'failed':
            settle(() => reject(rebuilt(message.error)));
            break;
        }
      } catch (err) {
        // a callback of the caller threw: stop reading
        settle(() => reject(err as Error));
        void worker.terminate();
      }
    });
    const fail = (err?: Error): void =>
      settle(() =>
        started
          ? reject(new CliError(`the audit scan thread failed: ${err?.message ?? 'it exited'}`, { cause: err }))
          : resolve(null),
      );
    worker.on('error', fail);
    worker.on('exit', () => fail());
    const giveUp = (): void => {
      settle(() => reject(signal?.reason instanceof Error ? signal.reason : new Error('the audit scan was stopped')));
      void worker.terminate();
    };
    if (signal?.aborted) giveUp();
    else signal?.addEventListener('abort', giveUp, { once: true });
    worker.once('exit', () => signal?.removeEventListener('abort', giveUp));
  });
}

/** The thread's error as the calling thread would have thrown it, so that callers map it the same way. */
function rebuilt(error: ThrownError): Error {
  if (error.name === 'UsageError') return new UsageError(error.message);
  if (error.name === 'CliError')
    return new CliError(error.message, error.exitCode !== undefined ? { exitCode: error.exitCode } : {});
  const err = new Error(error.message) as Error & { code?: string };
  err.name = error.name;
  if (error.code !== undefined) err.code = error.code;
  if (error.stack !== undefined) err.stack = error.stack;
  return err;
}
