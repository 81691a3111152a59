// The reference the request tally is tested against: a count in JavaScript alone (RequestCounter and Aggregator,
// each line the walk reads made a read in JavaScript), without the tally at all, not even as the filter a caller
// that wants each request gets (request-tally.ts, start's `filter`).
import { expect, vi } from 'vitest';
import { RequestTally } from '../../../src/audit/request-tally.js';
import type { AuditReport } from '../../../src/audit/report-types.js';
import { runAudit, type AuditInput, type AuditOptions } from '../../../src/audit/run.js';

/** What `count` answers with no tally started on this thread. */
export async function withoutTally<T>(count: () => Promise<T>): Promise<T> {
  const start = vi.spyOn(RequestTally, 'start').mockReturnValue(null);
  try {
    return await count();
  } finally {
    start.mockRestore();
  }
}

/** What `count` answers as it runs, checked equal to its answer in JavaScript alone, which it returns. */
export async function agreesWithJavascriptAlone<T>(count: () => Promise<T>, what: string): Promise<T> {
  const reference = await withoutTally(count);
  expect(await count(), what).toEqual(reference);
  return reference;
}

/** runAudit in JavaScript alone. */
export function javascriptAlone(inputs: AuditInput[], options: AuditOptions = {}): Promise<AuditReport> {
  return withoutTally(() => runAudit(inputs, { ...options, onRequest: () => {} }));
}
