// `audit` counting on threads (src/sources/audit-count-threads.ts): on a log where most lines may
// read a Secret, threads each count a segment of the logs, and the report is the one-thread
// report; anywhere else, or when the segments cannot be joined or a thread fails, one thread counts.
// The threads start from the worker code the build embeds (scripts/audit-worker-source.mjs).
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditWorkerSource } from '../../../scripts/audit-worker-source.mjs';
import { generateLines } from '../../../bench/audit/generate-log.mjs';
import { runAudit, type AuditOptions } from '../../../src/audit/run.js';
import { openAuditLogs } from '../../../src/sources/audit-inputs.js';
import { runAuditCount, threadsFree } from '../../../src/sources/audit-count-threads.js';
import { mulberry32 } from '../../harness/prng.mjs';
import { FIXTURES } from '../audit/memory-input.js';

let source = '';
let dir = '';
// as many as this machine has cores (however busy the other test files keep them), at least 2
const THREADS = Math.max(2, Math.min(availableParallelism(), 4));

function log(name: string, secretShare: number, lines: number, seed: number): string {
  const out: string[] = [];
  for (const line of generateLines(mulberry32(seed), secretShare)) if (out.push(line) >= lines) break;
  writeFileSync(join(dir, name), `${out.join('\n')}\n`);
  return join(dir, name);
}

beforeAll(async () => {
  source = await auditWorkerSource();
  dir = mkdtempSync(join(tmpdir(), 'audit-count-threads-'));
  log('secrets-only.log', 1, 6000, 1);
  log('realistic.log', 0.02, 6000, 2);
  writeFileSync(join(dir, 'secrets-only.log.gz'), gzipSync(readFileSync(join(dir, 'secrets-only.log'))));
  const gke = readFileSync(join(FIXTURES, 'gke-data-access.jsonl'), 'utf8').trim().split('\n');
  const secretsOnly = readFileSync(join(dir, 'secrets-only.log'), 'utf8').trim().split('\n');
  const pairs = secretsOnly.flatMap((line, i) => (i % 2 === 0 ? [`${line}, ${secretsOnly[i + 1] ?? '{}'}`] : []));
  writeFileSync(join(dir, 'array.json'), `[\n${pairs.join(',\n')}\n]\n`);
  // each copy of the entries another request: its IDs (insertId, operation id) made its own
  const copies = Array.from({ length: 200 }, (_, i) => gke[i % gke.length]!.replaceAll('"gke-', `"gke-${i}-`));
  writeFileSync(join(dir, 'gke.jsonl'), `${copies.join('\n')}\n`);
}, 60_000);

afterEach(() => {
  delete process.env['KUBECTL_SECRETS_AUDIT_THREADS'];
});

const QUERY: AuditOptions = { includeSystem: true, groupBy: 'secret' };

async function both(
  files: string[],
  options: { source?: string | undefined; minBytes?: number; threads?: number } = {},
  stdin?: string,
) {
  const open = () => openAuditLogs(files, stdin === undefined ? {} : { stdin: Readable.from([stdin]) });
  const progress: number[] = [];
  const counted = await runAuditCount(
    await open(),
    { ...QUERY, onProgress: (p) => progress.push(p.bytes) },
    { source, minBytes: 0, threads: THREADS, ...options },
  );
  return { ...counted, progress, expected: await runAudit(await open(), QUERY) };
}

describe('audit counting on threads', () => {
  it('counts a secrets-only log on every core, with the one-thread report and progress', async () => {
    const { report, threads, expected, progress, recounted } = await both([
      join(dir, 'secrets-only.log'),
      join(dir, 'realistic.log'),
    ]);
    expect(recounted).toBeUndefined();
    expect(threads).toBe(THREADS);
    expect(expected.totals.requests).toBeGreaterThan(2000);
    expect(report).toEqual(expected);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('starts a thread more per free core, up to 4', () => {
    expect(threadsFree(2, 0)).toBe(2);
    expect(threadsFree(2, 1)).toBe(2);
    expect(threadsFree(2, 1.5)).toBe(1);
    expect(threadsFree(2, 7)).toBe(1);
    expect(threadsFree(8, 2.5)).toBe(4);
    expect(threadsFree(16, 13.2)).toBe(3);
    expect(threadsFree(1, 0)).toBe(1);
  });

  it('counts on one thread where threads would only read the logs again, or cannot be used', async () => {
    expect(await both([join(dir, 'realistic.log')])).toEqual(
      expect.not.objectContaining({ recounted: expect.anything() }),
    );
    expect((await both([join(dir, 'realistic.log')])).threads).toBe(1);
    expect((await both([join(dir, 'secrets-only.log')], { minBytes: 1 << 30 })).threads).toBe(1);
    expect((await both([join(dir, 'secrets-only.log.gz')])).threads).toBe(1);
    expect((await both([join(dir, 'secrets-only.log'), '-'], {}, '')).threads).toBe(1);
    expect((await both([join(dir, 'secrets-only.log')], { source: undefined })).threads).toBe(1);
    expect((await both([join(dir, 'secrets-only.log')], { threads: 1 })).threads).toBe(1);
    process.env['KUBECTL_SECRETS_AUDIT_THREADS'] = '0';
    expect((await both([join(dir, 'secrets-only.log')])).threads).toBe(1);
  }, 30_000);

  it('counts a log still being written as it was when the count began, on every core', async () => {
    const path = join(dir, 'growing.log');
    copyFileSync(join(dir, 'secrets-only.log'), path);
    const before = readFileSync(path);
    // new requests keep coming, 50 lines at a time
    const more = generateLines(mulberry32(99), 1)[Symbol.iterator]();
    const next = () => Array.from({ length: 50 }, () => `${more.next().value}\n`).join('');
    const writer = setInterval(() => appendFileSync(path, next()), 2);
    try {
      const counted = await runAuditCount(await openAuditLogs([path]), QUERY, {
        source,
        minBytes: 0,
        threads: THREADS,
      });
      expect(counted).toMatchObject({ threads: THREADS });
      expect(counted.recounted).toBeUndefined();
      expect(counted.report.totals.bytes).toBeGreaterThanOrEqual(before.length);
      // what was there when it began, as one thread would have read it then (a line being written is the last one)
      const prefix = join(dir, 'prefix.log');
      writeFileSync(prefix, readFileSync(path).subarray(0, counted.report.totals.bytes));
      const expected = await runAudit(await openAuditLogs([prefix]), QUERY);
      expect({ ...counted.report, inputs: [] }).toEqual({ ...expected, inputs: [] });
    } finally {
      clearInterval(writer);
    }
  }, 30_000);

  it('counts GKE entries on one thread: a watch whose entries fall in two segments would make the join give up', async () => {
    const gke = await both([join(dir, 'gke.jsonl')]);
    expect(gke).toMatchObject({ threads: 1 });
    expect(gke.recounted).toBeUndefined();
    expect(gke.report).toEqual(gke.expected);
    expect(gke.expected.totals.requests).toBeGreaterThan(0);
  });

  it('counts again on one thread when the segments cannot be joined or a thread fails', async () => {
    const failing = await both([join(dir, 'secrets-only.log')], { source: 'throw new Error("no")' });
    expect(failing).toMatchObject({ threads: 1, recounted: expect.stringMatching(/^a counting thread failed: no/) });
    // a thread that dies halfway: the others are stopped, and this thread counts alone
    const dying = await both([join(dir, 'secrets-only.log')], { source: 'setTimeout(() => process.exit(3), 20)' });
    expect(dying).toMatchObject({ threads: 1, recounted: 'a counting thread exited (3)' });
    expect(dying.report).toEqual(dying.expected);
    // a document (a JSON array, two records a line): several records can share a line, so one thread reads it
    const array = await both([join(dir, 'array.json')]);
    expect(array).toMatchObject({ threads: 1, recounted: 'the logs could not be split between threads' });
    expect(array.report).toEqual(array.expected);
    expect(failing.report).toEqual(failing.expected);
  });
});
