import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit, type AuditOptions } from '../../../src/audit/run.js';
import { AuditWorkerPool } from '../../../src/sources/audit-workers.js';
import { auditWorkerSource } from '../../../scripts/audit-worker-source.mjs';
import { generateLines } from '../../../bench/audit/generate-log.mjs';
import { mulberry32 } from '../../harness/prng.mjs';
import { trickyLog } from './tricky-log.js';
import { FIXTURES, fixture, memoryInput } from './memory-input.js';

const CAP = 4096;
let source = '';
beforeAll(async () => {
  source = await auditWorkerSource();
});

/** The same inputs read on this thread and on worker threads, in small batches so that many are in flight. */
async function both(files: { name: string; content: Buffer }[], options: AuditOptions, pool: AuditWorkerPool) {
  const inputs = () => files.map((f) => memoryInput(f.name, f.content, 7919));
  const alone = await runAudit(inputs(), options);
  const threaded = await runAudit(inputs(), { ...options, pool, batchBytes: 2048 });
  return { alone, threaded };
}

describe('records read on worker threads give the same report', { timeout: 60_000 }, () => {
  const pools: AuditWorkerPool[] = [];
  const pool = (size = 2) => {
    const p = new AuditWorkerPool(source, size);
    pools.push(p);
    return p;
  };
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
  });

  it('on damaged, multi-file logs: counts, rows, skipped lines in order, inputs', async () => {
    for (const seed of [11, 12]) {
      const log = trickyLog(seed, 1500, CAP);
      const { alone, threaded } = await both(log.files, { includeSystem: true, maxLineBytes: CAP }, pool());
      expect(threaded).toEqual(alone);
      expect(alone.totals.requests).toBeGreaterThan(500);
      expect(pools.at(-1)!.threadBatches).toBeGreaterThan(10);
    }
  });

  it('on a generated secrets-only log, grouped every way', async () => {
    const lines: string[] = [];
    for (const line of generateLines(mulberry32(5), 1)) if (lines.push(line) >= 6000) break;
    const content = Buffer.from(`${lines.join('\n')}\n`);
    for (const by of ['subject', 'secret', 'source'] as const) {
      const { alone, threaded } = await both(
        [{ name: 'secrets.log', content }],
        { groupBy: by, includeSystem: by === 'subject' },
        pool(1),
      );
      expect(threaded).toEqual(alone);
    }
  });

  it('on every fixture format', async () => {
    const files = readdirSync(FIXTURES).map((name) => ({ name, content: fixture(name) }));
    const { alone, threaded } = await both(files, { includeSystem: true }, pool());
    expect(threaded).toEqual(alone);
  });

  it('counts a request once when its stages land in different batches, threads and inputs, or it is logged twice', async () => {
    const lines: string[] = [];
    for (const line of generateLines(mulberry32(8), 1)) if (lines.push(line) >= 3000) break;
    // every first stage, then every later one: a request's stages are far apart
    const first = lines.filter((l) => l.includes('"stage":"RequestReceived"'));
    const later = lines.filter((l) => !l.includes('"stage":"RequestReceived"'));
    const files = [
      { name: 'a.log', content: Buffer.from(`${first.join('\n')}\n`) },
      { name: 'b.log', content: Buffer.from(`${later.join('\n')}\n`) },
      // a rotated copy read again
      { name: 'c.log', content: Buffer.from(`${later.slice(0, 500).join('\n')}\n`) },
    ];
    const threads = pool(2);
    const { alone, threaded } = await both(files, { includeSystem: true }, threads);
    expect(threaded).toEqual(alone);
    expect(threads.threadBatches).toBeGreaterThan(20);
    const once = await runAudit([memoryInput('all.log', `${lines.join('\n')}\n`)], { includeSystem: true });
    expect(threaded.totals.requests).toBe(once.totals.requests);
    expect(threaded.rows).toEqual(once.rows);
  });

  it('starts no thread for a log where Secret reads are rare, one per partition where they are most lines', async () => {
    for (const [share, threads] of [
      [0.02, 0],
      [1, 2],
    ] as const) {
      const lines: string[] = [];
      for (const line of generateLines(mulberry32(9), share)) if (lines.push(line) >= 6000) break;
      const content = Buffer.from(`${lines.join('\n')}\n`);
      const p = pool(2);
      // batches big enough that the share is measured over many lines, not the first few
      const options = { includeSystem: true, batchBytes: 16384 };
      const threaded = await runAudit([memoryInput('audit.log', content, 65536)], { ...options, pool: p });
      expect(threaded).toEqual(await runAudit([memoryInput('audit.log', content)], options));
      expect(p.threads).toBe(threads);
      if (threads === 0) expect(p.threadBatches).toBe(0);
    }
  });

  it('reads a few small logs here, without starting threads', async () => {
    const threads = pool(2);
    const files = [1, 2].map((n) => ({ name: `audit-${n}.log`, content: Buffer.from(`${trickyLine(n)}\n`) }));
    const inputs = files.map((f) => memoryInput(f.name, f.content));
    const report = await runAudit(inputs, { includeSystem: true, pool: threads });
    expect(report.totals.requests).toBe(2);
    expect(threads.threadBatches).toBe(0);
  });

  it('fails the run, with an error, when a thread that had counted part of it dies', async () => {
    // answers the start, then dies on its first batch
    const dying = new AuditWorkerPool(
      'const { parentPort } = require("node:worker_threads"); let n = 0;' +
        'parentPort.on("message", () => { if (n++ === 0) parentPort.postMessage(null); else process.exit(3); });',
      2,
    );
    pools.push(dying);
    const log = trickyLog(14, 800, CAP);
    const inputs = log.files.map((f) => memoryInput(f.name, f.content, 7919));
    await expect(
      runAudit(inputs, { includeSystem: true, maxLineBytes: CAP, pool: dying, batchBytes: 2048 }),
    ).rejects.toThrow(/an audit worker thread failed/);
  });

  it('when a thread fails, its batches are read on this one', async () => {
    const broken = new AuditWorkerPool('throw new Error("no worker today")', 2);
    pools.push(broken);
    const log = trickyLog(13, 800, CAP);
    const { alone, threaded } = await both(log.files, { includeSystem: true, maxLineBytes: CAP }, broken);
    expect(threaded).toEqual(alone);
    expect(broken.threadBatches).toBe(0);
  });
});

/** One Secret read, as the API server logs it, with its own auditID. */
function trickyLine(n: number): string {
  return (
    `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"00000000-0000-4000-8000-00000000000${n}",` +
    `"stage":"ResponseComplete","requestURI":"/api/v1/namespaces/prod/secrets/db","verb":"get","user":{"username":"alice"},` +
    `"objectRef":{"resource":"secrets","namespace":"prod","name":"db","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},` +
    `"requestReceivedTimestamp":"2025-06-01T10:00:00.000000Z","stageTimestamp":"2025-06-01T10:00:00.100000Z"}`
  );
}
