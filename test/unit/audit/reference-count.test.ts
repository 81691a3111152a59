import { describe, expect, it } from 'vitest';
import { runAudit } from '../../../src/audit/run.js';
import { memoryInput } from './memory-input.js';
import { referenceCount, trickyLog } from './tricky-log.js';

const CAP = 4096;

describe('counts agree with a plain reference parser on generated logs', () => {
  for (const [seed, requests] of [
    [1, 400],
    [2, 400],
    [3, 400],
    [4, 3000],
  ] as const) {
    it(`seed ${seed}, ${requests} requests: requests, denials, subjects and skipped lines`, async () => {
      const log = trickyLog(seed, requests, CAP);
      const expected = referenceCount(log.files, CAP);
      expect(expected.requests).toBeGreaterThan(150);
      const chunkBytes = [97, 4096, 1 << 20][seed % 3]!;
      const report = await runAudit(
        log.files.map((f) => memoryInput(f.name, f.content, chunkBytes)),
        { includeSystem: true, maxLineBytes: CAP },
      );
      expect(report.totals.requests).toBe(expected.requests);
      expect(report.totals.denied).toBe(expected.denied);
      expect(new Map(report.rows.map((r) => [r.key, [r.count, r.denied]]))).toEqual(expected.bySubject);
      const { firstLineNumbers, ...skipped } = report.skipped;
      expect(skipped).toEqual({ ...log.planted, truncated: 0 });
      expect(firstLineNumbers.length).toBe(
        Math.min(10, Object.values(log.planted).reduce((a, b) => a + b, 0) - log.planted.emptyFiles),
      );
      expect(report.inputs.map((i) => i.format)).toEqual(['mixed', 'mixed', 'mixed', 'empty']);
    });
  }

  it('with a Secret name, counts the reads that reach it', async () => {
    const log = trickyLog(7, 400, CAP);
    const expected = referenceCount(log.files, CAP, 'db-password');
    const report = await runAudit(
      log.files.map((f) => memoryInput(f.name, f.content)),
      { includeSystem: true, maxLineBytes: CAP, name: 'db-password' },
    );
    expect(report.totals.requests).toBe(expected.requests);
    expect(new Map(report.rows.map((r) => [r.key, [r.count, r.denied]]))).toEqual(expected.bySubject);
  });
});
