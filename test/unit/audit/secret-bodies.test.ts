// A log written at Request or RequestResponse level for Secrets (the Kubernetes docs' own sample policy) holds their
// values in requestObject and responseObject. The scan counts such events per input, whichever path reads the line
// (the request tally leaves them to JavaScript), and the report warns; it never reads the bodies further.
import { describe, expect, it, vi } from 'vitest';
import { RequestTally } from '../../../src/audit/request-tally.js';
import { runAudit } from '../../../src/audit/run.js';
import { auditDocument } from '../../../src/audit/document.js';
import { resolveQuery } from '../../../src/audit/query.js';
import { DEFAULT_LIMITS, InputScan } from '../../../src/audit/input-scan.js';
import { SkipTally } from '../../../src/audit/skip-tally.js';
import { memoryInput } from './memory-input.js';
import { javascriptAlone } from './javascript-alone.js';
import { secretCreateEvent, secretReadEvent } from './secret-read-event.js';

const VALUE = 'CANARY-body-7f3a9c';
const B64 = Buffer.from(VALUE).toString('base64');

const event = (n: number, fields: Record<string, unknown>): string => JSON.stringify(secretReadEvent(n, fields));

const secret = {
  kind: 'Secret',
  apiVersion: 'v1',
  metadata: { name: 'db', namespace: 'prod' },
  data: { password: B64 },
};
const LINES = [
  // five lines first: the scan samples the first five with JSON.parse
  ...[1, 2, 3, 4, 5].map((n) => event(n, {})),
  // a get logged at RequestResponse: the Secret in responseObject (a read the tally would count)
  event(6, { level: 'RequestResponse', responseObject: secret }),
  // a create at Request level: the Secret in requestObject
  JSON.stringify(secretCreateEvent(7, secret)),
  // a list at RequestResponse: every value of the namespace
  event(8, {
    level: 'RequestResponse',
    verb: 'list',
    requestURI: '/api/v1/namespaces/prod/secrets',
    objectRef: { resource: 'secrets', namespace: 'prod', apiVersion: 'v1' },
    responseObject: { kind: 'SecretList', apiVersion: 'v1', items: [secret] },
  }),
  // not Secrets: a ConfigMap's body, and a Metadata-level Secret read
  event(9, {
    level: 'RequestResponse',
    requestURI: '/api/v1/namespaces/prod/configmaps/db',
    objectRef: { resource: 'configmaps', namespace: 'prod', name: 'db', apiVersion: 'v1' },
    responseObject: { kind: 'ConfigMap', apiVersion: 'v1', data: { a: 'b' } },
  }),
  event(10, {}),
  // a line the walk declines (a byte outside ASCII): JSON.parse reads it for its body
  event(11, { level: 'Request', verb: 'update', userAgent: 'kubectl/v1.37.2 (é)', requestObject: secret }),
];
const LOG = Buffer.from(`${LINES.join('\n')}\n`);

function scanJsonOnly() {
  const scan = new InputScan('a.log', () => {}, new SkipTally(100), DEFAULT_LIMITS, { jsonOnly: true });
  scan.push(LOG);
  return scan.end(false).summary;
}

describe('Secret events with request or response bodies', () => {
  it('are counted per input, the same with the request tally, in JavaScript alone and with JSON.parse alone', async () => {
    const tallied = await runAudit([memoryInput('a.log', LOG)]);
    const reference = await javascriptAlone([memoryInput('a.log', LOG)]);
    expect(tallied.inputs[0]!.secretBodies).toBe(4);
    expect(tallied.inputs).toEqual(reference.inputs);
    expect(scanJsonOnly().secretBodies).toBe(4);
    // the read with a body still counts as a read
    expect(tallied.totals).toEqual(reference.totals);
    expect(tallied.rows).toEqual(reference.rows);
  });

  it('amid runs of reads the request tally counts in WebAssembly, a line at a time or many at once', async () => {
    const run = (from: number) => Array.from({ length: 300 }, (_, i) => event(from + i, {}));
    const log = Buffer.from(
      `${[...run(100), event(6, { level: 'RequestResponse', responseObject: secret }), ...run(1000)].join('\n')}\n`,
    );
    const tallied = await runAudit([memoryInput('b.log', log)]);
    expect(tallied.inputs[0]!.secretBodies).toBe(1);
    expect(tallied).toEqual(await javascriptAlone([memoryInput('b.log', log)]));
  });

  it('a request logged in two stages, its body in the second: the tally keeps counting (no hand-over)', async () => {
    const stages = (n: number, body: boolean) => [
      event(n, { stage: 'RequestReceived', responseStatus: undefined }),
      event(n, body ? { level: 'RequestResponse', responseObject: secret } : {}),
    ];
    const lines = Array.from({ length: 400 }, (_, i) => stages(100 + i, i % 50 === 7)).flat();
    const log = Buffer.from(`${lines.join('\n')}\n`);
    const handOver = vi.spyOn(RequestTally.prototype, 'handOver');
    const tallied = await runAudit([memoryInput('c.log', log)]);
    // once, at the end: a hand-over midway would leave the rest of the log to JavaScript
    expect(handOver).toHaveBeenCalledTimes(1);
    handOver.mockRestore();
    expect(tallied.inputs[0]!.secretBodies).toBe(8);
    expect(tallied).toEqual(await javascriptAlone([memoryInput('c.log', log)]));
  });

  it('the report warns, says the answer is whole, and holds no value', async () => {
    const report = await runAudit([memoryInput('a.log', LOG)]);
    const doc = auditDocument(report, resolveQuery({}), null);
    expect(doc.metadata.complete).toBe(true);
    expect(doc.metadata.warnings).toEqual([
      "a.log: 4 Secret events hold a request or response body (logged at Request or RequestResponse level), so this log holds those Secrets' values: log Secrets at Metadata level, and limit who may read it",
    ]);
    const text = JSON.stringify(doc);
    expect(text).not.toContain(VALUE);
    expect(text).not.toContain(B64);
  });

  it('a Metadata-level log: none, and no warning', async () => {
    const plain = Buffer.from(`${LINES.slice(0, 5).join('\n')}\n`);
    const report = await runAudit([memoryInput('a.log', plain)]);
    expect(report.inputs[0]!.secretBodies).toBe(0);
    expect(auditDocument(report, resolveQuery({}), null).metadata.warnings).toEqual([]);
  });
});
