// What the audit worker threads share (src/sources/audit-worker.ts): where their code comes from,
// whether threads are wanted, what they are sent and how their errors come back.
import type { AuditOptions } from '../audit/run.js';

/** The audit worker's code (src/sources/audit-worker.ts bundled), put in by the build; absent when run from sources. */
declare const __AUDIT_WORKER_SOURCE__: string | undefined;

export function bundledWorkerSource(): string | undefined {
  return typeof __AUDIT_WORKER_SOURCE__ === 'string' ? __AUDIT_WORKER_SOURCE__ : undefined;
}

/** KUBECTL_SECRETS_AUDIT_THREADS=0 keeps audit logs read on the calling thread. */
export function threadsAllowed(): boolean {
  return process.env['KUBECTL_SECRETS_AUDIT_THREADS'] !== '0';
}

/** KUBECTL_SECRETS_AUDIT_THREADS=N (2 or more): `audit` counts on N threads wherever the logs allow it, however busy the machine. */
export function threadsAsked(): number | undefined {
  const asked = Number(process.env['KUBECTL_SECRETS_AUDIT_THREADS']);
  return Number.isInteger(asked) && asked >= 2 ? asked : undefined;
}

/**
 * The audit threads' heap: nearly everything a scan or a count makes dies young (a line's text and
 * fields), so a small young generation keeps a thread's memory near what it keeps. The old generation
 * is left as the calling thread's would be (the counts are kept, as they would be there).
 */
export const WORKER_LIMITS = { maxYoungGenerationSizeMb: 16 };

/** runAudit's options but for the callbacks, which stay on the calling thread. */
export type ScanOptions = Omit<AuditOptions, 'onProgress' | 'onRequest' | 'onWrite'>;

/** What a thread can be sent: callbacks stay on the calling one. */
export function withoutCallbacks(options: AuditOptions): ScanOptions {
  const { onProgress, onRequest, onWrite, ...rest } = options;
  void [onProgress, onRequest, onWrite];
  return rest;
}

/** An error of a thread as plain data: the calling thread rebuilds it (audit-scan-thread.ts). */
export interface ThrownError {
  name: string;
  message: string;
  code?: string;
  exitCode?: number;
  stack?: string;
}

export function thrown(err: unknown): ThrownError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const { code, exitCode } = err as Error & { code?: unknown; exitCode?: unknown };
  return {
    name: err.name,
    message: err.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof exitCode === 'number' ? { exitCode } : {}),
    ...(err.stack !== undefined ? { stack: err.stack } : {}),
  };
}

/** CPU time of this thread alone (Node 23.9 and later), for -v=4 and the benches. */
export function threadCpuMs(): number | null {
  const usage = (process as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage?.();
  return usage ? Math.round((usage.user + usage.system) / 1000) : null;
}
