// Where a log begins must not depend on the order its records are written in: `gcloud logging read --format=json`
// (the GKE export this tool reads) writes the newest entries first (its --order defaults to desc).
import { describe, expect, it } from 'vitest';
import { runAudit } from '../../../src/audit/run.js';
import { fixture, memoryInput } from './memory-input.js';

const entry = JSON.parse(fixture('gke-export.json').toString())[0] as Record<string, unknown>;
const hour = (h: number) => `2025-06-02T${String(h).padStart(2, '0')}:00:00.000Z`;

function gkeExport(hours: number[]): string {
  const entries = hours.map((h, i) => ({
    ...entry,
    insertId: `gke-${i}`,
    operation: { first: true, id: `gke-${i}`, last: true, producer: 'k8s.io' },
    timestamp: hour(h).replace('.000Z', '.000000Z'),
    receiveTimestamp: hour(h).replace('.000Z', '.512000000Z'),
  }));
  return JSON.stringify(entries, null, 2);
}

describe('where a log begins, whatever order its records are in', () => {
  it('a gcloud export, oldest first', async () => {
    const report = await runAudit([memoryInput('gke.json', gkeExport([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))]);
    expect(report.inputs[0]!.startsAt).toBe(hour(1));
  });

  it('a gcloud export as gcloud writes it, newest first: it begins at its earliest entry, not its newest', async () => {
    const report = await runAudit([memoryInput('gke.json', gkeExport([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]))]);
    // the reads it counts go back to 01:00
    expect(report.rows.map((r) => [r.count, r.firstSeen])).toEqual([[10, hour(1)]]);
    const startsAt = report.inputs[0]!.startsAt;
    // null (unknown) would be safe; a time later than 01:00 claims the log does not cover what it holds
    if (startsAt !== null) expect(Date.parse(startsAt)).toBeLessThanOrEqual(Date.parse(hour(1)));
  });
});
