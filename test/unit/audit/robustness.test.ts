import { describe, expect, it } from 'vitest';
import { runAudit } from '../../../src/audit/run.js';
import { memoryInput } from './memory-input.js';

const read = (id: string, name = 'db-password', user = 'alice') =>
  JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: id,
    stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/prod/secrets/${name}`,
    verb: 'get',
    user: { username: user, groups: ['system:authenticated'] },
    sourceIPs: ['203.0.113.10'],
    objectRef: { resource: 'secrets', namespace: 'prod', name, apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 200 },
    requestReceivedTimestamp: '2025-06-01T10:00:00.000000Z',
    stageTimestamp: '2025-06-01T10:00:00.001000Z',
  });

describe('damaged input is skipped and counted, never fatal', () => {
  it('skips malformed, non-UTF-8 and huge lines with their line numbers, and tells an unfinished last line apart', async () => {
    const good = read('id-1');
    // cut after objectRef: enough to tell it may read a Secret
    const cut = (line: string) => line.slice(0, line.indexOf('"responseStatus"') + 5);
    const malformed = `${cut(read('id-2'))}}}`;
    const nonUtf8 = Buffer.concat([
      Buffer.from(read('id-3').slice(0, 100)),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(read('id-3').slice(100)),
    ]);
    const huge = read('id-4', 'x'.repeat(3000));
    const unfinished = read('id-5').slice(0, 120);
    const content = Buffer.concat([
      Buffer.from(`${good}\n${malformed}\n`),
      nonUtf8,
      Buffer.from(
        `\n{"kind":"Event","auditID":"not-about-anything"}\nthis line is not JSON and never mentions them\n${huge}\n${read('id-6')}\n${unfinished}`,
      ),
    ]);
    for (const chunkBytes of [64, 333, 1 << 20]) {
      const report = await runAudit([memoryInput('damaged.log', content, chunkBytes)], { maxLineBytes: 2048 });
      expect(report.totals.requests).toBe(2);
      expect(report.skipped).toEqual({
        malformed: 1,
        truncated: 0,
        nonUtf8: 1,
        huge: 1,
        incompleteLastLine: 1,
        emptyFiles: 0,
        firstLineNumbers: [
          { file: 'damaged.log', line: 2, reason: 'malformed' },
          { file: 'damaged.log', line: 3, reason: 'non-utf8' },
          { file: 'damaged.log', line: 6, reason: 'huge' },
          { file: 'damaged.log', line: 8, reason: 'incomplete-last-line' },
        ],
      });
      expect(report.inputs[0]).toMatchObject({ lines: 8, bytes: content.length });
    }
  });

  it('a log of one bad line is malformed when the line ends with a newline, an incomplete last line when not', async () => {
    const cut = read('id-1').slice(0, read('id-1').indexOf('"responseStatus"') + 5);
    for (const chunkBytes of [7, 1 << 20]) {
      const whole = await runAudit([memoryInput('one.log', `${cut}\n`, chunkBytes)]);
      expect(whole.skipped).toMatchObject({ malformed: 1, incompleteLastLine: 0 });
      expect(whole.skipped.firstLineNumbers).toEqual([{ file: 'one.log', line: 1, reason: 'malformed' }]);
      expect(whole.inputs[0]).toMatchObject({ lines: 1 });
      const unfinished = await runAudit([memoryInput('one.log', cut, chunkBytes)]);
      expect(unfinished.skipped).toMatchObject({ malformed: 0, incompleteLastLine: 1 });
    }
  });

  it('accepts a complete last line without a final newline', async () => {
    const report = await runAudit([memoryInput('a.log', `${read('id-1')}\n${read('id-2')}`)]);
    expect(report.totals.requests).toBe(2);
    expect(report.skipped.incompleteLastLine).toBe(0);
  });

  it('counts empty inputs (and blank ones) as empty files', async () => {
    const report = await runAudit([
      memoryInput('empty.log', ''),
      memoryInput('blank.log', '\n\r\n\n'),
      memoryInput('ok.log', `${read('id-1')}\n`),
    ]);
    expect(report.skipped.emptyFiles).toBe(2);
    expect(report.inputs.map((i) => i.format)).toEqual(['empty', 'empty', 'k8s-v1']);
    expect(report.totals.requests).toBe(1);
  });

  it('reads CRLF line endings and a byte order mark', async () => {
    const report = await runAudit([memoryInput('crlf.log', `\ufeff${read('id-1')}\r\n${read('id-2')}\r\n`, 7)]);
    expect(report.totals.requests).toBe(2);
    expect(report.skipped.malformed).toBe(0);
  });

  it('skips a line far over the cap without keeping it, then reads on', async () => {
    const big = `{"kind":"Event","note":"${'secrets '.repeat(300_000)}"}`;
    const report = await runAudit([memoryInput('big.log', `${big}\n${read('id-1')}\n`, 64 * 1024)], {
      maxLineBytes: 1 << 20,
    });
    expect(report.skipped.huge).toBe(1);
    expect(report.skipped.firstLineNumbers).toEqual([{ file: 'big.log', line: 1, reason: 'huge' }]);
    expect(report.totals.requests).toBe(1);
  });

  it('a reader that fails midway adds a warning and keeps what it read', async () => {
    const failing = {
      path: 'broken.log.gz',
      compressed: true,
      async *chunks() {
        yield Buffer.from(`${read('id-1')}\n`);
        throw new Error('unexpected end of file');
      },
    };
    const report = await runAudit([failing, memoryInput('ok.log', `${read('id-2')}\n`)]);
    expect(report.totals.requests).toBe(2);
    expect(report.warnings).toEqual([
      expect.stringMatching(
        /^broken\.log\.gz: cannot read: unexpected end of file, at byte \d+; the rest of this file was not read$/,
      ),
    ]);
    expect(report.inputs[0]!.readError).toMatchObject({ bytesRead: expect.any(Number), compressedOffset: null });
  });

  it("a wrong CRC at a gzip member's end: the lines before count, the warning says the damage lies in them", async () => {
    const damaged = {
      path: 'crc.log.gz',
      compressed: true,
      async *chunks() {
        yield Buffer.from(`${read('id-1')}\n${read('id-2')}\n`);
        throw Object.assign(new Error('incorrect data check'), {
          gzip: 'corrupt',
          compressedOffset: 992,
          compressedSize: 1000,
        });
      },
    };
    const report = await runAudit([damaged]);
    expect(report.totals.requests).toBe(2);
    expect(report.warnings).toEqual([
      expect.stringMatching(
        /^crc\.log\.gz: corrupt gzip data at compressed byte 992 of 1000 \(\d+ bytes read after decompression\): incorrect data check \(the damage lies in the data before it\); the rest of this file was not read$/,
      ),
    ]);
  });

  it('warns about an input in which nothing is an audit event', async () => {
    const report = await runAudit([memoryInput('notes.txt', 'hello\nworld\n')]);
    expect(report.inputs[0]!.format).toBe('unknown');
    expect(report.warnings).toEqual(['notes.txt: no audit events recognised']);
  });
});

describe('fuzzed input never throws', () => {
  const random = (() => {
    let s = 12345;
    return () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
  })();
  const bases = [
    Buffer.from(`${read('f-1')}\n${read('f-2', 'x', 'bob')}\n`),
    Buffer.from(
      JSON.stringify(
        { records: [{ category: 'kube-audit', properties: { log: read('f-4') } }, JSON.parse(read('f-5'))] },
        null,
        2,
      ),
    ),
  ];
  const odd = [null, 5, 'str', [], {}, [1, 'a'], { a: [null] }, true];

  it('byte-level damage', async () => {
    for (let round = 0; round < 200; round++) {
      const bytes = Buffer.from(bases[round % 2]!);
      for (let k = 0; k < 5; k++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      await expect(runAudit([memoryInput('fuzz.log', bytes, 1 + Math.floor(random() * 300))])).resolves.toBeDefined();
    }
  });

  it('fields of unexpected types, in every envelope', async () => {
    const event = JSON.parse(read('f-3')) as Record<string, unknown>;
    const paths = [
      'verb',
      'auditID',
      'stage',
      'user',
      'impersonatedUser',
      'sourceIPs',
      'userAgent',
      'objectRef',
      'responseStatus',
      'annotations',
      'requestURI',
      'requestReceivedTimestamp',
    ];
    const lines: string[] = [];
    for (const path of paths) {
      for (const value of odd) {
        const e = { ...event, [path]: value };
        lines.push(
          JSON.stringify(e),
          JSON.stringify({ category: 'kube-audit', properties: { log: JSON.stringify(e) } }),
          JSON.stringify({ message: JSON.stringify(e) }),
        );
        lines.push(
          JSON.stringify({
            protoPayload: {
              methodName: 'io.k8s.core.v1.secrets.get',
              resourceName: value,
              authenticationInfo: value,
              status: value,
              requestMetadata: value,
            },
            operation: value,
          }),
        );
        lines.push(
          JSON.stringify({ records: value }),
          JSON.stringify({ properties: { log: value }, category: value }),
          JSON.stringify({ message: value, secrets: 1 }),
        );
      }
    }
    const report = await runAudit([memoryInput('types.log', lines.join('\n'))], { includeSystem: true });
    expect(report.totals.requests).toBeGreaterThan(0);
  });
});

describe('a numeric timestamp past what a date holds', () => {
  const event = (id: string, time: unknown) =>
    JSON.stringify({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      auditID: id,
      stage: 'ResponseComplete',
      requestURI: '/api/v1/namespaces/prod/secrets/db',
      verb: 'get',
      user: { username: 'alice' },
      objectRef: { resource: 'secrets', namespace: 'prod', name: 'db' },
      responseStatus: { code: 200 },
      requestReceivedTimestamp: time,
      stageTimestamp: '2025-06-01T00:00:01Z',
    });

  it('is no time (the next field is), not a crash when the report is built', async () => {
    // past the five sample lines (JSON.parse reads those), so that the WebAssembly walk reads the rest
    const log = `${Array(5).fill('{}').join('\n')}\n${event('11111111-2222-4333-8444-555555555555', 1e16)}\n${event('op-1', -9e15)}\n${event('22222222-2222-4333-8444-555555555555', 1.5e16)}\n`;
    for (const onRequest of [undefined, () => {}]) {
      const report = await runAudit([memoryInput('a.log', log)], onRequest ? { onRequest } : {});
      expect(report.rows[0]).toMatchObject({ count: 3, firstSeen: '2025-06-01T00:00:01.000Z' });
    }
  });

  // An EKS event that logs no time takes its CloudWatch record's (unwrap-record.ts fallbackTime): the same limit.
  it("a CloudWatch record's timestamp past what a Date holds is no time either", async () => {
    const log = `${JSON.stringify({ timestamp: 1e16, message: event('op-1', undefined).replace(/,"stageTimestamp":"[^"]*"/, '') })}\n`;
    for (const onRequest of [undefined, () => {}]) {
      const report = await runAudit([memoryInput('a.log', log)], onRequest ? { onRequest } : {});
      expect(report.rows[0]).toMatchObject({ count: 1, firstSeen: null });
    }
  });
});
