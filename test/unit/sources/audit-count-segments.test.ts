// The threaded path (plan, segments, join) against one thread over the same files, without worker threads.
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateLines } from '../../../bench/audit/generate-log.mjs';
import { auditReport, ABANDONED, runAudit } from '../../../src/audit/run.js';
import type { AuditCount } from '../../../src/audit/audit-count.js';
import { joinSegments } from '../../../src/audit/segments.js';
import { countingPlan, type CountingPlan } from '../../../src/sources/audit-count-plan.js';
import { countSegment } from '../../../src/sources/audit-count-worker.js';
import { openAuditLogs, openedFileOf, type OpenedFile } from '../../../src/sources/audit-inputs.js';
import { mulberry32 } from '../../harness/prng.mjs';

const dir = mkdtempSync(join(tmpdir(), 'review-plan-'));

function secretLines(n: number, seed: number): string[] {
  const out: string[] = [];
  for (const line of generateLines(mulberry32(seed), 1)) if (out.push(line) >= n) break;
  return out;
}

/** What runAuditCount does with threads, on this thread: plan, count each segment, join. */
async function threaded(plan: CountingPlan, between?: () => void): Promise<AuditCount | string> {
  const counts = [];
  for (const pieces of plan.segments) {
    if (counts.length === 1) between?.();
    const count = await countSegment(plan.files, pieces, {});
    if (count === ABANDONED) return ABANDONED;
    counts.push({ count, files: pieces.map((p) => p.file) });
  }
  return joinSegments(
    counts,
    plan.files.map((f) => f.path),
    {},
  );
}

async function opened(path: string): Promise<OpenedFile[]> {
  return (await openAuditLogs([path], {})).map((i) => openedFileOf(i)!);
}

describe('counting in segments of files: as one thread, or one thread counts', () => {
  it('a log whose last line has no newline: its last request is counted', async () => {
    const path = join(dir, 'no-final-newline.log');
    writeFileSync(path, secretLines(400, 3).join('\n')); // no "\n" at the end; the last line is whole JSON
    const expected = await runAudit(await openAuditLogs([path], {}), {});
    expect(expected.skipped.incompleteLastLine).toBe(0);
    const plan = (await countingPlan(await opened(path), 0, 2))!;
    expect(plan).not.toBeNull();
    const joined = await threaded(plan);
    expect(typeof joined === 'string' ? joined : auditReport(joined, {})).toEqual(expected);
  });

  it('a log rewritten between the plan and the count (copytruncate): a piece that no longer starts at a line start is refused', async () => {
    const path = join(dir, 'rewritten.log');
    const lines = secretLines(400, 4);
    writeFileSync(path, `${lines.join('\n')}\n`);
    const plan = (await countingPlan(await opened(path), 0, 2))!;
    expect(plan.segments).toHaveLength(2);
    // the same requests, the first line 7 bytes longer: every later line starts 7 bytes further on
    writeFileSync(path, `${lines[0]}       \n${lines.slice(1).join('\n')}\n`);
    const now = await runAudit(await openAuditLogs([path], {}), {});
    const joined = await threaded(plan);
    // one thread over either version counts every request and skips nothing; the join should refuse
    // (the old sameInputs check) or equal it
    expect(typeof joined === 'string' ? 'refused' : auditReport(joined, {}).totals.requests).toBe(
      typeof joined === 'string' ? 'refused' : now.totals.requests,
    );
    if (typeof joined !== 'string') expect(auditReport(joined, {}).skipped.malformed).toBe(0);
  });

  it('a log rotated (renamed, a new one begun) after the plan: the new file is refused', async () => {
    const path = join(dir, 'audit.log');
    const lines = secretLines(400, 5);
    writeFileSync(path, `${lines.join('\n')}\n`);
    const before = await runAudit(await openAuditLogs([path], {}), {});
    const plan = (await countingPlan(await opened(path), 0, 2))!;
    // lumberjack rotation after the calling thread opened the file, before a worker thread opens it by its path
    const joined = await threaded(plan, () => {
      renameSync(path, join(dir, 'audit-2025-06-01T00-00-00.000.log'));
      writeFileSync(path, `${secretLines(3, 6).join('\n')}\n`);
    });
    // the old design's sameInputs saw the threads read different bytes and recounted; now the join
    // is accepted with about half of the rotated log
    expect(typeof joined === 'string' ? 'refused' : auditReport(joined, {}).totals.requests).toBe(
      typeof joined === 'string' ? 'refused' : before.totals.requests,
    );
  });
});
