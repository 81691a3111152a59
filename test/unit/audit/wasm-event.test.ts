// The WebAssembly field walk (src/audit/wasm-event.ts) against JSON.parse: for every line it
// takes, the same read as JSON.parse + readFromAuditEvent; every line JSON.parse refuses, left
// to it. Over real logs by others, generated bench logs, crafted edge cases and random damage.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { createWasmEventReader, WasmEventReader } from '../../../src/audit/wasm-event.js';
import { readFromAuditEvent, readFromFields } from '../../../src/audit/native-event.js';
import { unwrapRecord } from '../../../src/audit/unwrap-record.js';
import { DEFAULT_LIMITS, InputScan } from '../../../src/audit/input-scan.js';
import { SkipTally } from '../../../src/audit/skip-tally.js';
import type { SecretRead } from '../../../src/audit/secret-read.js';
import { generateLines } from '../../../bench/audit/generate-log.mjs';
import { mulberry32 } from '../../harness/prng.mjs';
import { trickyLog } from './tricky-log.js';
import { FIXTURES } from './memory-input.js';

const REALDATA = '/work/shared/realdata/audit/';
/** Real logs by others, and this repository's fixtures of each format. */
const LOGS = [REALDATA, FIXTURES].flatMap((dir) =>
  readdirSync(dir)
    .filter((name) => !name.endsWith('.md'))
    .map((name) => dir + name),
);
const reader = createWasmEventReader()!;

/** What JSON.parse makes of a line: undefined when it refuses it or it is no single native event. */
function reference(line: string): { format: string; read: SecretRead | null } | undefined | 'refused' {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'refused';
  }
  const items = [...unwrapRecord(value)];
  const item = items[0];
  if (items.length !== 1 || item?.kind !== 'event') return undefined;
  return { format: item.format, read: readFromAuditEvent(item.event, item.format, item.fallbackTime) };
}

/** Checks one line; returns whether the walk took it. Failures name the line (its start, when it is long). */
function check(line: string): boolean {
  const label = line.length > 300 ? `${line.slice(0, 300)}… (${line.length} characters)` : line;
  const bytes = Buffer.from(line);
  // Somewhere inside a larger buffer, as lines are in a chunk.
  const buf = Buffer.concat([Buffer.from('xx\n'), bytes, Buffer.from('\nyy')]);
  const event = reader.read(buf, 3, 3 + bytes.length);
  if (event === undefined) return false;
  const expected = reference(line);
  expect(expected, label).not.toBe('refused');
  expect(expected, label).toBeDefined();
  if (expected === undefined || expected === 'refused') return true;
  expect(event.format, label).toBe(expected.format);
  const read = event.fields && readFromFields(event.fields, event.format);
  expect(read, label).toEqual(expected.read);
  return true;
}

function realLines(): string[] {
  const lines: string[] = [];
  for (const path of LOGS)
    for (const line of readFileSync(path, 'utf8').split('\n')) if (line.trim() !== '') lines.push(line);
  return lines;
}

const BASE = {
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'Metadata',
  auditID: '0b1b4a49-0a3e-4cbb-9d2a-6a0b8e0a0e01',
  stage: 'ResponseComplete',
  requestURI: '/api/v1/namespaces/prod/secrets?fieldSelector=metadata.name%3Ddb&limit=500',
  verb: 'list',
  user: {
    username: 'system:serviceaccount:prod:app',
    groups: ['system:serviceaccounts', 'system:authenticated'],
    extra: {
      'authentication.kubernetes.io/pod-name': ['app-7d9f'],
      'authentication.kubernetes.io/node-name': ['node-1'],
      'authentication.kubernetes.io/credential-id': ['JTI=abc'],
    },
  },
  sourceIPs: ['10.0.0.1'],
  userAgent: 'app/1.0',
  objectRef: { resource: 'secrets', namespace: 'prod', name: 'db', apiVersion: 'v1' },
  responseStatus: { metadata: {}, code: 200 },
  requestReceivedTimestamp: '2025-06-01T00:00:00.123456Z',
  stageTimestamp: '2025-06-01T00:00:00.223456Z',
  annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' },
};

/** Variants of a native Secret read that each touch one rule of JSON or of the field narrowing. */
function craftedLines(): string[] {
  const json = JSON.stringify(BASE);
  const variant = (patch: Record<string, unknown>) => JSON.stringify({ ...BASE, ...patch });
  const lines = [
    json,
    // Go's encoder escapes & < > in strings; escapes in any field
    json.replace('&limit', '\\u0026limit'),
    json.replace('"prod"', '"pr\\u006fd"'),
    json.replace('"resource":"secrets"', '"resource":"secr\\u0065ts"'),
    json.replace('"verb":"list"', '"verb":"l\\u0069st"'),
    json.replace('"resource":"secrets"', '"resource" : "secrets"'),
    json.replace('"app/1.0"', '"app\\/1.0\\t\\n\\"x\\\\"'),
    json.replace('"system:authenticated"', '"system:auth\\u00e9nticated"'),
    // an escaped key where keys are looked up, and where they are not
    json.replace('"verb"', '"v\\u0065rb"'),
    json.replace('"level"', '"l\\u0065vel"'),
    json.replace('"authorization.k8s.io/reason"', '"authorization.k8s.io/re\\u0061son"'),
    // repeated keys: the last value wins, whole
    json.replace('"verb":"list"', '"verb":"delete","verb":"list"'),
    json.replace('"verb":"list"', '"verb":"list","verb":"delete"'),
    json.replace('"objectRef":{', '"objectRef":{"resource":"configmaps"},"objectRef":{'),
    json.replace('"objectRef":{"resource":"secrets"', '"objectRef":{"resource":"pods","resource":"secrets"'),
    json.replace('"user":{', '"user":{"username":"x","extra":{"authentication.kubernetes.io/pod-name":"p"}},"user":{'),
    `${json.slice(0, -1)},"user":"someone"}`,
    `${json.slice(0, -1)},"objectRef":null}`,
    `${json.slice(0, -1)},"sourceIPs":[]}`,
    // shapes the narrowing cares about
    variant({ user: ['x'] }),
    variant({ user: { username: 7, groups: 'g' } }),
    variant({ user: { username: '', groups: ['a', 1, null, 'b', ['c'], { d: 'e' }] } }),
    variant({ user: { username: 'u', extra: 'x' } }),
    variant({ user: { username: 'u', extra: { 'authentication.kubernetes.io/pod-name': 'p' } } }),
    variant({ user: { username: 'u', extra: { 'authentication.kubernetes.io/pod-name': [] } } }),
    variant({ user: { username: 'u', extra: { 'authentication.kubernetes.io/pod-name': [''] } } }),
    variant({ user: { username: 'u', extra: { 'authentication.kubernetes.io/pod-name': [3, 'p'] } } }),
    variant({ user: { username: 'u', extra: { 'authentication.kubernetes.io/node-name': ['n\\u0031'] } } }),
    variant({ impersonatedUser: { username: 'alice', groups: ['devs'] } }),
    variant({ impersonatedUser: { username: '' } }),
    variant({ impersonatedUser: 'alice' }),
    variant({ objectRef: { resource: 'secrets', subresource: '', apiGroup: '' } }),
    variant({ objectRef: { resource: 'secrets', subresource: 'status' } }),
    variant({ objectRef: { resource: 'secrets', apiGroup: 'example.com' } }),
    variant({ objectRef: { resource: 'secrets', namespace: '', name: '' } }),
    variant({ objectRef: [{ resource: 'secrets' }] }),
    variant({ objectRef: { resource: 'secrets' }, verb: 'get' }),
    variant({ objectRef: { resource: 'secrets' }, verb: 'watch', requestURI: '/api/v1/watch/namespaces/a/secrets/b' }),
    variant({ verb: 'create' }),
    variant({ verb: 'GET' }),
    variant({ verb: 1 }),
    variant({ requestURI: 5 }),
    variant({ stage: 'RequestReceived' }),
    variant({ stage: 'Odd' }),
    variant({ stage: null }),
    variant({ stage: 'toString' }),
    variant({ stage: '__proto__' }),
    variant({ auditID: '' }),
    variant({ auditID: 12 }),
    variant({ apiVersion: 'audit.k8s.io/v1beta1' }),
    variant({ responseStatus: { code: 403 } }),
    variant({ responseStatus: { code: 4.03e2 } }),
    variant({ responseStatus: { code: '403' } }),
    variant({ responseStatus: { code: -0.5e-3 } }),
    variant({ responseStatus: 403 }),
    variant({ annotations: { 'authorization.k8s.io/decision': 'forbid' } }),
    variant({ annotations: [] }),
    variant({ sourceIPs: 'x' }),
    variant({ userAgent: '' }),
    // timestamps: every form utcTimestamp reads and some it leaves to Date.parse
    variant({ requestReceivedTimestamp: '2025-06-01T00:00:00Z' }),
    variant({ requestReceivedTimestamp: '2025-06-01T23:59:59.9Z' }),
    variant({ requestReceivedTimestamp: '2025-06-01T23:59:59.999999999Z' }),
    variant({ requestReceivedTimestamp: '2024-02-29T12:00:00.5Z' }),
    variant({ requestReceivedTimestamp: '2025-01-31T12:00:00.5Z' }),
    variant({ requestReceivedTimestamp: '2025-12-31T12:00:00Z' }),
    variant({ requestReceivedTimestamp: '1970-01-01T00:00:00Z' }),
    variant({ requestReceivedTimestamp: '1000-03-01T00:00:00Z' }),
    variant({ requestReceivedTimestamp: '0999-03-01T00:00:00Z' }),
    variant({ requestReceivedTimestamp: '2025-06-01T00:00:00.Z' }),
    variant({ requestReceivedTimestamp: '2025-06-01T00:00:00+02:00' }),
    variant({ requestReceivedTimestamp: '2025-06-01 00:00:00Z' }),
    variant({ requestReceivedTimestamp: 'yesterday' }),
    variant({ requestReceivedTimestamp: 1748736000123 }),
    variant({ requestReceivedTimestamp: null, stageTimestamp: null, timestamp: '2025-06-02T00:00:00Z' }),
    variant({
      requestReceivedTimestamp: null,
      stageTimestamp: null,
      metadata: { creationTimestamp: '2025-06-03T00:00:00Z' },
    }),
    variant({ requestReceivedTimestamp: '2025-06-01T24:00:00Z' }),
    variant({ requestReceivedTimestamp: '2025-13-01T00:00:00Z' }),
    // other formats' envelopes and wrappers: left to JSON.parse
    JSON.stringify({ protoPayload: { methodName: 'io.k8s.core.v1.secrets.get' } }),
    JSON.stringify({ category: 'kube-audit', properties: { log: json } }),
    JSON.stringify({ message: json, timestamp: 1 }),
    JSON.stringify({ records: [BASE] }),
    JSON.stringify({ kind: 'EventList', items: [BASE] }),
    JSON.stringify([BASE]),
    JSON.stringify({ kind: 'Event', verb: 'get', objectRef: { resource: 'secrets' } }),
    JSON.stringify({ kind: 'Other', verb: 'get', objectRef: { resource: 'secrets' } }),
    // JSON's own rules
    ` \t${json}\r `,
    json.replace(/,/g, ' , ').replace(/:/g, ' :\n\t'),
    json.replace('"code":200', '"code":200.5e+1'),
    json.replace('"code":200', '"code":-0'),
    json.replace('"code":200', '"code":true,"x":false,"y":null'),
    json.replace('"metadata":{}', '"metadata":{"deep":[[[[{"a":[{}]}]]]]}'),
    `${'['.repeat(70)}${']'.repeat(70)}`,
    `{"kind":"Event","auditID":"a","x":${'['.repeat(70)}${']'.repeat(70)},"verb":"get","objectRef":{"resource":"secrets"}}`,
    `{"a":"${'x'.repeat(100_000)}",${json.slice(1)}`,
    `{"groups":1,${json.slice(1)}`,
    `\ufeff${json}`,
    `${json},`,
    `2025-06-01T00:00:00Z ${json}`,
  ];
  // Damage JSON.parse refuses: each must be left to it.
  const invalid = [
    json.slice(0, -1),
    `${json}}`,
    `${json} x`,
    json.replace('"code":200', '"code":01'),
    json.replace('"code":200', '"code":1.'),
    json.replace('"code":200', '"code":1e'),
    json.replace('"code":200', '"code":+1'),
    json.replace('"code":200', '"code":.5'),
    json.replace('"code":200', '"code":NaN'),
    json.replace('"code":200', '"code":tru'),
    json.replace('"code":200', '"code":nul'),
    json.replace('"code":200', '"code":True'),
    json.replace('"app/1.0"', '"app\\x"'),
    json.replace('"app/1.0"', '"app\\u12G4"'),
    json.replace('"app/1.0"', '"app\ttab"'),
    json.replace('"app/1.0"', "'app'"),
    json.replace('"verb":"list",', '"verb":"list",,'),
    json.replace('}', ',}'),
    json.replace('["10.0.0.1"]', '["10.0.0.1",]'),
    json.replace(':', ''),
    `${json}\u0000`,
    '{"a":1}{"b":2}',
    '{',
    '',
    '   ',
  ];
  return [...lines, ...invalid];
}

describe('the WebAssembly field walk reads what JSON.parse reads', () => {
  it('on real audit logs written by others', () => {
    const lines = realLines();
    const taken = lines.filter(check).length;
    expect(lines.length).toBeGreaterThan(100);
    // Most real lines are native events alone on a line.
    expect(taken).toBeGreaterThan(lines.length / 3);
  });

  it('on generated bench logs (every kind of request, a tenth of them Secret reads)', () => {
    let lines = 0;
    let taken = 0;
    for (const line of generateLines(mulberry32(7), 0.1)) {
      if (check(line)) taken++;
      if (++lines >= 10_000) break;
    }
    expect(taken).toBeGreaterThan(lines * 0.9);
  }, 60_000);

  it('on crafted cases: escapes, repeated keys, odd shapes, timestamps, envelopes, JSON grammar', () => {
    const lines = craftedLines();
    const taken = lines.filter(check).length;
    expect(taken).toBeGreaterThan(60);
  });

  it('on random damage to valid lines', () => {
    const random = mulberry32(11);
    const samples = [JSON.stringify(BASE)];
    for (const line of generateLines(mulberry32(3), 1)) if (samples.push(line) > 50) break;
    const alphabet = '{}[]":,\\ \t\nu0aeE.-+1trfn\u00e9\u0001/';
    let taken = 0;
    for (let n = 0; n < 30_000; n++) {
      const line = samples[Math.floor(random() * samples.length)]!;
      const at = Math.floor(random() * line.length);
      const cut = Math.floor(random() * 3);
      const insert = random() < 0.7 ? alphabet[Math.floor(random() * alphabet.length)]! : '';
      if (check(line.slice(0, at) + insert + line.slice(at + cut))) taken++;
    }
    expect(taken).toBeGreaterThan(1000);
  }, 60_000);
});

describe("the walk's table of strings", () => {
  /** A Secret read with `count` distinct values of a repeated key before its real verb: JSON.parse keeps the last. */
  function repeated(count: number, user = 'alice'): string {
    const values = Array.from({ length: count }, (_, i) => `"verb":"v${i.toString(36)}"`).join(',');
    return (
      `{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a1","stage":"prod","userAgent":"${'u'.repeat(200)}",` +
      `"objectRef":{"resource":"secrets","namespace":"prod","name":"db"},"user":{"username":"${user}"},${values},` +
      `"verb":"get","requestURI":"/api/v1/namespaces/prod/secrets/db"}`
    );
  }

  it('gives the same read when one line holds more new strings than the table takes', () => {
    for (const count of [8_195, 9_000, 14_000, 17_000]) check(repeated(count));
  });

  it('gives the same reads when lines of ever-new strings make it start again, many times', () => {
    const random = mulberry32(5);
    for (let i = 0; i < 30_000; i++) {
      const fresh = () => Math.floor(random() * 1e12).toString(36);
      check(JSON.stringify({ ...BASE, user: { username: fresh(), groups: [fresh(), fresh()] }, userAgent: fresh() }));
    }
  }, 60_000);

  it('takes a line of 1 MiB', () => {
    const base = JSON.stringify(BASE);
    const line = `{"padding":"${'x'.repeat((1 << 20) - base.length - 13)}",${base.slice(1)}`;
    expect(Buffer.byteLength(line)).toBe(1 << 20);
    expect(check(line)).toBe(true);
  });
});

describe('where the walk does not go', () => {
  it('lines past 1 MiB, and everything where WebAssembly cannot run, go to JSON.parse', () => {
    const long = Buffer.from(JSON.stringify({ ...BASE, padding: 'x'.repeat(2 << 20) }));
    expect(reader.read(long, 0, long.length)).toBeUndefined();
    const short = Buffer.from(JSON.stringify(BASE));
    expect(reader.read(short, 0, short.length)?.fields?.verb).toBe('list');
    vi.stubGlobal('WebAssembly', undefined);
    try {
      expect(createWasmEventReader()).toBeNull();
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('a scan with the walk gives what a scan with JSON.parse alone gives', () => {
  /** denseAfter: LineScannerOptions.denseAfter (Infinity: every line searched for the needle). */
  function scan(content: Buffer, jsonOnly: boolean, denseAfter?: number) {
    const reads: [SecretRead, boolean][] = [];
    const skips = new SkipTally(1000);
    const limits = { ...DEFAULT_LIMITS, ...(denseAfter !== undefined ? { denseAfter } : {}) };
    const input = new InputScan('log', (read, recovered) => reads.push([read, recovered]), skips, limits, {
      jsonOnly,
    });
    for (let at = 0; at < content.length; at += 4096) input.push(Buffer.from(content.subarray(at, at + 4096)));
    const result = input.end(false);
    return {
      reads,
      skips: skips.skipped,
      summary: result.summary,
      formats: [...result.formats],
      parsed: result.parsed,
    };
  }

  it.each(LOGS)('%s', (path) => {
    const content = readFileSync(path);
    expect(scan(content, false)).toEqual(scan(content, true));
  });

  it('a log of the crafted cases, after five sample lines (which JSON.parse reads)', () => {
    const content = Buffer.from(
      `${[...Array(5).fill(JSON.stringify({ ...BASE, verb: 'create' })), ...craftedLines()].join('\n')}\n`,
    );
    const walked = scan(content, false);
    expect(walked.reads.length).toBeGreaterThan(40);
    expect(walked).toEqual(scan(content, true));
  });

  describe('and lines not searched for the needle (after lines in a row that hold it) count as searched ones', () => {
    // Runs of crafted lines broken by lines without the needle, malformed ones and other resources.
    const crafted = craftedLines();
    const breaks = [
      'plain text',
      JSON.stringify({ ...BASE, objectRef: { resource: 'configmaps', namespace: 'prod', name: 'x' } }),
      '{"kind":"Event","half',
      '',
      `${JSON.stringify(BASE).slice(0, -1)},"note":"crets"}`,
    ];
    const rows: string[] = Array(5).fill(JSON.stringify({ ...BASE, verb: 'create' }));
    crafted.forEach((line, i) => rows.push(line, ...(i % 3 === 2 ? [breaks[i % breaks.length]!] : [])));
    const mixed = Buffer.from(`${rows.join('\n')}\n`);

    it.each([1, 2, 7])('a log of crafted runs and breaks, unsearched after %i', (denseAfter) => {
      const searched = scan(mixed, true, Infinity);
      expect(searched.reads.length).toBeGreaterThan(40);
      expect(scan(mixed, false, denseAfter)).toEqual(searched);
      expect(scan(mixed, true, denseAfter)).toEqual(searched);
    });

    it.each(LOGS)('%s', (path) => {
      const content = readFileSync(path);
      expect(scan(content, false, 1)).toEqual(scan(content, true, Infinity));
    });
  });

  it("a log with a line past the walk's 1 MiB", () => {
    const long = JSON.stringify({ ...BASE, padding: 'x'.repeat(2 << 20) });
    const content = Buffer.from(`${JSON.stringify(BASE)}\n${long}\n${JSON.stringify({ ...BASE, auditID: 'b' })}\n`);
    const walked = scan(content, false);
    expect(walked.reads).toHaveLength(3);
    expect(walked).toEqual(scan(content, true));
  });

  it('a generated log with damaged, huge and non-UTF-8 lines', () => {
    for (const file of trickyLog(5, 400, 4096).files) {
      if (file.name.endsWith('.gz')) continue;
      expect(scan(file.content, false)).toEqual(scan(file.content, true));
    }
  });
});

describe('lines handed on unsearched after a run of Secret reads', () => {
  it('a long line without the needle after a run is not walked (a walk of it costs far more than a search)', () => {
    // A policy as the Kubernetes docs' example: Secrets at Metadata, other resources at RequestResponse, so a
    // list of ConfigMaps logs its 200 KB response body. Runs of Secret reads (kubelets) between such lines.
    const items = Array.from({ length: 2000 }, (_, k) => ({
      metadata: { name: `cm-${k}`, namespace: 'prod' },
      data: { 'config.yaml': 'key: value' },
    }));
    const big = JSON.stringify({
      ...BASE,
      level: 'RequestResponse',
      requestURI: '/api/v1/configmaps',
      objectRef: { resource: 'configmaps', apiVersion: 'v1' },
      responseObject: { kind: 'ConfigMapList', items },
    });
    expect(big.includes('crets')).toBe(false);
    expect(big.length).toBeGreaterThan(100_000);
    const rows: string[] = [];
    for (let run = 0; run < 10; run++) {
      for (let i = 0; i < 40; i++) rows.push(JSON.stringify({ ...BASE, auditID: `r${run}-${i}` }));
      rows.push(big);
    }
    const content = Buffer.from(`${rows.join('\n')}\n`);
    /** Walks of the long lines by a scan with this denseAfter (undefined: the default). */
    const walkedBig = (denseAfter?: number) => {
      const walk = vi.spyOn(WasmEventReader.prototype, 'walk');
      try {
        const reads: SecretRead[] = [];
        const limits = { ...DEFAULT_LIMITS, ...(denseAfter !== undefined ? { denseAfter } : {}) };
        const input = new InputScan('log', (r) => reads.push(r), new SkipTally(10), limits);
        input.push(content);
        input.end(false);
        expect(reads).toHaveLength(400);
        // The spy sees the walks (the Secret reads are walked): a count of 0 below is of the long lines only.
        expect(walk.mock.calls.length).toBeGreaterThan(300);
        return walk.mock.calls.filter(([, start, end]) => end - start > 100_000).length;
      } finally {
        walk.mockRestore();
      }
    };
    expect(walkedBig(Infinity)).toBe(0);
    // Walking them (before long lines were searched in a run) took ~1.5-2× the CPU of such a log.
    expect(walkedBig()).toBe(0);
  });
});

describe('the walk at its edges: keys matched whole against the key that came there last, strings sixteen bytes at a time', () => {
  /**
   * Keys of the lines: those the walk looks up (wasm-event.ts KEYS) and others, written 7 to 66 bytes long (around the
   * 16-byte steps and the 64 bytes of the text of a key it expects).
   */
  const KEYS = [
    'kind',
    'apiVersion',
    'auditID',
    'stage',
    'requestURI',
    'verb',
    'userAgent',
    'requestReceivedTimestamp',
    'timestamp',
    'stageTimestamp',
    'sourceIPs',
    'objectRef',
    'user',
    'impersonatedUser',
    'responseStatus',
    'annotations',
    'metadata',
    'resource',
    'namespace',
    'name',
    'username',
    'groups',
    'extra',
    'code',
    'creationTimestamp',
    'authorization.k8s.io/decision',
    'authentication.kubernetes.io/pod-name',
    'authentication.kubernetes.io/node-uid',
    'authorization.k8s.io/reason',
    'level',
    'uid',
    'k'.repeat(60),
    'k'.repeat(61),
    'k'.repeat(62),
  ];
  /** A key as written, `"key":`, or one of its near misses: one byte more, less or changed, escaped, spaced, cut. */
  function nearMiss(key: string, random: () => number): string {
    const i = Math.floor(random() * key.length);
    const forms = [
      `"${key}x":`,
      `"${key.slice(0, -1)}":`,
      `"${key.slice(0, i)}${key[i] === 'a' ? 'b' : 'a'}${key.slice(i + 1)}":`,
      `"${key.slice(0, i)}\\u${key.charCodeAt(i).toString(16).padStart(4, '0')}${key.slice(i + 1)}":`,
      `"${key}" :`,
      `"${key}"\t:`,
      `"${key}":`,
      `"${key}",`,
      `"${key}"`,
      `"${key}\\":`,
      `"${key}\u0001":`,
      `"${key}\u00e9":`,
    ];
    return forms[Math.floor(random() * forms.length)]!;
  }

  it('keys that are near misses of the one expected, lines read twice (the second time it is expected)', () => {
    const random = mulberry32(21);
    const base = JSON.stringify(BASE);
    const withLongKeys = JSON.stringify({
      ...BASE,
      [KEYS.at(-3)!]: 1,
      [KEYS.at(-2)!]: { uid: 'x' },
      [KEYS.at(-1)!]: 2,
    });
    let taken = 0;
    for (let n = 0; n < 20_000; n++) {
      let line = n % 2 ? base : withLongKeys;
      // A few keys changed; the rest stay what the last lines taught the walk to expect.
      for (let changes = 1 + Math.floor(random() * 3); changes > 0; changes--) {
        const key = KEYS[Math.floor(random() * KEYS.length)]!;
        line = line.replace(`"${key}":`, nearMiss(key, random));
      }
      if (random() < 0.3) line = line.replace(/"[a-zA-Z]+":\{/, (m) => `${m}"${KEYS[n % KEYS.length]}":1,`);
      if (check(line)) taken++;
      check(line);
      check(base);
      check(withLongKeys);
    }
    expect(taken).toBeGreaterThan(3000);
  }, 60_000);

  it('every cut of a line of up to 240 bytes, with its end just after a key, inside one or a string', () => {
    const line = JSON.stringify({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      verb: 'get',
      objectRef: { resource: 'secrets', name: 'db' },
      annotations: { 'authorization.k8s.io/decision': 'allow' },
      user: { username: 'u', groups: ['g'] },
      stage: 'ResponseComplete',
    });
    expect(line.length).toBeLessThan(240);
    for (let length = 0; length <= line.length; length++) {
      check(line);
      check(line.slice(0, length));
      check(`${line.slice(0, length)}}`);
      check(`${line.slice(0, length)}"}`);
    }
    expect(check(line)).toBe(true);
  });

  it('strings with backslash runs, control bytes and non-ASCII at every place around 16 bytes', () => {
    const random = mulberry32(22);
    const pieces = [
      '\\\\',
      '\\"',
      '\\',
      '\\\\\\',
      '\\u0041',
      '\\u00',
      '\\n',
      '\\q',
      '\u0001',
      '\u001f',
      '\u007f',
      '\u00e9',
      '"',
    ];
    let taken = 0;
    for (let at = 0; at < 48; at++)
      for (const piece of pieces) {
        const value = `${'x'.repeat(at)}${piece}${'y'.repeat(Math.floor(random() * 20))}`;
        for (const key of ['userAgent', 'level', 'verb']) {
          const line = JSON.stringify(BASE).replace(`"${key}":"`, `"${key}":"${value}`);
          if (check(line)) taken++;
          if (check(line.replace(`"${key}":"`, `"${value}":"`))) taken++;
        }
      }
    expect(taken).toBeGreaterThan(500);
  });

  it('nesting around the deepest the walk takes, under keys it looks up and keys it does not', () => {
    for (let depth = 60; depth <= 68; depth++)
      for (const key of ['metadata', 'user', 'level']) {
        const nested = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
        check(`{"kind":"Event","verb":"get","${key}":${nested},"objectRef":{"resource":"secrets"}}`);
        check(`{"kind":"Event","verb":"get","${key}":${'['.repeat(depth)}${']'.repeat(depth)}}`);
      }
  });
});
