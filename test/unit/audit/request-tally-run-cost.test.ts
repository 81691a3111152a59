// What the WebAssembly request tally (src/audit/request-tally.ts, wasm/request-tally.as.ts) costs on the runs of
// lines it counts a chunk at a time (countRun, LineScanner's LineHandler.run): never far more work than
// JavaScript alone (a count with onRequest), though its reports are the same.
import { describe, expect, it, vi } from 'vitest';
import { runAudit, type AuditOptions } from '../../../src/audit/run.js';
import { RequestCounter } from '../../../src/audit/request-counter.js';
import { WasmEventReader } from '../../../src/audit/wasm-event.js';
import { memoryInput } from './memory-input.js';
import { javascriptAlone } from './javascript-alone.js';

/** src/sources/read-chunks.ts CHUNK_BYTES: what the CLI reads a file by. */
const CHUNK_BYTES = 4 << 20;

/** One line a request, each a plain Secret read with a UUID; `verbOf` picks its verb, `day` its day of May 2025. */
function plainLog(requests: number, day: number, verbOf: (i: number) => string = () => 'get'): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < requests; i++) {
    const base = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      auditID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      requestURI: '/api/v1/namespaces/prod/secrets/db',
      verb: verbOf(i),
      user: { username: 'alice' },
      sourceIPs: ['10.0.0.1'],
      objectRef: { resource: 'secrets', namespace: 'prod', name: 'db' },
      requestReceivedTimestamp: new Date(Date.UTC(2025, 4, day) + i * 10).toISOString().replace('Z', '123Z'),
    };
    lines.push(JSON.stringify({ ...base, stage: 'RequestReceived' }));
    lines.push(JSON.stringify({ ...base, stage: 'ResponseComplete', responseStatus: { code: 200 } }));
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

/** The report with the tally, checked against the one of JavaScript alone. */
async function agrees(content: Buffer, options: AuditOptions = {}) {
  const reference = await javascriptAlone([memoryInput('a.log', content, CHUNK_BYTES)], options);
  const tallied = await runAudit([memoryInput('a.log', content, CHUNK_BYTES)], options);
  expect(tallied).toEqual(reference);
  return reference;
}

describe('the request tally does the work it saves JavaScript', () => {
  // wasm-event.ts countRun copies min(end - start, lineRoom) bytes, up to 1.1 MiB, of the rest of the chunk into
  // WebAssembly memory at every run it starts, however few lines the run then counts. A run ends at the first line
  // the tally does not count (a Secret write, a read it leaves to JavaScript, a line past 4 KiB...), and the next
  // starts two lines on: with a Secret update every 10th line, a 39 MB log copies 1.1 GB, and the count takes
  // 616 ms of CPU against 287 ms for JavaScript alone (149 ms with a 64 KiB window).
  it('a run copies into WebAssembly memory about the lines it counts, not the rest of the chunk each time', async () => {
    const log = plainLog(5000, 20, (i) => (i % 5 === 4 ? 'update' : 'get'));
    const copy = vi.spyOn(Buffer.prototype, 'copy');
    const runs = vi.spyOn(WasmEventReader.prototype, 'countRun');
    let copied = 0;
    try {
      await runAudit([memoryInput('a.log', log, CHUNK_BYTES)], {});
      expect(runs.mock.calls.length).toBeGreaterThan(100);
      // Copies into the walk's memory (tens of MB), not the chunk copies of the input.
      for (const [target, , from = 0, to = 0] of copy.mock.calls as [Uint8Array, number, number?, number?][])
        if (target.byteLength >= 5 << 20) copied += to - from;
    } finally {
      copy.mockRestore();
    }
    // Each line walked alone is copied once; a run may read ahead a little (16 KiB) past what it counts.
    expect(copied).toBeLessThan(2 * log.length + runs.mock.calls.length * (16 << 10));
    runs.mockRestore();
    await agrees(log);
  });

  // timestamp.as.ts epochMs answers NaN for a day past the 28th (so as not to check the month's length), and the
  // tally's readTime (wasm/request-tally.as.ts) takes NaN for "JavaScript must tell": every line of the 29th, 30th
  // and 31st of a month is left to JavaScript. Its requests become JavaScript's (leaveToJavascript) until 4,096 of
  // them fill that set and the tally hands over: the tally counts nothing on those days, and the count, each line
  // walked twice before that (countRun, then alone), takes 430 ms of CPU against 275 ms for JavaScript alone
  // (50,000 requests; 96 ms on the 20th). Date.parse rolls a day past the month's end over (2025-02-30 is March 2),
  // as the days-from-civil formula does when the day is not bounded by 28.
  it.each([29, 30, 31])(
    'a log of plain requests of day %i of a month: RequestCounter counts none of them',
    async (day) => {
      const log = plainLog(500, day);
      const expected = await agrees(log);
      expect(expected.totals.requests).toBe(500);
      const add = vi.spyOn(RequestCounter.prototype, 'add');
      try {
        await runAudit([memoryInput('a.log', log, CHUNK_BYTES)], {});
        expect(add).not.toHaveBeenCalled();
      } finally {
        add.mockRestore();
      }
    },
  );
});
