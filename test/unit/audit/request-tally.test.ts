// The WebAssembly request tally (src/audit/request-tally.ts) against JavaScript's RequestCounter and
// Aggregator: the same report for real logs, generated ones, randomly varied requests in every shape a
// field may take, every query, and each of its tables filled past its room. A count with onRequest goes
// through JavaScript alone (a caller that wants each request gets them from RequestCounter): the reference.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import {
  ABANDONED,
  auditReport,
  countAudit,
  runAudit,
  type AuditInput,
  type AuditOptions,
} from '../../../src/audit/run.js';
import { threadWasmReader } from '../../../src/audit/wasm-event.js';
import type { AuditCount } from '../../../src/audit/audit-count.js';
import { samplesEnd } from '../../../src/audit/input-scan.js';
import { joinSegments } from '../../../src/audit/segments.js';
import { RequestCounter } from '../../../src/audit/request-counter.js';
import { RequestTally } from '../../../src/audit/request-tally.js';
import { generateLines } from '../../../bench/audit/generate-log.mjs';
import { mulberry32 } from '../../harness/prng.mjs';
import { FIXTURES, memoryInput } from './memory-input.js';
import { trickyLog } from './tricky-log.js';
import { withoutTally } from './javascript-alone.js';

const REALDATA = '/work/shared/realdata/audit/';
const LOGS = [REALDATA, FIXTURES].flatMap((dir) =>
  readdirSync(dir)
    .filter((name) => !name.endsWith('.md'))
    .map((name) => dir + name),
);

const QUERIES: AuditOptions[] = [
  { includeSystem: true },
  {},
  { groupBy: 'secret', includeSystem: true },
  { groupBy: 'verb', namespace: 'prod' },
  { groupBy: 'source', name: 'db-password' },
  { groupBy: 'user-agent', verbs: ['list', 'watch'] },
  { deniedOnly: true, includeSystem: true },
  { since: '2025-06-01T00:00:30Z', until: '2025-06-01T00:02:00Z', includeSystem: true },
  { namespace: 'kube-system', name: 'api-token', includeSystem: true },
];

type Files = { name: string; content: Buffer }[];

async function report(files: Files, options: AuditOptions, chunkBytes = 1 << 20) {
  return runAudit(
    files.map((f) => memoryInput(f.name, f.content, chunkBytes)),
    options,
  );
}

/** The report with the tally, checked against the one of JavaScript alone. */
/** The requests JavaScript's RequestCounter counted in the report of the files: none where the tally counts them all. */
async function countedInJavascript(files: Files, options: AuditOptions): Promise<number> {
  const add = vi.spyOn(RequestCounter.prototype, 'add');
  try {
    await report(files, options);
    return add.mock.calls.length;
  } finally {
    add.mockRestore();
  }
}

async function agrees(files: Files, options: AuditOptions, chunkBytes?: number) {
  const reference = await withoutTally(() => report(files, { ...options, onRequest: () => {} }, chunkBytes));
  const tallied = await report(files, options, chunkBytes);
  expect(tallied, JSON.stringify(options)).toEqual(reference);
  return reference;
}

const file = (name: string, lines: string[]) => ({ name, content: Buffer.from(`${lines.join('\n')}\n`) });

function uuid(random: () => number): string {
  const hex = () => Math.floor(random() * 16).toString(16);
  const part = (n: number) => Array.from({ length: n }, hex).join('');
  return `${part(8)}-${part(4)}-4${part(3)}-8${part(3)}-${part(12)}`;
}

function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)]!;
}

/** A JSON text with its ASCII letters written as \u escapes, for the escaped forms of a value. */
function escaped(value: string): string {
  return JSON.stringify(value).replace(/[a-z]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}

/**
 * Requests in every shape the tally reads or leaves to JavaScript, each logged in some of its stages (in
 * order, out of order, twice), lines shuffled a little as API servers interleave them. `tallied`: only
 * shapes the tally reads itself (no value it leaves to JavaScript), so that it counts the whole log.
 */
function variedLines(seed: number, requests: number, tallied = false): string[] {
  const random = mulberry32(seed);
  /** Values, and those of them only JavaScript reads (left out when `tallied`). */
  const some = <T>(values: readonly T[], javascriptOnly: readonly T[] = []): T =>
    pick(random, tallied ? values : [...values, ...javascriptOnly]);
  const lines: string[] = [];
  const ids: string[] = [];
  for (let i = 0; i < requests; i++) {
    const id = pick(random, [
      () => uuid(random),
      () => uuid(random),
      () => uuid(random),
      () => uuid(random).toUpperCase(),
      () => `op-${i}`,
      () => (ids.length > 0 ? pick(random, ids) : uuid(random)),
      () => null,
    ])();
    if (id !== null) ids.push(id);
    const verb = pick(random, ['get', 'list', 'watch', 'watch', 'create', 'get']);
    const namespace = pick(random, ['prod', 'prod', 'kube-system', '', null, 'dev']);
    const name = pick(random, ['db-password', 'api-token', '', null, 'tls', 'x y']);
    const user = some(
      [
        'alice',
        'system:serviceaccount:prod:app',
        'system:serviceaccount:kube-system:token-controller',
        'system:node:node-1',
        'system:kube-controller-manager',
        '',
      ],
      ['ünïcode'],
    );
    const fields: Record<string, unknown> = {
      kind: 'Event',
      apiVersion: pick(random, ['audit.k8s.io/v1', 'audit.k8s.io/v1', 'audit.k8s.io/v1beta1']),
      level: 'Metadata',
    };
    if (id !== null) fields['auditID'] = id;
    fields['requestURI'] = some(
      [
        `/api/v1/namespaces/${namespace ?? 'x'}/secrets`,
        '/api/v1/secrets?fieldSelector=metadata.name%3Ddb-password&watch=true',
        '/api/v1/namespaces/prod/secrets?fieldSelector=metadata.name%3D%3Dtls&resourceVersion=1',
        '/api/v1/namespaces/prod/secrets?watch=1&fieldSelector=metadata.name=api-token',
        '/api/v1/namespaces/prod/secrets?fieldSelector=+metadata.name+=+db-password+',
        '/api/v1/namespaces/prod/secrets?fieldSelector=metadata.name!%3Dtls',
        '/api/v1/namespaces/prod/secrets?fieldSelector=type%3Dopaque,metadata.name%3Dx',
        '/api/v1/namespaces/prod/secrets?fieldSelector=metadata.name%3',
        '/api/v1/namespaces/prod/secrets?fieldSelector=metadata.name=',
        '/api/v1/namespaces/prod/secrets?limit=500&fieldSelector=metadata.name%3Ddb-password',
        '/api/v1/namespaces/prod/secrets?xfieldSelector=metadata.name%3Dtls',
        '/api/v1/namespaces/prod/secrets?fieldSelector=metadata.name%3Dtls&fieldSelector=metadata.name%3Dx',
        7,
      ],
      [
        '/api/v1/namespaces/prod/secrets?fieldSelector=metadata.name%3D%E2%9C%93',
        '/api/v1/namespaces/prod/secrets?fieldSelector=metadata.name==',
        '/api/v1/namespaces/prod/secrets?fieldSelector=metadata.name%3D+',
      ],
    );
    fields['verb'] = verb;
    fields['user'] = pick(random, [
      { username: user, groups: ['system:authenticated'] },
      { username: user },
      {
        username: user,
        extra: pick(random, [
          { 'authentication.kubernetes.io/pod-name': ['app-1'], 'authentication.kubernetes.io/node-name': ['node-1'] },
          { 'authentication.kubernetes.io/pod-name': 'app-2', 'authentication.kubernetes.io/node-name': [] },
          { 'authentication.kubernetes.io/pod-name': [7], 'authentication.kubernetes.io/node-name': [''] },
          { 'authentication.kubernetes.io/pod-name': [`app-${i % 50}`] },
        ]),
      },
      {},
      'alice',
    ]);
    const impersonated = random() < 0.15 ? pick(random, [{ username: 'bob' }, { username: '' }, {}]) : undefined;
    fields['sourceIPs'] = some(
      [['10.0.0.1'], ['10.0.0.2', '10.0.0.1'], [], ['1', '2', '3', '4'], ['10.0.0.3', 7], '10.0.0.1'],
      [['1', '2', '3', '4', '5']],
    );
    if (random() < 0.9) fields['userAgent'] = pick(random, ['kubectl/v1.37.2', '', 'kubelet/v1.37.2']);
    const objectRef: Record<string, unknown> = {
      resource: pick(random, ['secrets', 'secrets', 'secrets', 'configmaps']),
    };
    if (namespace !== null) objectRef['namespace'] = namespace;
    if (name !== null) objectRef['name'] = name;
    if (random() < 0.05) objectRef['subresource'] = pick(random, ['', 'status']);
    if (random() < 0.05) objectRef['apiGroup'] = pick(random, ['', 'example.com']);
    fields['objectRef'] = random() < 0.97 ? objectRef : 'secrets';
    const received = Date.UTC(2025, 5, 1) + Math.floor(random() * 200_000);
    const time = (ms: number) => new Date(ms).toISOString().replace('Z', '123Z');
    const code = some([200, 200, 200, 403, 404, 500, '200', null], [200.5]);
    const decision = pick(random, ['allow', 'forbid', undefined]);
    const stages = pick(random, [
      ['RequestReceived', 'ResponseComplete'],
      ['ResponseComplete'],
      ['RequestReceived', 'ResponseStarted', 'ResponseComplete'],
      ['ResponseStarted', 'ResponseComplete'],
      ['RequestReceived'],
      ['ResponseComplete', 'RequestReceived'],
      ['ResponseComplete', 'ResponseComplete'],
      ['Panic'],
      ['Other'],
    ]);
    for (const stage of stages) {
      const line: Record<string, unknown> = { ...fields, stage };
      const form = random();
      // Stages of one request may disagree on its time: the earliest is kept.
      if (form < 0.8) line['requestReceivedTimestamp'] = time(received + (random() < 0.2 ? 7000 : 0));
      else if (form < 0.85)
        line['requestReceivedTimestamp'] = tallied ? time(received - 1000) : '2025-06-01T02:00:00+02:00';
      else if (form < 0.9) line['timestamp'] = received;
      else if (form < 0.93) line['metadata'] = { creationTimestamp: time(received) };
      else if (form < 0.96) line['requestReceivedTimestamp'] = null;
      if (random() < 0.9) line['stageTimestamp'] = time(received + 5);
      // RequestReceived is logged before impersonation is resolved: stages of one request may differ.
      if (impersonated && random() < 0.7) line['impersonatedUser'] = impersonated;
      if (stage !== 'RequestReceived' && code !== null) line['responseStatus'] = { metadata: {}, code };
      if (decision !== undefined) line['annotations'] = { 'authorization.k8s.io/decision': decision };
      let text = JSON.stringify(line);
      // Escapes where the tally declines a value, and where it reads through them (Go writes & as \u0026).
      if (random() < 0.05 && !tallied) text = text.replace(`"verb":"${verb}"`, `"verb":${escaped(verb)}`);
      if (random() < 0.05 && name && !tallied) text = text.replace(`"name":"${name}"`, `"name":${escaped(name)}`);
      if (random() < 0.1) text = text.replaceAll('&', '\\u0026');
      if (random() < 0.03) text = text.replace('"kind":"Event",', '"kind":"Event", ');
      lines.push(text);
    }
  }
  // Neighbouring lines swapped now and then: stages of one request are not always in order.
  for (let i = 1; i < lines.length; i++) if (random() < 0.1) [lines[i - 1], lines[i]] = [lines[i]!, lines[i - 1]!];
  return lines;
}

/** Requests the tally counts whole: plain, with UUIDs, every stage of each in order. */
function plainLines(requests: number, vary: (i: number) => Record<string, unknown> = () => ({})): string[] {
  const random = mulberry32(requests);
  const lines: string[] = [];
  for (let i = 0; i < requests; i++) {
    const id = uuid(random);
    const base = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      auditID: id,
      requestURI: '/api/v1/namespaces/prod/secrets/db-password',
      verb: 'get',
      user: { username: 'alice', groups: ['system:authenticated'] },
      sourceIPs: ['10.0.0.1'],
      userAgent: 'kubectl/v1.37.2',
      objectRef: { resource: 'secrets', namespace: 'prod', name: 'db-password', apiVersion: 'v1' },
      requestReceivedTimestamp: new Date(Date.UTC(2025, 5, 1) + i * 1000).toISOString(),
      ...vary(i),
    };
    lines.push(JSON.stringify({ ...base, stage: 'RequestReceived' }));
    lines.push(JSON.stringify({ ...base, stage: 'ResponseComplete', responseStatus: { code: 200 } }));
  }
  return lines;
}

describe('the tally counts what JavaScript counts', () => {
  it.each(LOGS)('%s', async (path) => {
    const files = [{ name: 'log', content: readFileSync(path) }];
    for (const options of QUERIES) await agrees(files, options);
  });

  it('generated bench logs, every query', async () => {
    for (const [seed, share] of [
      [1, 1],
      [2, 0.3],
      [3, 0.05],
    ] as const) {
      const lines: string[] = [];
      for (const line of generateLines(mulberry32(seed), share)) if (lines.push(line) >= 4000) break;
      for (const options of QUERIES) {
        const expected = await agrees([file('bench.log', lines)], options);
        if (share === 1 && options === QUERIES[0]) expect(expected.totals.requests).toBeGreaterThan(1000);
      }
    }
  }, 60_000);

  it('requests varied in every field, stage order, escape and query', async () => {
    for (const seed of [1, 2, 3, 4]) {
      const files = [file('a.log', variedLines(seed, 700)), file('b.log', variedLines(seed + 10, 300))];
      for (const options of QUERIES) {
        const expected = await agrees(files, options, [97, 4096, 1 << 20][seed % 3]);
        if (options === QUERIES[0]) expect(expected.totals.requests).toBeGreaterThan(200);
      }
    }
  }, 60_000);

  it('requests varied in every shape the tally reads: it counts them all, and hands over only at the end', async () => {
    const handOver = vi.spyOn(RequestTally.prototype, 'handOver');
    try {
      for (const seed of [5, 6, 7]) {
        const lines = variedLines(seed, 800, true);
        for (const options of QUERIES) {
          handOver.mockClear();
          const expected = await agrees([file('a.log', lines)], options);
          if (options === QUERIES[0]) expect(expected.totals.requests).toBeGreaterThan(400);
          // Once at the end; a second call would be one before the end (the first to hand over, then the end's).
          expect(handOver, JSON.stringify(options)).toHaveBeenCalledTimes(1);
        }
      }
    } finally {
      handOver.mockRestore();
    }
  }, 60_000);

  describe('a stage JavaScript reads (an escaped name)', () => {
    const stages = (id: string, escapedAt: 'first' | 'last' | 'none') =>
      plainLines(1, () => ({ auditID: id })).map((line, i) =>
        (escapedAt === 'first' && i === 0) || (escapedAt === 'last' && i === 1)
          ? line.replace('"name":"db-password"', '"name":"\\u0064b-password"')
          : line,
      );
    const ids = Array.from({ length: 5000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    async function handOvers(lines: string[]): Promise<number> {
      const handOver = vi.spyOn(RequestTally.prototype, 'handOver');
      try {
        await agrees([file('a.log', [...plainLines(5), ...lines, ...plainLines(5)])], {});
        return handOver.mock.calls.length;
      } finally {
        handOver.mockRestore();
      }
    }

    it("after a hand-over, a request that was JavaScript's takes its later stages as its own", async () => {
      // X is JavaScript's (its first stage escaped); Y's second stage hands over; X's last stage comes after.
      const [xFirst, xLast] = stages(ids[0]!, 'first');
      const [yFirst, yLast] = stages(ids[1]!, 'last');
      expect(await handOvers([xFirst!, yFirst!, yLast!, xLast!])).toBe(2);
    });

    it('of a request the tally holds: it hands everything over then', async () => {
      expect(await handOvers(stages(ids[0]!, 'last'))).toBe(2);
    });

    it("of a request it holds nothing of: the request is JavaScript's, and the tally counts on", async () => {
      expect(await handOvers([...stages(ids[0]!, 'first'), ...stages(ids[1]!, 'none')])).toBe(1);
    });

    it("of 5,000 requests it holds nothing of: they are all JavaScript's, and the tally counts on", async () => {
      expect(
        await handOvers([
          ...ids.flatMap((id) => stages(id, 'first')),
          ...stages(ids[0]!.replace('0000-4', '1111-4'), 'none'),
        ]),
      ).toBe(1);
    });
  });

  it('rotated files that overlap: a request in both is counted once, its late stages too', async () => {
    const lines = variedLines(9, 400);
    await agrees([file('audit-1.log', lines.slice(0, 600)), file('audit.log', lines.slice(400))], {
      includeSystem: true,
    });
  });

  it('lines ending in CRLF, and empty lines among runs of Secret reads', async () => {
    const lines = variedLines(12, 400, true).flatMap((line, i) => (i % 37 === 36 ? [line, '', '\r'] : [line]));
    await agrees([{ name: 'crlf.log', content: Buffer.from(`${lines.join('\r\n')}\r\n`) }], { includeSystem: true });
    await agrees([file('blank.log', lines)], { includeSystem: true });
  });

  it('generated logs with damaged, huge and non-UTF-8 lines', async () => {
    for (const seed of [5, 6])
      await agrees(trickyLog(seed, 400, 4096).files, { includeSystem: true, maxLineBytes: 4096 });
  });

  it('requests of a few subjects that differ in all else, grouped every way with every query: what a cell gathers', async () => {
    const random = mulberry32(31);
    const some = <T>(values: readonly T[]): T => pick(random, values);
    const lines = plainLines(1500, () => {
      const [verb, namespace, name] = [
        some(['get', 'list', 'watch']),
        some(['prod', 'dev']),
        some(['db-password', 'tls']),
      ];
      const listed = some([
        `/api/v1/namespaces/${namespace}/secrets`,
        `/api/v1/secrets?fieldSelector=metadata.name%3D${name}`,
      ]);
      const pod = { 'authentication.kubernetes.io/pod-name': [some(['app-1', 'app-2'])] };
      return {
        verb,
        requestURI: verb === 'get' ? `/api/v1/namespaces/${namespace}/secrets/${name}` : listed,
        objectRef: { resource: 'secrets', namespace, ...(verb === 'get' ? { name } : {}) },
        // "a as b" and a impersonating b share a label.
        user: {
          username: some(['alice', 'a as b', 'a', 'system:serviceaccount:prod:app', 'system:node:n1']),
          extra: pod,
        },
        ...(random() < 0.3 ? { impersonatedUser: { username: some(['b', 'system:serviceaccount:dev:x']) } } : {}),
        sourceIPs: Array.from({ length: Math.floor(random() * 4) }, () => some(['10.0.0.1', '10.0.0.2', '10.0.0.3'])),
        userAgent: some(['kubectl/v1.37.2', 'kubelet/v1.37.2', '']),
        annotations: { 'authorization.k8s.io/decision': some(['allow', 'allow', 'forbid']) },
      };
    });
    for (const groupBy of ['subject', 'secret', 'verb', 'source', 'user-agent'] as const)
      for (const options of QUERIES) await agrees([file('a.log', lines)], { ...options, groupBy });
    expect(await countedInJavascript([file('a.log', lines)], {})).toBe(0);
  }, 60_000);

  it('two counts at once on one thread: the second counts in JavaScript', async () => {
    const a = [file('a.log', variedLines(11, 300))];
    const b = [file('b.log', plainLines(300))];
    const [first, second] = await Promise.all([report(a, {}, 97), report(b, {}, 97)]);
    expect(first).toEqual(await withoutTally(() => report(a, { onRequest: () => {} })));
    expect(second).toEqual(await withoutTally(() => report(b, { onRequest: () => {} })));
  });
});

describe('the tally counts plain requests without JavaScript, and hands over when a table is full', () => {
  it('a log of plain requests: RequestCounter counts none of them', async () => {
    const lines = plainLines(500, (i) => ({ user: { username: `user-${i % 7}` } }));
    const expected = await agrees([file('a.log', lines)], {});
    expect(expected.totals.requests).toBe(500);
    expect(await countedInJavascript([file('a.log', lines)], {})).toBe(0);
  });

  it('more distinct rows than its cells hold (16,384): it hands them over and counts on', async () => {
    const lines = plainLines(17_000, (i) => ({ user: { username: `user-${i}` } }));
    const expected = await agrees([file('a.log', lines)], { groupBy: 'secret' });
    expect(expected.rows[0]!.count).toBe(17_000);
  }, 60_000);

  it('more Secrets than it keeps for its members (16,384), read with other verbs and user agents: it hands them over and counts on', async () => {
    const lines = plainLines(17_000, (i) => ({
      requestURI: `/api/v1/namespaces/ns-${i % 3}/secrets/secret-${i}`,
      objectRef: { resource: 'secrets', namespace: `ns-${i % 3}`, name: `secret-${i}`, apiVersion: 'v1' },
      verb: i % 5 === 0 ? 'get' : 'list',
      userAgent: `agent-${i % 7}`,
      sourceIPs: [`10.0.${i % 11}.1`],
    }));
    const expected = await agrees([file('a.log', lines)], {});
    expect(expected.rows[0]!.secrets).toHaveLength(17_000);
    expect(expected.rows[0]!.verbs).toEqual(['get', 'list']);
    expect(expected.rows[0]!.userAgents).toHaveLength(7);
    // Its Secrets are taken with its cells, and it counts on: JavaScript counts none of the requests.
    expect(await countedInJavascript([file('a.log', lines)], {})).toBe(0);
  }, 60_000);

  it('more pods, nodes and source IPs than its members hold (65,536)', async () => {
    const lines = plainLines(14_000, (i) => ({
      sourceIPs: ['10.0.0.1', `10.1.${i >> 8}.${i & 255}`, `10.2.${i >> 8}.${i & 255}`, '10.0.0.9'],
      user: {
        username: 'system:serviceaccount:prod:app',
        extra: {
          'authentication.kubernetes.io/pod-name': [`app-${i}`],
          'authentication.kubernetes.io/node-name': [`node-${i}`],
        },
      },
    }));
    const expected = await agrees([file('a.log', lines)], {});
    expect(expected.rows[0]!.pods).toHaveLength(14_000);
  }, 60_000);

  it('more open requests than it keeps (32,768): JavaScript takes them over', async () => {
    const lines = plainLines(34_000).filter((_, i) => i % 2 === 0);
    const closing = plainLines(34_000).filter((_, i) => i % 2 === 1 && i % 3 === 0);
    const expected = await agrees([file('a.log', [...lines, ...closing])], {});
    expect(expected.totals.requests).toBe(34_000);
  }, 60_000);

  it('a query longer than its room for the query text: JavaScript counts, with the same report', async () => {
    const name = `db-${'x'.repeat(4000)}`;
    const lines = plainLines(50, (i) => ({
      requestURI: `/api/v1/namespaces/prod/secrets/${i % 2 ? name : 'db-password'}`,
      objectRef: { resource: 'secrets', namespace: 'prod', name: i % 2 ? name : 'db-password', apiVersion: 'v1' },
    }));
    const expected = await agrees([file('a.log', lines)], { name });
    expect(expected.totals.requests).toBe(25);
    // both stages of each of the 25 requests asked for
    expect(await countedInJavascript([file('a.log', lines)], { name })).toBe(50);
  });

  it('more string bytes than its arena holds (8 MiB)', async () => {
    const lines = plainLines(2_200, (i) => ({ user: { username: `user-${i}-${'x'.repeat(4000)}` } }));
    const expected = await agrees([file('a.log', lines)], { groupBy: 'secret' });
    expect(expected.rows[0]!.count).toBe(2_200);
  }, 60_000);
});

/** The report, and the reads handed on one by one, of a count for a caller that wants each request. */
async function eachRequest(files: Files, options: AuditOptions, chunkBytes?: number) {
  const reads: unknown[] = [];
  const counted = await report(files, { ...options, onRequest: (read) => reads.push(read) }, chunkBytes);
  return { counted, reads };
}

describe('for a caller that wants each request, the tally only passes over what the query leaves out', () => {
  const agreesEach = async (files: Files, options: AuditOptions, chunkBytes?: number) => {
    const reference = await withoutTally(() => eachRequest(files, options, chunkBytes));
    const filtered = await eachRequest(files, options, chunkBytes);
    expect(filtered, JSON.stringify(options)).toEqual(reference);
    return reference;
  };
  const ONE_SECRET: AuditOptions[] = [
    { namespace: 'prod', name: 'db-password', includeSystem: true },
    { namespace: 'kube-system', name: 'api-token', since: '2025-06-01T00:00:30Z' },
    { namespace: 'prod', verbs: ['list', 'watch'] },
  ];

  it.each(LOGS)('%s', async (path) => {
    const files = [{ name: 'log', content: readFileSync(path) }];
    for (const options of [...QUERIES, ...ONE_SECRET]) await agreesEach(files, options);
  });

  it('generated and varied logs, the same reads in the same order', async () => {
    const lines: string[] = [];
    for (const line of generateLines(mulberry32(4), 1)) if (lines.push(line) >= 3000) break;
    for (const options of [...QUERIES, ...ONE_SECRET]) {
      const { reads } = await agreesEach([file('bench.log', lines)], options);
      if (options === ONE_SECRET[0]) expect(reads.length).toBeGreaterThan(0);
    }
    for (const seed of [1, 2]) {
      const files = [file('a.log', variedLines(seed, 600)), file('b.log', variedLines(seed + 10, 300))];
      for (const options of [...QUERIES, ...ONE_SECRET]) await agreesEach(files, options, [97, 4096][seed % 2]);
    }
  }, 60_000);

  it('lines of ever-new strings the query leaves out: it starts again when its tables fill, and counts none', async () => {
    const lines = plainLines(3_000, (i) => ({
      user: { username: `user-${i}-${'x'.repeat(3000)}` },
      ...(i % 100 === 0
        ? {}
        : { objectRef: { resource: 'secrets', namespace: 'other', name: `s-${i}`, apiVersion: 'v1' } }),
    }));
    const options = { namespace: 'prod', name: 'db-password' };
    const handOver = vi.spyOn(RequestTally.prototype, 'handOver');
    try {
      const { counted, reads } = await agreesEach([file('a.log', lines)], options);
      expect(reads).toHaveLength(30);
      expect(counted.totals.requests).toBe(30);
      // Only the end's: a filter whose tables fill starts again, it does not hand over and stop.
      expect(handOver).toHaveBeenCalledTimes(1);
    } finally {
      handOver.mockRestore();
    }
  }, 60_000);
});

describe('a cell counts past what its 32-bit words hold', () => {
  it('its requests and stages go on as numbers, not wrapped', async () => {
    const lines = plainLines(200);
    const split = 20;
    const more = 2 ** 31 - 100;
    const input: AuditInput = {
      path: 'a.log',
      compressed: false,
      async *chunks() {
        yield Buffer.from(`${lines.slice(0, split).join('\n')}\n`);
        // Alice's one cell, as if `more` of her requests and stages had been counted: C_COUNT and C_EVENTS are
        // its second and third words (wasm/request-tally.as.ts). The next 190 requests take both past 2^31.
        const reader = threadWasmReader()!;
        expect(reader.exports.cellsUsed()).toBe(1);
        const cell = new Int32Array(reader.memory(), reader.exports.cellsOffset(), 3);
        cell[1]! += more;
        cell[2]! += more;
        yield Buffer.from(`${lines.slice(split).join('\n')}\n`);
      },
    };
    const counted = await runAudit([input], {});
    expect(counted.rows[0]!.count).toBe(200 + more);
    expect(counted.totals.requests).toBe(200 + more);
    expect(counted.totals.events).toBe(400 + more);
  });
});

describe('the tally of counting threads', () => {
  /** One file counted in the segments its lines are cut into at `cuts` (line indexes past its samples), joined. */
  async function segmented(lines: string[], cuts: number[], options: AuditOptions): Promise<AuditCount | string> {
    const content = Buffer.from(`${lines.join('\n')}\n`);
    const starts = [0];
    for (let nl = content.indexOf(0x0a); nl !== -1; nl = content.indexOf(0x0a, nl + 1)) starts.push(nl + 1);
    const bounds = [0, ...cuts.map((line) => starts[line]!), content.length];
    const segments = [];
    for (let k = 0; k + 1 < bounds.length; k++) {
      const piece = content.subarray(bounds[k], bounds[k + 1]);
      const first = k === 0;
      const whole = first && bounds[k + 1] === content.length;
      const count = await countAudit([memoryInput('a.log', piece, 4096)], { ...options, pieces: [{ first, whole }] });
      if (count === ABANDONED) return ABANDONED;
      segments.push({ count, files: [0] });
    }
    return joinSegments(segments, ['a.log'], options);
  }

  it('joins to the one-thread report of JavaScript alone, stages of requests cut apart anywhere', async () => {
    for (const [seed, tallied] of [
      [21, true],
      [22, true],
      [23, false],
    ] as const) {
      const lines = variedLines(seed, 400, tallied);
      const first = lines.findIndex((_, i) => samplesEnd(Buffer.from(`${lines.slice(0, i).join('\n')}\n`)) !== -1);
      const random = mulberry32(seed);
      for (const options of [{ includeSystem: true }, { groupBy: 'secret' as const }]) {
        const expected = await withoutTally(() => report([file('a.log', lines)], { ...options, onRequest: () => {} }));
        for (let round = 0; round < 6; round++) {
          const cuts = Array.from(
            { length: 1 + (round % 3) },
            () => first + Math.floor(random() * (lines.length - first)),
          );
          const joined = await segmented(
            lines,
            [...new Set(cuts)].sort((a, b) => a - b),
            options,
          );
          // The join may give up (a request whose stages only one thread can join): then one thread counts.
          if (typeof joined === 'string') continue;
          expect(auditReport(joined, options), `${seed} ${cuts}`).toEqual(expected);
        }
      }
    }
  }, 60_000);

  it('a request cut apart whose stages both name the impersonated user joins (its final stage says so)', async () => {
    const [received, complete] = plainLines(1, () => ({ impersonatedUser: { username: 'bob' } }));
    const lines = [...plainLines(5), received!, complete!, ...plainLines(3)];
    const options = { includeSystem: true };
    const expected = await withoutTally(() => report([file('a.log', lines)], { ...options, onRequest: () => {} }));
    const joined = await segmented(lines, [11], options);
    expect(typeof joined).not.toBe('string');
    expect(auditReport(joined as AuditCount, options)).toEqual(expected);
  });
});
