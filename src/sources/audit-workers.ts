// Where the audit scan thread's code comes from, and whether threads are wanted.

/** The audit worker's code (src/sources/audit-worker.ts bundled), put in by the build; absent when run from sources. */
declare const __AUDIT_WORKER_SOURCE__: string | undefined;

export function bundledWorkerSource(): string | undefined {
  return typeof __AUDIT_WORKER_SOURCE__ === 'string' ? __AUDIT_WORKER_SOURCE__ : undefined;
}

/** KUBECTL_SECRETS_AUDIT_THREADS=0 keeps audit logs read on the calling thread. */
export function threadsAllowed(): boolean {
  return process.env['KUBECTL_SECRETS_AUDIT_THREADS'] !== '0';
}
