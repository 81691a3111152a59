// Counting threads (src/audit/segments.ts): each counts one segment of the logs, a byte range that
// starts at a line start, and the segments' counts joined are the count of one thread over all the
// logs; or the join says it cannot be (ABANDONED, or why) and the caller counts on one thread.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  auditReport,
  countAudit,
  ABANDONED,
  runAudit,
  type AuditInput,
  type AuditOptions,
} from '../../../src/audit/run.js';
import type { AuditCount } from '../../../src/audit/audit-count.js';
import { samplesEnd, type FilePiece } from '../../../src/audit/input-scan.js';
import { joinSegments } from '../../../src/audit/segments.js';
import { generateLines } from '../../../bench/audit/generate-log.mjs';
import { mulberry32 } from '../../harness/prng.mjs';
import { FIXTURES, memoryInput } from './memory-input.js';
import { trickyLog } from './tricky-log.js';

const REALDATA = '/work/shared/realdata/audit';
const SPLIT = 'a request was logged in two segments in a way only one thread can count';

interface File {
  name: string;
  content: Buffer;
}

/**
 * Where segments may start in the files one after the other, their ends included: at line starts, but
 * not among the lines a scan samples to tell a file's format, which only its first piece reads as such
 * (samplesEnd; audit-count-plan.ts cuts there too).
 */
function lineStarts(files: File[]): number[] {
  const starts: number[] = [0];
  let base = 0;
  for (const { content } of files) {
    const from = samplesEnd(content);
    if (from !== -1)
      for (let nl = content.indexOf(0x0a, from - 1); nl !== -1; nl = content.indexOf(0x0a, nl + 1))
        starts.push(base + nl + 1);
    base += content.length;
    starts.push(base);
  }
  return [...new Set(starts)].sort((a, b) => a - b);
}

/** The files counted in segments [cuts[k], cuts[k + 1]) of their bytes one after the other, then joined. */
async function segmented(files: File[], cuts: number[], options: AuditOptions): Promise<AuditCount | string> {
  const total = files.reduce((n, f) => n + f.content.length, 0);
  const bounds = [0, ...cuts, total];
  const segments = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const [from, to] = [bounds[k]!, bounds[k + 1]!];
    const inputs: AuditInput[] = [];
    const pieces: FilePiece[] = [];
    const of: number[] = [];
    let base = 0;
    files.forEach((file, i) => {
      const end = base + file.content.length;
      const empty = file.content.length === 0;
      const holds = empty ? base >= from && (base < to || k + 2 === bounds.length) : base < to && end > from;
      if (holds) {
        const [s, e] = [Math.max(from, base) - base, Math.min(to, end) - base];
        inputs.push(reusingInput(file.name, file.content.subarray(s, e), 4096 + k * 97));
        pieces.push({ first: s === 0, whole: s === 0 && e === file.content.length });
        of.push(i);
      }
      base = end;
    });
    const count = await countAudit(inputs, { ...options, pieces });
    if (count === ABANDONED) return ABANDONED;
    segments.push({ count, files: of });
  }
  return joinSegments(
    segments,
    files.map((f) => f.name),
    options,
  );
}

/**
 * One thread's report. It is checked to be the same whether the lines the WebAssembly walk reads are counted in
 * WebAssembly (request-tally.ts) or in JavaScript (where a caller wants each request), as segments are.
 */
async function oneThread(files: File[], options: AuditOptions) {
  const inputs = () => files.map((f) => memoryInput(f.name, f.content));
  const reference = await runAudit(inputs(), { ...options, onRequest: () => {} });
  expect(await runAudit(inputs(), options)).toEqual(reference);
  return reference;
}

function generated(seed: number, secretShare: number, lines: number): File {
  const out: string[] = [];
  for (const line of generateLines(mulberry32(seed), secretShare)) if (out.push(line) >= lines) break;
  return { name: `generated-${seed}.log`, content: Buffer.from(`${out.join('\n')}\n`) };
}

/** Lines a file starts with, which read no Secret: its format is told from them, so segments start after them. */
const PREAMBLE = Array.from({ length: 5 }, (_, i) =>
  JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    auditID: `00000000-0000-4000-8000-00000000000${i}`,
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/prod/configmaps/app',
    verb: 'get',
    user: { username: 'carol' },
    objectRef: { resource: 'configmaps', namespace: 'prod', name: 'app', apiVersion: 'v1' },
  }),
);

function fileOf(name: string, lines: string[]): File {
  return { name, content: Buffer.from(`${[...PREAMBLE, ...lines].join('\n')}\n`) };
}

/** `n` cuts at line starts picked by `seed`, in order. */
function someCuts(starts: number[], n: number, seed: number): number[] {
  const random = mulberry32(seed);
  const inner = starts.slice(1, -1);
  return Array.from({ length: n }, () => inner[Math.floor(random() * inner.length)]!).sort((a, b) => a - b);
}

const QUERIES: AuditOptions[] = [
  { includeSystem: true },
  {},
  { groupBy: 'secret' },
  { groupBy: 'user-agent', namespace: 'prod' },
  { name: 'db-password', deniedOnly: true },
];

describe('counting in segments', () => {
  it('joins to the one-thread report on generated native logs, for every query, in 2, 3 and 4 segments', async () => {
    const files = [generated(5, 1, 3000), generated(6, 0.3, 3000)];
    const starts = lineStarts(files);
    for (const options of QUERIES) {
      const expected = await oneThread(files, options);
      expect(expected.totals.requests).toBeGreaterThan(10);
      for (const [n, seed] of [
        [1, 1],
        [1, 2],
        [2, 3],
        [3, 4],
      ] as const) {
        const joined = await segmented(files, someCuts(starts, n, seed), options);
        expect(joined, JSON.stringify(options)).toEqual(expect.objectContaining({ inputs: expect.any(Array) }));
        expect(auditReport(joined as AuditCount, options)).toEqual(expected);
      }
      // at the files' boundary, and with segments that hold no byte
      const boundary = files[0]!.content.length;
      expect(auditReport((await segmented(files, [boundary], options)) as AuditCount, options)).toEqual(expected);
      expect(auditReport((await segmented(files, [0, 0, boundary], options)) as AuditCount, options)).toEqual(expected);
    }
  }, 60_000);

  it('joins the stages of a request wherever the cut falls between them', async () => {
    // a cut after each line of a stretch: requests whose first stages end one segment and whose last start the next
    const file = generated(7, 1, 400);
    const starts = lineStarts([file]);
    const expected = await oneThread([file], { includeSystem: true });
    for (const cut of starts.slice(100, 140)) {
      const joined = await segmented([file], [cut], { includeSystem: true });
      expect(auditReport(joined as AuditCount, { includeSystem: true }), String(cut)).toEqual(expected);
    }
    // a watch logged in three stages, each in its own segment; and one never seen to finish
    const watch = (stage: string, extra: object = {}) =>
      JSON.stringify({
        kind: 'Event',
        apiVersion: 'audit.k8s.io/v1',
        auditID: '11111111-2222-4333-8444-555555555555',
        stage,
        requestURI: '/api/v1/namespaces/prod/secrets?watch=true',
        verb: 'watch',
        user: { username: 'alice' },
        objectRef: { resource: 'secrets', namespace: 'prod', apiVersion: 'v1' },
        requestReceivedTimestamp: '2025-06-01T00:00:00.000000Z',
        ...extra,
      });
    const unfinished = watch('RequestReceived').replace('1111', '9999');
    const lines = [
      watch('RequestReceived'),
      unfinished,
      watch('ResponseStarted', { responseStatus: { code: 200 } }),
      watch('ResponseComplete', { responseStatus: { code: 200 } }),
    ];
    const three = fileOf('watch.log', lines);
    const cuts = lineStarts([three]).slice(1, -1);
    const want = await oneThread([three], {});
    expect(want.totals).toMatchObject({ requests: 2, events: 4 });
    for (const chosen of [[cuts[0]!], [cuts[1]!, cuts[2]!], cuts])
      expect(auditReport((await segmented([three], chosen, {})) as AuditCount, {})).toEqual(want);
  });

  it('says when stages in two segments would change what one thread counts: one thread counts then', async () => {
    const stage = (name: string, extra: object) =>
      JSON.stringify({
        kind: 'Event',
        apiVersion: 'audit.k8s.io/v1',
        auditID: '11111111-2222-4333-8444-555555555555',
        stage: name,
        requestURI: '/api/v1/namespaces/prod/secrets/db',
        verb: 'get',
        user: { username: 'alice' },
        objectRef: { resource: 'secrets', namespace: 'prod', name: 'db', apiVersion: 'v1' },
        ...extra,
      });
    const cases = {
      // the first stage is the only one with a time: one thread counts the request at that time
      'an earlier time': [
        stage('RequestReceived', { stageTimestamp: '2025-06-01T00:00:00Z' }),
        stage('ResponseComplete', {}),
      ],
      // only the first stage names the impersonated user
      'an impersonated user': [
        stage('RequestReceived', { impersonatedUser: { username: 'bob' } }),
        stage('ResponseComplete', {}),
      ],
      // the same request logged twice (rotated files that overlap), once in each segment
      'a request counted twice': [stage('ResponseComplete', {}), stage('ResponseComplete', {})],
    };
    for (const [what, lines] of Object.entries(cases)) {
      const file = fileOf('one.log', lines);
      // between the two stages (the preamble before them)
      const cut = lineStarts([file])[2]!;
      const joined = await segmented([file], [cut], {});
      expect(joined, what).toBe(SPLIT);
    }
  });

  it('joins to the one-thread report on damaged logs: skipped lines numbered in their files, in input order', async () => {
    for (const seed of [1, 2, 3]) {
      const files = trickyLog(seed, 500, 4096).files;
      const options = { includeSystem: true, maxLineBytes: 4096 };
      const expected = await oneThread(files, options);
      expect(expected.skipped.firstLineNumbers.length).toBe(10);
      expect(expected.skipped.huge + expected.skipped.malformed + expected.skipped.nonUtf8).toBeGreaterThan(5);
      const starts = lineStarts(files);
      for (const n of [1, 2, 3]) {
        const joined = await segmented(files, someCuts(starts, n, seed * 10 + n), options);
        if (typeof joined === 'string') expect(joined).toMatch(/two segments/);
        else expect(auditReport(joined, options)).toEqual(expected);
      }
    }
  });

  it('joins to the one-thread report on every real log of every format, or counts a document on one thread', async () => {
    const dirs = [REALDATA, FIXTURES];
    const files = dirs.flatMap((dir) =>
      readdirSync(dir)
        .filter((f) => /\.(log|jsonl?|json)$/.test(f))
        .map((f) => ({ name: f, content: readFileSync(join(dir, f)) })),
    );
    expect(files.length).toBeGreaterThan(20);
    const split: string[] = [];
    const refused: string[] = [];
    const check = async (name: string, of: File[], cuts: number[]) => {
      const expected = await oneThread(of, { includeSystem: true });
      const joined = await segmented(of, cuts, { includeSystem: true });
      if (joined === ABANDONED) return;
      if (typeof joined === 'string') refused.push(name);
      else {
        split.push(name);
        expect(auditReport(joined, { includeSystem: true }), name).toEqual(expected);
      }
    };
    // each file cut after every line but those that tell its format
    for (const file of files) for (const cut of lineStarts([file]).slice(1, -1)) await check(file.name, [file], [cut]);
    // files one after the other, cut between every two: those whose requests are their own are joined; all
    // of them log some requests twice (the same demo as v1 and v1beta1), which one thread counts once
    const between = async (name: string, of: File[]) => {
      const ends = of.slice(0, -1).map((_, i) => of.slice(0, i + 1).reduce((n, f) => n + f.content.length, 0));
      await check(name, of, ends);
    };
    const own = /^(k8s-v1-multistage|gke-data-access|eks-cloudwatch|audit2rbac-demo-v1beta1-2017-full|native-90days)/;
    await between(
      'their own requests',
      files.filter((f) => own.test(f.name)),
    );
    await between(
      'all of them',
      files.filter((f) => !/\.json$/.test(f.name)),
    );
    // native (v1 and v1beta1) and GKE files are split; documents (AKS batches) go to one thread
    expect([...new Set(split)]).toEqual(
      expect.arrayContaining([
        'k8s-v1-multistage.jsonl',
        'gke-data-access.jsonl',
        'audit2rbac-demo-v1beta1-2017-full.log',
        'their own requests',
      ]),
    );
    expect(refused).toEqual(['all of them']);
  }, 60_000);

  it('names a row the same way whichever segment counted its requests, when two subjects share a label', async () => {
    // the user "alice as bob", and alice impersonating bob: both are shown as "alice as bob"
    const lines: string[] = [];
    for (let i = 0; i < 60; i++) {
      const impersonating = i % 2 === 0;
      const user = impersonating ? 'alice' : 'alice as bob';
      lines.push(
        JSON.stringify({
          kind: 'Event',
          apiVersion: 'audit.k8s.io/v1',
          level: 'Metadata',
          auditID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          stage: 'ResponseComplete',
          requestURI: '/api/v1/namespaces/prod/secrets/db',
          verb: 'get',
          user: { username: user, groups: ['system:authenticated'] },
          ...(impersonating ? { impersonatedUser: { username: 'bob' } } : {}),
          sourceIPs: ['10.0.0.1'],
          objectRef: { resource: 'secrets', namespace: 'prod', name: 'db', apiVersion: 'v1' },
          responseStatus: { code: 200 },
          requestReceivedTimestamp: new Date(Date.UTC(2025, 5, 1, 0, 0, 60 - i)).toISOString(),
        }),
      );
    }
    const files = [fileOf('clash.log', lines)];
    const expected = await oneThread(files, {});
    expect(expected.rows).toHaveLength(1);
    const starts = lineStarts(files);
    for (const n of [1, 2, 3]) {
      const joined = await segmented(files, someCuts(starts, n, n), {});
      expect(auditReport(joined as AuditCount, {})).toEqual(expected);
    }
  });

  it('refuses writes: they are looked for on one thread', async () => {
    await expect(
      countAudit([memoryInput('a.log', '')], { onWrite: () => {}, pieces: [{ first: true, whole: true }] }),
    ).rejects.toThrow(/one thread/);
  });
});

/** An input whose chunks are all read into one buffer, as a reader reusing its buffer would. */
function reusingInput(path: string, content: Buffer, chunkBytes: number): AuditInput {
  return {
    path,
    compressed: false,
    async *chunks() {
      const buffer = Buffer.alloc(chunkBytes);
      for (let at = 0; at < content.length; at += chunkBytes) {
        const n = content.copy(buffer, 0, at, at + chunkBytes);
        yield n === chunkBytes ? buffer : buffer.subarray(0, n);
      }
    },
  };
}

describe('counting in segments: what one thread counts otherwise', () => {
  const event = (fields: object) =>
    JSON.stringify({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      requestURI: '/api/v1/namespaces/prod/secrets/db',
      verb: 'get',
      user: { username: 'alice' },
      objectRef: { resource: 'secrets', namespace: 'prod', name: 'db', apiVersion: 'v1' },
      requestReceivedTimestamp: '2025-06-01T00:00:00.000000Z',
      ...fields,
    });
  // a v1beta1 line that reads no Secret, and reads of one
  const beta = event({
    apiVersion: 'audit.k8s.io/v1beta1',
    auditID: '00000000-0000-4000-8000-0000000000aa',
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/prod/configmaps/app',
    user: { username: 'carol' },
    objectRef: { resource: 'configmaps', namespace: 'prod', name: 'app', apiVersion: 'v1' },
  });
  const reads = Array.from({ length: 4 }, (_, i) =>
    event({ auditID: `22222222-2222-4333-8444-00000000000${i}`, stage: 'ResponseComplete' }),
  );

  it('an auditID in lower case in one segment and in upper case in the next is two requests, as on one thread', async () => {
    // one thread: the RequestReceived (lower case) stays pending, the ResponseComplete (upper case) is
    // another request (pending is keyed by the exact string): 2 requests. The join finds the upper-case
    // ID in the later table (FinishedRequests packs UUID hex case-insensitively) and makes them one.
    const id = 'abcdef01-2222-4333-8444-555555555555';
    const file = fileOf('case.log', [
      event({ auditID: id, stage: 'RequestReceived' }),
      event({ auditID: id.toUpperCase(), stage: 'ResponseComplete', responseStatus: { code: 200 } }),
    ]);
    const cut = lineStarts([file])[2]!;
    const expected = await oneThread([file], {});
    expect(expected.totals).toMatchObject({ requests: 2, events: 2 });
    const joined = await segmented([file], [cut], {});
    expect(typeof joined === 'string' ? joined : auditReport(joined, {})).toEqual(expected);
  });

  it('an impersonated user named by a stage of each segment, not by the final one: one thread counts', async () => {
    // stages out of order: ResponseStarted (as bob) in the first segment, RequestReceived (as carol) and
    // ResponseComplete (no impersonatedUser) in the second. One thread merges RS then RR: RS ranks higher,
    // so bob; the second segment alone picks carol, and sameRead only asks whether *some* user is named.
    const id = '11111111-2222-4333-8444-555555555555';
    const file = fileOf('imp.log', [
      event({ auditID: id, stage: 'ResponseStarted', impersonatedUser: { username: 'bob' } }),
      event({ auditID: id, stage: 'RequestReceived', impersonatedUser: { username: 'carol' } }),
      event({ auditID: id, stage: 'ResponseComplete', responseStatus: { code: 200 } }),
    ]);
    const cut = lineStarts([file])[2]!;
    const expected = await oneThread([file], {});
    expect(expected.rows.map((r) => r.key)).toEqual(['alice as bob']);
    expect(await segmented([file], [cut], {})).toBe(SPLIT);
  });

  it('a file whose first line is a byte-order mark alone: its samples are the next five lines, wherever the cut', async () => {
    // the scanner strips the mark first, so the 6th physical line (v1beta1) is the 5th sample: its format counts
    const lines = ['\ufeff', ...PREAMBLE.slice(0, 4), beta, ...reads];
    const file = { name: 'bom.log', content: Buffer.from(`${lines.join('\n')}\n`) };
    const expected = await oneThread([file], {});
    expect(expected.inputs[0]!.format).toBe('mixed');
    const cuts = lineStarts([file]).slice(1, -1);
    expect(file.content.subarray(cuts[0]!).toString().startsWith(beta)).toBe(false);
    for (const cut of cuts)
      expect(auditReport((await segmented([file], [cut], {})) as AuditCount, {})).toEqual(expected);
  });

  it('a huge line among the first five is one of the samples, wherever the cut', async () => {
    const huge = JSON.stringify({ pad: 'x'.repeat(5000) });
    const lines = [huge, ...PREAMBLE.slice(0, 4), beta.replaceAll('configmaps', 'mysecrets'), ...reads];
    const file = { name: 'huge.log', content: Buffer.from(`${lines.join('\n')}\n`) };
    const options = { maxLineBytes: 4096 };
    const expected = await oneThread([file], options);
    // the 6th line (v1beta1) is no sample, and reads no Secret
    expect(expected.inputs[0]!.format).toBe('k8s-v1');
    for (const cut of lineStarts([file]).slice(1, -1))
      expect(auditReport((await segmented([file], [cut], options)) as AuditCount, options)).toEqual(expected);
  });

  it('a GKE watch whose first entry is in one segment and last in the next: one thread counts', async () => {
    const gke = readFileSync(join(FIXTURES, 'gke-data-access.jsonl'), 'utf8').trim().split('\n');
    const others = [0, 1, 4, 5, 6].map((i) => gke[i]!);
    const file = { name: 'gke.jsonl', content: Buffer.from(`${[...others, gke[2]!, gke[3]!].join('\n')}\n`) };
    const cut = lineStarts([file])[2]!;
    expect(file.content.subarray(cut).toString().startsWith(gke[3]!)).toBe(true);
    const expected = await oneThread([file], {});
    const joined = await segmented([file], [cut], {});
    // its entries' times differ (GKE logs no time of receipt): one thread counts it at the first entry's time,
    // which the later segment cannot know, so the join gives up and one thread counts the logs again
    expect(expected.totals.requests).toBeGreaterThan(0);
    expect(joined).toBe(SPLIT);
  });
});

describe('Secret bodies and where the log begins, across segments', () => {
  it('secretBodies and startsAt join to the one-thread report wherever the cut', async () => {
    const secret = { kind: 'Secret', apiVersion: 'v1', metadata: { name: 'db' }, data: { p: 'eA==' } };
    const lines = Array.from({ length: 60 }, (_, i) =>
      JSON.stringify({
        kind: 'Event',
        apiVersion: 'audit.k8s.io/v1',
        level: i % 7 === 3 ? 'RequestResponse' : 'Metadata',
        auditID: `11111111-2222-4333-8444-${String(i).padStart(12, '0')}`,
        stage: 'ResponseComplete',
        verb: i % 11 === 5 ? 'update' : 'get',
        requestURI: '/api/v1/namespaces/prod/secrets/db',
        user: { username: 'alice' },
        sourceIPs: ['10.0.0.1'],
        objectRef: { resource: 'secrets', namespace: 'prod', name: 'db', apiVersion: 'v1' },
        requestReceivedTimestamp: new Date(Date.UTC(2025, 5, 1, 10, i)).toISOString(),
        responseStatus: { code: 200 },
        ...(i % 7 === 3 ? { responseObject: secret } : {}),
        ...(i % 11 === 5 ? { requestObject: secret } : {}),
      }),
    );
    const file = { name: 'b.log', content: Buffer.from(`${lines.join('\n')}\n`) };
    const expected = await oneThread([file], {});
    expect(expected.inputs[0]!.secretBodies).toBeGreaterThan(0);
    for (const cut of lineStarts([file]).slice(1, -1)) {
      const joined = await segmented([file], [cut], {});
      expect(typeof joined, String(cut)).not.toBe('string');
      expect(auditReport(joined as AuditCount, {}).inputs, String(cut)).toEqual(expected.inputs);
    }
  });
});
