// investigate's scan wants each request and each write: the tally then only passes over the Secret reads its
// query leaves out, in runs too, now that writes are looked for in the same pass (RBAC_NEEDLE). Every read, write
// and count must be what JavaScript alone finds: RBAC and Secret writes amid dense runs of reads, a read that holds
// the RBAC needle, records with a key twice, a window, two inputs, chunk edges anywhere.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { RequestTally } from '../../../src/audit/request-tally.js';
import { runAudit, type AuditOptions } from '../../../src/audit/run.js';
import { FIXTURES, memoryInput } from './memory-input.js';
import { agreesWithJavascriptAlone } from './javascript-alone.js';
import { generateLines } from '../../../bench/audit/generate-log.mjs';
import { mulberry32 } from '../../harness/prng.mjs';

const REALDATA = '/work/shared/realdata/audit/';
const LOGS = [REALDATA, FIXTURES].flatMap((dir) =>
  readdirSync(dir)
    .filter((n) => !n.endsWith('.md'))
    .map((n) => dir + n),
);

async function each(content: Buffer, options: AuditOptions, chunk = 1 << 20) {
  const reads: unknown[] = [];
  const writes: unknown[] = [];
  const counted = await runAudit([memoryInput('a.log', content, chunk), memoryInput('b.log', content, chunk)], {
    ...options,
    onRequest: (r) => reads.push(r),
    onWrite: (w) => writes.push(w),
  });
  return { counted, reads, writes };
}
const agrees = (content: Buffer, options: AuditOptions, chunk?: number) =>
  agreesWithJavascriptAlone(() => each(content, options, chunk), JSON.stringify(options));

const OPTS: AuditOptions[] = [
  { namespace: 'prod', name: 'db-password', includeSystem: true },
  { namespace: 'prod', name: 'db-password', since: '2025-06-01T00:00:30Z' },
  { namespace: 'kube-system', name: 'api-token', includeSystem: true },
];

/** One ResponseComplete stage of a write by mallory, with what sets it apart. */
function writeLine(i: number, fields: Record<string, unknown>): string {
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    stage: 'ResponseComplete',
    user: { username: 'mallory' },
    sourceIPs: ['10.0.0.9'],
    requestReceivedTimestamp: '2025-06-01T00:01:00.000000Z',
    stageTimestamp: '2025-06-01T00:01:00.000000Z',
    ...fields,
  });
}

const rbacWrite = (i: number, verb = 'create'): string =>
  writeLine(i, {
    requestURI: '/apis/rbac.authorization.k8s.io/v1/namespaces/prod/rolebindings',
    verb,
    objectRef: {
      resource: 'rolebindings',
      namespace: 'prod',
      name: `rb-${i}`,
      apiGroup: 'rbac.authorization.k8s.io',
      apiVersion: 'v1',
    },
    responseStatus: { code: 201 },
  });

const secretWrite = (i: number, name = 'db-password'): string =>
  writeLine(500_000 + i, {
    requestURI: `/api/v1/namespaces/prod/secrets/${name}`,
    verb: 'patch',
    objectRef: { resource: 'secrets', namespace: 'prod', name, apiVersion: 'v1' },
    responseStatus: { code: 200 },
  });

describe('reads and writes for a caller that wants each request, as JavaScript alone finds them', () => {
  it.each(LOGS)('%s', async (path) => {
    for (const o of OPTS) await agrees(readFileSync(path), o);
  });
  it('a generated log with RBAC and Secret writes amid dense runs of reads', async () => {
    const lines: string[] = [];
    let i = 0;
    for (const line of generateLines(mulberry32(7), 1)) {
      lines.push(line);
      i++;
      if (i % 37 === 0) lines.push(rbacWrite(i, ['create', 'delete', 'patch', 'get'][i % 4]));
      if (i % 53 === 0) lines.push(secretWrite(i, i % 2 ? 'db-password' : 'other'));
      if (i % 71 === 0)
        lines.push(lines[lines.length - 2]!.replace('"userAgent":"', '"userAgent":"rbac.authorization '));
      if (i >= 4000) break;
    }
    const content = Buffer.from(`${lines.join('\n')}\n`);
    for (const o of [
      ...OPTS,
      { namespace: 'prod', name: 'db-password', since: '2025-01-01T00:00:00Z', until: '2030-01-01T00:00:00Z' },
    ]) {
      for (const chunk of [97, 4096, 1 << 20]) {
        const { reads, writes } = await agrees(content, o, chunk);
        if (o === OPTS[0]) {
          expect(writes.length).toBeGreaterThan(0);
          expect(reads.length).toBeGreaterThan(0);
        }
      }
    }
  }, 120_000);
});
describe('a record with a key twice', () => {
  it('is read as JavaScript reads it (the last value), and the tally takes part', async () => {
    const lines: string[] = [];
    let i = 0;
    for (const line of generateLines(mulberry32(9), 1)) {
      lines.push(line);
      if (++i % 29 === 0) {
        const w = secretWrite(i).replace('"verb":"patch"', '"verb":"get"');
        lines.push(w.replace('"responseStatus"', '"verb":"delete","responseStatus"'));
        lines.push(
          w.replace('"verb":"get"', '"verb":"delete"').replace('"responseStatus"', '"verb":"get","responseStatus"'),
        );
      }
      if (i >= 3000) break;
    }
    const spy = vi.spyOn(RequestTally.prototype, 'countWalked');
    const content = Buffer.from(`${lines.join('\n')}\n`);
    for (const o of OPTS) await agrees(content, o, 4096);
    expect(spy.mock.calls.length).toBeGreaterThan(0);
    spy.mockRestore();
  }, 60_000);
});
