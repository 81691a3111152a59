// `audit` counting on threads (src/sources/audit-count-threads.ts): on a log where most lines may
// read a Secret, threads each count a share of the requests, and the report is the one-thread
// report; anywhere else, or when a share cannot be trusted or a thread fails, one thread counts.
// The threads start from the worker code the build embeds (scripts/audit-worker-source.mjs).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditWorkerSource } from '../../../scripts/audit-worker-source.mjs';
import { generateLines } from '../../../bench/audit/generate-log.mjs';
import { runAudit, type AuditOptions } from '../../../src/audit/run.js';
import { openAuditLogs } from '../../../src/sources/audit-inputs.js';
import { runAuditCount } from '../../../src/sources/audit-count-threads.js';
import { mulberry32 } from '../../harness/prng.mjs';
import { FIXTURES } from '../audit/memory-input.js';

let source = '';
let dir = '';
const THREADS = Math.min(availableParallelism(), 4);

function log(name: string, secretShare: number, lines: number): string {
  const out: string[] = [];
  for (const line of generateLines(mulberry32(lines), secretShare)) if (out.push(line) >= lines) break;
  writeFileSync(join(dir, name), `${out.join('\n')}\n`);
  return join(dir, name);
}

beforeAll(async () => {
  source = await auditWorkerSource();
  dir = mkdtempSync(join(tmpdir(), 'audit-count-threads-'));
  log('secrets-only.log', 1, 6000);
  log('realistic.log', 0.02, 6000);
  writeFileSync(join(dir, 'secrets-only.log.gz'), gzipSync(readFileSync(join(dir, 'secrets-only.log'))));
  // GKE entries carry no auditID key: their split cannot be trusted
  const gke = readFileSync(join(FIXTURES, 'gke-data-access.jsonl'), 'utf8').trim().split('\n');
  writeFileSync(join(dir, 'gke.jsonl'), `${Array.from({ length: 200 }, (_, i) => gke[i % gke.length]).join('\n')}\n`);
}, 60_000);

afterEach(() => {
  delete process.env['KUBECTL_SECRETS_AUDIT_THREADS'];
});

const QUERY: AuditOptions = { includeSystem: true, groupBy: 'secret' };

async function both(files: string[], options: { source?: string | undefined; minBytes?: number } = {}, stdin?: string) {
  const open = () => openAuditLogs(files, stdin === undefined ? {} : { stdin: Readable.from([stdin]) });
  const progress: number[] = [];
  const counted = await runAuditCount(
    await open(),
    { ...QUERY, onProgress: (p) => progress.push(p.bytes) },
    { source, minBytes: 0, ...options },
  );
  return { ...counted, progress, expected: await runAudit(await open(), QUERY) };
}

describe('audit counting on threads', () => {
  it('counts a secrets-only log on every core, with the one-thread report and progress', async () => {
    const { report, threads, expected, progress } = await both([
      join(dir, 'secrets-only.log'),
      join(dir, 'realistic.log'),
    ]);
    expect(threads).toBe(THREADS);
    expect(THREADS).toBeGreaterThan(1);
    expect(expected.totals.requests).toBeGreaterThan(2000);
    expect(report).toEqual(expected);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('counts on one thread where threads would only read the logs again, or cannot be used', async () => {
    expect(await both([join(dir, 'realistic.log')])).toMatchObject({ threads: 1, recounted: false });
    expect((await both([join(dir, 'secrets-only.log')], { minBytes: 1 << 30 })).threads).toBe(1);
    expect((await both([join(dir, 'secrets-only.log.gz')])).threads).toBe(1);
    expect((await both([join(dir, 'secrets-only.log'), '-'], {}, '')).threads).toBe(1);
    expect((await both([join(dir, 'secrets-only.log')], { source: undefined })).threads).toBe(1);
    process.env['KUBECTL_SECRETS_AUDIT_THREADS'] = '0';
    expect((await both([join(dir, 'secrets-only.log')])).threads).toBe(1);
  });

  it('counts again on one thread when a share cannot be trusted or a thread fails', async () => {
    const gke = await both([join(dir, 'gke.jsonl')]);
    expect(gke).toMatchObject({ threads: 1, recounted: true });
    expect(gke.report).toEqual(gke.expected);
    expect(gke.expected.totals.requests).toBeGreaterThan(0);
    const failing = await both([join(dir, 'secrets-only.log')], { source: 'throw new Error("no")' });
    expect(failing).toMatchObject({ threads: 1, recounted: true });
    expect(failing.report).toEqual(failing.expected);
  });
});
