// The WebAssembly request tally and requests JavaScript counts first, noted flagged in the tally's finished
// table (7bf53d7). A differential check: few UUIDs, stages in any order, escaped (JavaScript's) or not,
// the same UUID with another user (another fingerprint), lines repeated (rotated overlapping files).
import { describe, expect, it, vi } from 'vitest';
import { RequestTally } from '../../../src/audit/request-tally.js';
import { ABANDONED, auditReport, countAudit, runAudit, type AuditOptions } from '../../../src/audit/run.js';
import { joinSegments } from '../../../src/audit/segments.js';
import { samplesEnd } from '../../../src/audit/input-scan.js';
import { mulberry32 } from '../../harness/prng.mjs';
import { memoryInput } from './memory-input.js';
import { javascriptAlone, withoutTally } from './javascript-alone.js';

const STAGES = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];

function mixedLines(seed: number, count: number, idCount = 40, repeats = 0.1, tallyKept = false): string[] {
  const random = mulberry32(seed);
  // tallyKept: a request's stages are escaped only when the first of its lines was (JavaScript's from the start).
  const javascripts = new Map<string, boolean>();
  const ids = Array.from({ length: idCount }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 10 && random() < repeats) {
      lines.push(lines[Math.floor(random() * lines.length)]!);
      continue;
    }
    const stage = STAGES[Math.floor(random() * STAGES.length)]!;
    const event = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      auditID: ids[Math.floor(random() * ids.length)]!,
      stage,
      requestURI: '/api/v1/namespaces/prod/secrets/db',
      verb: 'get',
      user: { username: random() < 0.8 ? 'alice' : 'bob' },
      sourceIPs: ['10.0.0.1'],
      objectRef: { resource: 'secrets', namespace: 'prod', name: 'db' },
      requestReceivedTimestamp: new Date(Date.UTC(2025, 4, 20) + Math.floor(random() * 100000)).toISOString(),
      stageTimestamp: new Date(Date.UTC(2025, 4, 20) + Math.floor(random() * 100000)).toISOString(),
      ...(stage === 'RequestReceived' ? {} : { responseStatus: { code: random() < 0.8 ? 200 : 403 } }),
    };
    let line = JSON.stringify(event);
    const request = `${event.auditID} ${event.user.username}`;
    const firstLine = !javascripts.has(request);
    if (firstLine) javascripts.set(request, random() < 0.3);
    if (tallyKept ? javascripts.get(request) && (firstLine || random() < 0.6) : random() < 0.3)
      line = line.replace('"name":"db"', '"name":"\\u0064b"');
    lines.push(line);
  }
  return lines;
}

/** Requests of two stages in order, interleaved, each stage escaped (JavaScript's) or not; some UUIDs used twice by two users. */
function orderedLines(seed: number, requests: number, tallyKept = false): string[] {
  const random = mulberry32(seed);
  const slots: (string | undefined)[] = [];
  for (let i = 0; i < requests; i++) {
    const id = `00000000-0000-4000-8000-${String(i % Math.floor(requests * 0.8)).padStart(12, '0')}`;
    const start = Date.UTC(2025, 4, 20) + i * 1000;
    const base = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      auditID: id,
      requestURI: '/api/v1/namespaces/prod/secrets/db',
      verb: 'get',
      user: { username: i < requests * 0.8 ? 'alice' : 'bob' },
      sourceIPs: ['10.0.0.1'],
      objectRef: { resource: 'secrets', namespace: 'prod', name: 'db' },
      requestReceivedTimestamp: new Date(start).toISOString(),
    };
    // tallyKept: a request's last stage is escaped only when its first is (the tally then never holds a stage JavaScript reads).
    const escapedFirst = random() < 0.3;
    let stage = 0;
    const escape = (line: string) =>
      (stage++ === 0 ? escapedFirst : (!tallyKept || escapedFirst) && random() < 0.3)
        ? line.replace('"name":"db"', '"name":"\\u0064b"')
        : line;
    const at = 2 * i;
    const gap = 1 + Math.floor(random() * 20);
    const put = (k: number, line: string) => {
      while (slots[k] !== undefined) k++;
      slots[k] = line;
    };
    put(
      at,
      escape(JSON.stringify({ ...base, stage: 'RequestReceived', stageTimestamp: base.requestReceivedTimestamp })),
    );
    put(
      at + gap,
      escape(
        JSON.stringify({
          ...base,
          stage: 'ResponseComplete',
          stageTimestamp: new Date(start + 500).toISOString(),
          responseStatus: { code: 200 },
        }),
      ),
    );
  }
  return slots.filter((line): line is string => line !== undefined);
}

const content = (lines: string[]) => Buffer.from(`${lines.join('\n')}\n`);
const OPTIONS: AuditOptions[] = [
  {},
  { includeSystem: true },
  { groupBy: 'secret' },
  { deniedOnly: true },
  { since: '2025-05-20T00:00:30Z', until: '2025-05-20T00:01:10Z' },
  { groupBy: 'verb', namespace: 'prod', name: 'db' },
];

describe('the request tally: requests JavaScript counts first, flagged in the finished table', () => {
  it('the report with the tally is the one of JavaScript alone', async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const lines = mixedLines(seed, 300);
      for (const options of OPTIONS) {
        const reference = await javascriptAlone([memoryInput('a.log', content(lines), 4096)], options);
        const tallied = await runAudit([memoryInput('a.log', content(lines), 4096)], options);
        expect(tallied, `seed ${seed} ${JSON.stringify(options)}`).toEqual(reference);
      }
    }
  }, 120_000);

  it('rotated overlapping files: the same', async () => {
    for (let seed = 40; seed <= 60; seed++) {
      const lines = mixedLines(seed, 300);
      const files = () => [
        memoryInput('a.log', content(lines.slice(0, 200)), 4096),
        memoryInput('b.log', content(lines.slice(150)), 4096),
      ];
      for (const options of OPTIONS) {
        const reference = await javascriptAlone(files(), options);
        const tallied = await runAudit(files(), options);
        expect(tallied, `seed ${seed} ${JSON.stringify(options)}`).toEqual(reference);
      }
    }
  }, 120_000);

  it('the tally keeps counting (one hand-over, at the end) past requests JavaScript counts first: the same report', async () => {
    const handOver = vi.spyOn(RequestTally.prototype, 'handOver');
    try {
      for (let seed = 200; seed <= 230; seed++) {
        const lines = seed % 2 ? orderedLines(seed, 300, true) : mixedLines(seed, 700, 150, 0.1, true);
        const files = () => [
          memoryInput('a.log', content(lines.slice(0, 400)), 4096),
          memoryInput('b.log', content(lines.slice(300)), 4096),
        ];
        for (const options of OPTIONS) {
          const reference = await javascriptAlone(files(), options);
          handOver.mockClear();
          const tallied = await runAudit(files(), options);
          // A query that leaves out some of a request's lines (a time window, denied only) may leave the tally
          // a stage JavaScript then reads: it hands over then, by design.
          if (!options.since && !options.deniedOnly)
            expect(handOver, `seed ${seed} ${JSON.stringify(options)}`).toHaveBeenCalledTimes(1);
          expect(tallied, `seed ${seed} ${JSON.stringify(options)}`).toEqual(reference);
        }
      }
    } finally {
      handOver.mockRestore();
    }
  }, 120_000);

  it('more flagged requests than the finished table holds before it grows (65,536 slots at 60%): the same report', async () => {
    const lines: string[] = [];
    const base = (i: number, user: string) => ({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      auditID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      requestURI: '/api/v1/namespaces/prod/secrets/db',
      verb: 'get',
      user: { username: user },
      objectRef: { resource: 'secrets', namespace: 'prod', name: 'db' },
      requestReceivedTimestamp: new Date(Date.UTC(2025, 4, 20) + i * 10).toISOString(),
    });
    for (let i = 0; i < 45_000; i++) {
      // JavaScript reads the first stage (an escaped name), the tally the last: flagged, left to JavaScript.
      const received = JSON.stringify({ ...base(i, 'alice'), stage: 'RequestReceived' });
      lines.push(received.replace('"name":"db"', '"name":"\\u0064b"'));
      lines.push(JSON.stringify({ ...base(i, 'alice'), stage: 'ResponseComplete', responseStatus: { code: 200 } }));
      // The same UUID, another user: the tally's own.
      if (i % 3 === 0) {
        lines.push(JSON.stringify({ ...base(i, 'bob'), stage: 'RequestReceived' }));
        lines.push(JSON.stringify({ ...base(i, 'bob'), stage: 'ResponseComplete', responseStatus: { code: 403 } }));
      }
    }
    // A late stage of each kind, after the table grew.
    lines.push(lines[1]!, lines[2]!, lines[3]!);
    const handOver = vi.spyOn(RequestTally.prototype, 'handOver');
    try {
      const reference = await javascriptAlone([memoryInput('a.log', content(lines))]);
      const tallied = await runAudit([memoryInput('a.log', content(lines))], {});
      expect(handOver).toHaveBeenCalledTimes(1);
      expect(tallied).toEqual(reference);
      expect(reference.totals.requests).toBe(60_000);
      // Counted as two segments (the finished tables keep times), cut between a request's two stages.
      lines.splice(-3);
      const cut = lines.length - 2001;
      const join = async (extra: AuditOptions) => {
        const segments = [];
        for (const [k, piece] of [lines.slice(0, cut), lines.slice(cut)].entries()) {
          const count = await countAudit([memoryInput('a.log', content(piece))], {
            ...extra,
            pieces: [{ first: k === 0, whole: false }],
          });
          if (count === ABANDONED) throw new Error('abandoned');
          segments.push({ count, files: [0] });
        }
        const joined = joinSegments(segments, ['a.log'], {});
        return typeof joined === 'string' ? joined : auditReport(joined, {});
      };
      const joinedAlone = await withoutTally(() => join({ onRequest: () => {} }));
      expect(typeof joinedAlone).not.toBe('string');
      expect(await join({})).toEqual(joinedAlone);
      expect(joinedAlone).toEqual(await javascriptAlone([memoryInput('a.log', content(lines))]));
    } finally {
      handOver.mockRestore();
    }
  }, 120_000);

  it('segments joined: the one-thread report of JavaScript alone', async () => {
    let joinedCount = 0;
    for (let seed = 70; seed <= 170; seed++) {
      const lines = orderedLines(seed, 200, seed % 2 === 0);
      const first = lines.findIndex((_, i) => samplesEnd(content(lines.slice(0, i))) !== -1);
      if (first < 0) continue;
      const random = mulberry32(seed);
      const cut = first + Math.floor(random() * (lines.length - first));
      const options: AuditOptions = { includeSystem: true };
      const pieces = [lines.slice(0, cut), lines.slice(cut)];
      const join = async (extra: AuditOptions) => {
        const segments = [];
        for (let k = 0; k < 2; k++) {
          const count = await countAudit([memoryInput('a.log', content(pieces[k]!), 4096)], {
            ...options,
            ...extra,
            pieces: [{ first: k === 0, whole: false }],
          });
          if (count === ABANDONED) throw new Error('abandoned');
          segments.push({ count, files: [0] });
        }
        const joined = joinSegments(segments, ['a.log'], options);
        return typeof joined === 'string' ? joined : auditReport(joined, options);
      };
      const reference = await withoutTally(() => join({ onRequest: () => {} }));
      expect(await join({}), `seed ${seed} cut ${cut}`).toEqual(reference);
      if (typeof reference !== 'string') joinedCount++;
      if (typeof reference !== 'string') {
        const one = await javascriptAlone([memoryInput('a.log', content(lines), 4096)], options);
        expect({ ...reference, metadata: undefined }, `seed ${seed} cut ${cut} first ${first}`).toEqual({
          ...one,
          metadata: undefined,
        });
      }
    }
    expect(joinedCount).toBeGreaterThan(10);
  }, 120_000);

  it("a count's rows taken as they are (Aggregator.merge): a count reported or joined again gives the same", async () => {
    const lines = orderedLines(300, 200, true);
    const first = lines.findIndex((_, i) => samplesEnd(content(lines.slice(0, i))) !== -1);
    const cut = first + 150;
    const segments = [];
    for (const [k, piece] of [lines.slice(0, cut), lines.slice(cut)].entries()) {
      const count = await countAudit([memoryInput('a.log', content(piece))], {
        pieces: [{ first: k === 0, whole: false }],
      });
      if (count === ABANDONED) throw new Error('abandoned');
      segments.push({ count, files: [0] });
    }
    const once = joinSegments(segments, ['a.log'], {});
    if (typeof once === 'string') throw new Error(once);
    const report = auditReport(once, {});
    expect(auditReport(once, {})).toEqual(report);
    const whole = await countAudit([memoryInput('a.log', content(lines))], {});
    if (whole === ABANDONED) throw new Error('abandoned');
    expect(auditReport(whole, {})).toEqual(auditReport(whole, {}));
    // DEFECT (latent): joinSegments adopts the first segment's RowBuilders (aggregate.ts merge, 0ecb95a) and then
    // merges the later segments into them: the first segment's count is changed, and a second join of the same
    // counts adds the later segments twice (counts 243 instead of 160 here). No caller joins twice today
    // (audit-count-threads.ts recounts with runAudit), but joinSegments' signature says nothing of it.
    const again = joinSegments(segments, ['a.log'], {});
    expect(typeof again === 'string' ? again : auditReport(again, {})).toEqual(report);
  });
});
