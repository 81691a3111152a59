// The audit scan of investigate and who-can --log on a worker thread (src/sources/audit-scan-thread.ts):
// the same report, the same requests and writes in the same order, the same join, and the same
// warnings and errors as the scan on the calling thread. The thread starts from the worker code
// the build embeds (scripts/audit-worker-source.mjs), bundled here as the build does it.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditWorkerSource } from '../../../scripts/audit-worker-source.mjs';
import { generateLines } from '../../../bench/audit/generate-log.mjs';
import { gatherAccess } from '../../../src/access/run.js';
import type { AuditOptions, ObjectWrite, SecretRead } from '../../../src/audit/run.js';
import type { WhoCanResult } from '../../../src/whocan/run.js';
import { openAuditLogs } from '../../../src/sources/audit-inputs.js';
import { runAuditScan } from '../../../src/sources/audit-scan-thread.js';
import { asLogError } from '../../../src/cli/audit-logs.js';
import { CliError } from '../../../src/errors.js';
import { mulberry32 } from '../../harness/prng.mjs';
import { fixture } from '../audit/memory-input.js';

let source = '';
let dir = '';
const WRITES = fixture('../audit-writes/writes-audit2rbac-falco.jsonl');
const INVESTIGATED = { name: 'db-password', namespace: 'prod', includeSystem: true };

beforeAll(async () => {
  source = await auditWorkerSource();
  dir = mkdtempSync(join(tmpdir(), 'audit-scan-thread-'));
  const lines: string[] = [];
  for (const line of generateLines(mulberry32(31), 0.3)) if (lines.push(line) >= 20_000) break;
  const log = `${lines.join('\n')}\n`;
  writeFileSync(join(dir, 'audit.log'), log);
  // rotated, compressed, and broken halfway through
  const gz = gzipSync(log.slice(0, 400_000));
  writeFileSync(join(dir, 'corrupt.log.gz'), Buffer.concat([gz.subarray(0, gz.length >> 1), Buffer.alloc(4096, 7)]));
  writeFileSync(join(dir, 'writes.log'), WRITES);
  mkdirSync(join(dir, 'rotated'));
  writeFileSync(join(dir, 'rotated', 'audit-2026-01-01T00-00-00.000.log.gz'), gzipSync(log.slice(0, 300_000)));
  symlinkSync(join(dir, 'nowhere'), join(dir, 'rotated', 'audit-2026-01-02T00-00-00.000.log'));
}, 60_000);

/** What the commands print for an error of the scan (asLogError, as src/cli/access-deps.ts maps it). */
function catchLogError(err: unknown): { cli: boolean; message: string } {
  try {
    asLogError(err);
  } catch (mapped) {
    return { cli: mapped instanceof CliError, message: (mapped as Error).message };
  }
  return { cli: false, message: '' };
}

const LOGS = () => ['rotated', 'corrupt.log.gz', 'writes.log', 'audit.log'].map((f) => join(dir, f));

interface Scan {
  report: unknown;
  requests: SecretRead[];
  writes: ObjectWrite[];
  progress: number;
}

/** One scan, on the thread (with the worker code) or here (without it), collecting what it hands on. */
async function scan(logs: string[], options: AuditOptions, thread: boolean): Promise<Scan & { onThread: boolean }> {
  const requests: SecretRead[] = [];
  const writes: ObjectWrite[] = [];
  let progress = 0;
  const inputs = await openAuditLogs(logs, { chunkBytes: 64 * 1024 });
  const { report, onThread } = await runAuditScan(
    inputs,
    {
      ...options,
      onRequest: (r) => requests.push(r),
      onWrite: (w) => writes.push(w),
      onProgress: () => progress++,
    },
    thread ? source : undefined,
  );
  return { report, requests, writes, progress, onThread };
}

describe('the audit scan on a worker thread', { timeout: 60_000 }, () => {
  afterEach(() => {
    delete process.env['KUBECTL_SECRETS_AUDIT_THREADS'];
  });

  for (const [what, query] of [
    ['one Secret, as investigate asks', INVESTIGATED],
    ['every Secret', { includeSystem: true }],
    ['a window and a user', { since: '2025-06-01T00:00:02Z', until: '2025-06-01T00:10:00Z', user: 'serviceaccount' }],
  ] as const) {
    it(`hands on the same requests, writes and report as the scan here: ${what}`, async () => {
      const here = await scan(LOGS(), query, false);
      const threaded = await scan(LOGS(), query, true);
      expect(here.onThread).toBe(false);
      expect(threaded.onThread).toBe(true);
      expect(threaded.report).toEqual(here.report);
      expect(threaded.requests).toEqual(here.requests);
      expect(threaded.writes).toEqual(here.writes);
      expect(threaded.progress).toBe(here.progress);
      expect(here.requests.length).toBeGreaterThan(50);
      expect(here.writes.length).toBeGreaterThan(5);
    });
  }

  it('warns the same about a corrupt .gz, a dangling link in a directory, and a file gone after it was opened', async () => {
    const gone = join(dir, 'gone.log');
    const run = async (thread: boolean) => {
      copyFileSync(join(dir, 'audit.log'), gone);
      const inputs = await openAuditLogs([...LOGS(), gone]);
      rmSync(gone);
      return (await runAuditScan(inputs, INVESTIGATED, thread ? source : undefined)).report;
    };
    const here = await run(false);
    const threaded = await run(true);
    expect(threaded).toEqual(here);
    expect(here.warnings).toEqual([
      expect.stringMatching(/rotated\/audit-2026-01-02T00-00-00\.000\.log: cannot read/),
      expect.stringMatching(/corrupt\.log\.gz: (corrupt|truncated) gzip data/),
      expect.stringMatching(/gone\.log: cannot read: no such file/),
    ]);
  });

  it('gives the same join (could read × did read) and timeline', async () => {
    const whoCan: WhoCanResult = {
      metadata: { consumers: { nodes: ['node-1'] } } as unknown as WhoCanResult['metadata'],
      rows: [],
      disputes: [],
    };
    const gather = async (thread: boolean) => {
      const inputs = await openAuditLogs(LOGS());
      return gatherAccess({
        whoCan: async () => whoCan,
        writes: true,
        audit: (onRequest, onWrite) =>
          runAuditScan(
            inputs,
            { ...INVESTIGATED, onRequest, ...(onWrite ? { onWrite } : {}) },
            thread ? source : undefined,
          ).then((r) => r.report),
      });
    };
    const here = await gather(false);
    const threaded = await gather(true);
    expect(threaded.subjects).toEqual(here.subjects);
    expect(threaded.ledger).toEqual(here.ledger);
    expect(threaded.writes).toEqual(here.writes);
    expect(threaded.audit).toEqual(here.audit);
    expect(here.subjects.length).toBeGreaterThan(3);
  });

  it("maps the thread's errors as the scan's own: a file system error becomes one error line", async () => {
    // as if the scan had thrown on the thread (it warns about what it cannot read: only a fault gets here)
    const failingThread =
      'const { parentPort } = require("node:worker_threads"); parentPort.postMessage({ kind: "started" });' +
      'parentPort.postMessage({ kind: "failed", error: { name: "Error", message: "EACCES: permission denied, read", code: "EACCES" } });';
    const eacces = Object.assign(new Error('EACCES: permission denied, read'), { code: 'EACCES' });
    const here = await Promise.reject(eacces).catch((err: unknown) => catchLogError(err));
    const threaded = await runAuditScan(await openAuditLogs(LOGS()), INVESTIGATED, failingThread).catch(
      (err: unknown) => catchLogError(err),
    );
    expect(threaded).toEqual(here);
    expect(here).toEqual({ cli: true, message: 'cannot read the audit logs: EACCES: permission denied, read' });
  });

  it('stops the thread and rejects when a callback here throws', async () => {
    const inputs = await openAuditLogs(LOGS());
    const options = {
      ...INVESTIGATED,
      onRequest: () => {
        throw new Error('the ledger is full');
      },
    };
    await expect(runAuditScan(inputs, options, source)).rejects.toThrow('the ledger is full');
  });

  it('stops the thread and rejects with the reason when its caller gives up (who-can failed meanwhile)', async () => {
    const stop = new AbortController();
    let found = 0;
    const options = { ...INVESTIGATED, onRequest: () => void found++ };
    const scanning = runAuditScan(await openAuditLogs(LOGS()), options, source, stop.signal);
    stop.abort(new Error('cannot list rolebindings'));
    await expect(scanning).rejects.toThrow('cannot list rolebindings');
    const after = found;
    await new Promise((r) => setTimeout(r, 200));
    expect(found).toBe(after); // nothing handed on once stopped
  });

  it('reads here when stdin is among the inputs, threads are turned off, or the thread cannot start', async () => {
    const here = await scan(LOGS(), INVESTIGATED, false);
    process.env['KUBECTL_SECRETS_AUDIT_THREADS'] = '0';
    const off = await scan(LOGS(), INVESTIGATED, true);
    expect(off.onThread).toBe(false);
    expect(off.report).toEqual(here.report);
    delete process.env['KUBECTL_SECRETS_AUDIT_THREADS'];

    const stdinInputs = await openAuditLogs(['-', join(dir, 'audit.log')], {
      stdin: (await import('node:stream')).Readable.from([Buffer.from(WRITES)]),
    });
    const withStdin = await runAuditScan(stdinInputs, INVESTIGATED, source);
    expect(withStdin.onThread).toBe(false);

    const broken = await runAuditScan(await openAuditLogs(LOGS()), INVESTIGATED, 'throw new Error("no thread today")');
    expect(broken.onThread).toBe(false);
    expect(broken.report).toEqual(here.report);
  });

  it('fails with an error when the thread dies after it started', async () => {
    const dying =
      'const { parentPort } = require("node:worker_threads");' +
      'parentPort.postMessage({ kind: "started" }); setTimeout(() => process.exit(3), 10);';
    const err = await runAuditScan(await openAuditLogs(LOGS()), INVESTIGATED, dying).catch((e: unknown) => e);
    // a CliError: one `error:` line, not an internal error
    expect(err).toBeInstanceOf(CliError);
    expect((err as Error).message).toMatch(/^the audit scan thread failed/);
  });
});
