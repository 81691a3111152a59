import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractAuditEvent, type ExtractedEvent } from '../../../src/audit/event-fields.js';
import { parseLine } from '../../../src/audit/layout.js';
import { unwrapRecord } from '../../../src/audit/unwrap-record.js';
import { readFromAuditEvent } from '../../../src/audit/native-event.js';
import { generateLines } from '../../../bench/audit/generate-log.mjs';
import { mulberry32 } from '../../harness/prng.mjs';
import { FIXTURES } from './memory-input.js';

/** Real logs gathered by others (see their SOURCES.md), read when this checkout sits next to them. */
// Where the other realdata tests find them too: beside the checkout's path would miss them from a clone elsewhere.
const REALDATA = process.env['KUBECTL_SECRETS_REALDATA_AUDIT'] ?? '/work/shared/realdata/audit/';

/** What the JSON.parse path makes of a line: undefined when it is not exactly one native event. */
function reference(line: Buffer): ExtractedEvent | undefined {
  const value = parseLine(line.toString('utf8'));
  if (value === undefined) return undefined;
  const items = [...unwrapRecord(value)];
  const item = items[0];
  if (items.length !== 1 || item?.kind !== 'event' || item.format === 'aks' || item.format === 'eks') return undefined;
  return { format: item.format, read: readFromAuditEvent(item.event, item.format, item.fallbackTime) };
}

/** The extractor either gives up or agrees with JSON.parse; returns whether it answered. */
function agrees(line: Buffer): boolean {
  // inside a larger buffer, as lines are scanned
  const padded = Buffer.concat([Buffer.from('{"x":1}\n'), line, Buffer.from('\n{"y":2}')]);
  const fast = extractAuditEvent(padded, 8, 8 + line.length);
  if (fast === undefined) return false;
  expect(fast, line.toString('latin1')).toEqual(reference(line));
  return true;
}

function generated(seed: number, count: number, secretShare: number): Buffer[] {
  const lines: Buffer[] = [];
  for (const line of generateLines(mulberry32(seed), secretShare)) {
    lines.push(Buffer.from(line));
    if (lines.length >= count) break;
  }
  return lines;
}

function linesOf(path: string): Buffer[] {
  const text = readFileSync(path);
  const lines: Buffer[] = [];
  for (let s = 0; s < text.length;) {
    let e = text.indexOf(0x0a, s);
    if (e === -1) e = text.length;
    if (e > s) lines.push(text.subarray(s, e));
    s = e + 1;
  }
  return lines;
}

/** One small change to a line: what a damaged, hand-edited or differently encoded log holds. */
function mutate(line: string, random: () => number): string {
  const at = Math.floor(random() * line.length);
  const ch = line[at]!;
  switch (Math.floor(random() * 12)) {
    case 0:
      return line.slice(0, at) + line.slice(at + 1); // a byte lost
    case 1:
      return `${line.slice(0, at)}\t${line.slice(at)}`; // a raw control byte
    case 2:
      return `${line.slice(0, at)}\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}${line.slice(at + 1)}`; // an escape
    case 3:
      return `${line.slice(0, at)}\\${line.slice(at)}`; // a stray backslash
    case 4:
      return `${line.slice(0, at)}é${line.slice(at)}`; // beyond ASCII
    case 5:
      return `${line.slice(0, at)} ${line.slice(at)}`; // a space
    case 6:
      return line.slice(0, at); // cut short
    case 7:
      return `${line},`; // a trailing comma (arrays written one element per line)
    case 8:
      return line.replace(/"([a-zA-Z]+)":/, '"$1":"dup","$1":'); // a repeated key
    case 9:
      return line.replace(
        '"code":200',
        `"code":${['200.0', '2e2', '-200', '0200', '"200"', 'null'][Math.floor(random() * 6)]}`,
      );
    case 10:
      return line.replace(
        `"${['verb', 'objectRef', 'user', 'annotations', 'sourceIPs'][Math.floor(random() * 5)]}":`,
        '"other":',
      );
    default:
      return line.replace(/"(namespace|name|username|decision|authorization\.k8s\.io\/decision)":"/, `"$1":"\\"x\\\\`);
  }
}

describe('the audit event field extractor agrees with JSON.parse', { timeout: 60_000 }, () => {
  it('on generated logs, where it reads nearly every Secret event itself', () => {
    for (const [seed, share] of [
      [1, 1],
      [2, 0.3],
      [3, 0.02],
    ] as const) {
      const lines = generated(seed, 4000, share);
      const answered = lines.filter(agrees).length;
      // bodies (Request level: most events but Secret reads) are left to JSON.parse
      if (share === 1) expect(answered / lines.length).toBeGreaterThan(0.95);
    }
  });

  it('on the fixtures and the real logs gathered by others, line by line', () => {
    const files = readdirSync(FIXTURES).map((f) => FIXTURES + f);
    if (existsSync(REALDATA))
      files.push(
        ...readdirSync(REALDATA)
          .filter((f) => !f.endsWith('.md'))
          .map((f) => REALDATA + f),
      );
    let answered = 0;
    let lines = 0;
    for (const file of files) {
      for (const line of linesOf(file)) {
        lines++;
        if (agrees(line)) answered++;
      }
    }
    // most real lines are other resources, with bodies, or 2017 shapes (metadata, timestamp): parsed in full
    expect(answered).toBeGreaterThan(0);
    expect(lines).toBeGreaterThan(answered);
  });

  it('on damaged and re-encoded lines: it gives up or gives the same answer', () => {
    const random = mulberry32(7);
    const lines = generated(4, 1500, 0.5).map((l) => l.toString('latin1'));
    let answered = 0;
    for (const line of lines) {
      for (let k = 0; k < 8; k++) {
        let changed = line;
        for (let n = 1 + Math.floor(random() * 2); n > 0; n--) changed = mutate(changed, random);
        if (agrees(Buffer.from(changed))) answered++;
      }
    }
    // some changes keep the shape (an escape in a value, a different code): those are still read here
    expect(answered).toBeGreaterThan(100);
  });

  it('decodes escapes in request URIs, names and users as JSON.parse does, and reads what v1.37 writes', () => {
    const line = (uri: string, name: string, user: string) =>
      `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a-1","stage":"ResponseComplete",` +
      `"requestURI":"${uri}","verb":"list","user":{"username":"${user}"},"sourceIPs":["10.0.0.1","::1"],` +
      `"objectRef":{"resource":"secrets","namespace":"prod","name":"${name}","apiVersion":"v1"},` +
      `"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2025-06-01T10:00:00.123456Z",` +
      `"stageTimestamp":"2025-06-01T10:00:00.223456Z"}`;
    const cases = [
      line('/api/v1/namespaces/prod/secrets?fieldSelector=metadata.name%3Ddb\\u0026limit=500', 'db', 'alice'),
      line('/api/v1/namespaces/prod/secrets?fieldSelector=metadata.name%3Ddb\\\\u0026limit=500', 'db', 'alice'),
      line('/api/v1/namespaces/prod/secrets?x=\\"y\\"\\u0026fieldSelector=metadata.name%3Ddb', 'd\\u0062', 'al\\/ice'),
      line('/api/v1/namespaces/prod/secrets', '', ''),
    ];
    // as kube-apiserver v1.37.2 writes an impersonated, denied read (from the e2e cluster's audit log)
    cases.push(
      '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"3074672e-2d09-44d9-befe-02166017fdd1",' +
        '"stage":"ResponseComplete","requestURI":"/api/v1/namespaces/audit-5b4e3e/secrets/db","verb":"get","user":{"username":' +
        '"kubernetes-admin","groups":["system:masters","system:authenticated"],"extra":{"authentication.kubernetes.io/credential-id":' +
        '["X509SHA256=07f14b7682ae5415a0b7fad5dec4057cf24017cebf76eaff6cf8469fcf336f05"]}},"impersonatedUser":{"username":' +
        '"audit-5b4e3e-mallory","groups":["system:authenticated"]},"authenticationMetadata":{"impersonationConstraint":' +
        '"impersonate:user-info"},"sourceIPs":["127.0.0.1"],"objectRef":{"resource":"secrets","namespace":"audit-5b4e3e","name":' +
        '"db","apiVersion":"v1"},"responseStatus":{"metadata":{},"status":"Failure","message":"secrets \\"db\\" is forbidden: ' +
        'User \\"audit-5b4e3e-mallory\\" cannot get resource \\"secrets\\" in API group \\"\\" in the namespace \\"audit-5b4e3e\\"",' +
        '"reason":"Forbidden","details":{"name":"db","kind":"secrets"},"code":403},"requestReceivedTimestamp":' +
        '"2026-12-04T19:02:35.190283Z","stageTimestamp":"2026-12-04T19:02:35.191120Z","annotations":' +
        '{"authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":""}}',
    );
    for (const c of cases) expect(agrees(Buffer.from(c)), c).toBe(true);
    const denied = extractAuditEvent(Buffer.from(cases[4]!), 0, Buffer.byteLength(cases[4]!))?.read;
    expect([denied?.denied, denied?.impersonatedUser, denied?.code]).toEqual([true, 'audit-5b4e3e-mallory', 403]);
    expect(extractAuditEvent(Buffer.from(cases[0]!), 0, cases[0]!.length)?.read?.name).toBe('db');
  });

  it('leaves writes, other resources and timestamps of other shapes to JSON.parse or agrees with it', () => {
    const base =
      '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"b-2","stage":"ResponseComplete",' +
      '"requestURI":"/api/v1/namespaces/prod/secrets/db","verb":"get","user":{"username":"zoe"},' +
      '"objectRef":{"resource":"secrets","namespace":"prod","name":"db","apiVersion":"v1"},' +
      '"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2025-06-01T10:00:00.123456Z",' +
      '"stageTimestamp":"2025-06-01T10:00:00.223456Z"}';
    expect(agrees(Buffer.from(base))).toBe(true);
    // bytes beyond ASCII are for JSON.parse to decode
    expect(extractAuditEvent(Buffer.from(base.replace('zoe', 'zoë')), 0, Buffer.byteLength(base) + 1)).toBeUndefined();
    // what investigate's timeline reads (writes, RBAC objects) is never decided here
    for (const [from, to] of [
      ['"verb":"get"', '"verb":"create"'],
      ['"verb":"get"', '"verb":"delete"'],
      ['"resource":"secrets"', '"resource":"rolebindings"'],
      ['"apiVersion":"v1"}', '"apiVersion":"v1","subresource":"status"}'],
      ['"namespace":"prod"', '"apiGroup":"example.com","namespace":"prod"'],
    ] as const) {
      const line = Buffer.from(base.replace(from, to));
      expect(extractAuditEvent(line, 0, line.length), to).toBeUndefined();
    }
    for (const time of [
      '2025-06-01T10:00:00Z',
      '2025-06-01T10:00:00.1Z',
      '2025-06-01T12:00:00.123456+02:00',
      'x'.repeat(27),
    ])
      expect(agrees(Buffer.from(base.replace('2025-06-01T10:00:00.123456Z', time))), time).toBe(true);
  });
});
