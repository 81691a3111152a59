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
      const { alone, threaded } = await both([{ name: 'secrets.log', content }], { groupBy: by, includeSystem: by === 'subject' }, pool(1));
      expect(threaded).toEqual(alone);
    }
  });

  it('on every fixture format', async () => {
    const files = readdirSync(FIXTURES).map((name) => ({ name, content: fixture(name) }));
    const { alone, threaded } = await both(files, { includeSystem: true }, pool());
    expect(threaded).toEqual(alone);
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
