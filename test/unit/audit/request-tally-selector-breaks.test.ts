// The WebAssembly request tally (src/audit/request-tally.ts, wasm/request-tally.as.ts) on field-selected names
// with a line break inside: its report is JavaScript's RequestCounter and Aggregator's (a count with onRequest).
import { describe, expect, it } from 'vitest';
import { ABANDONED, auditReport, countAudit, runAudit, type AuditOptions } from '../../../src/audit/run.js';
import { joinSegments } from '../../../src/audit/segments.js';
import { memoryInput } from './memory-input.js';
import { javascriptAlone } from './javascript-alone.js';

const ID = '11111111-2222-4333-8444-555555555555';

/** One stage of a list of Secrets in prod by alice, with `extra` fields on top. */
function event(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    auditID: ID,
    stage: 'ResponseComplete',
    verb: 'list',
    requestURI: '/api/v1/namespaces/prod/secrets',
    user: { username: 'alice' },
    sourceIPs: ['10.0.0.1'],
    userAgent: 'kubectl/v1.37.2',
    objectRef: { resource: 'secrets', namespace: 'prod', apiVersion: 'v1' },
    requestReceivedTimestamp: '2025-06-01T00:00:00.000000Z',
    responseStatus: { code: 200 },
    ...extra,
  });
}

/** The report with the tally, checked against the one of JavaScript alone. */
async function agrees(lines: string[], options: AuditOptions = {}) {
  const content = Buffer.from(`${lines.join('\n')}\n`);
  const reference = await javascriptAlone([memoryInput('a.log', content)], options);
  const tallied = await runAudit([memoryInput('a.log', content)], options);
  expect(tallied, JSON.stringify(options)).toEqual(reference);
  return reference;
}

describe('the request tally on selected names with a line break: the same report as JavaScript', () => {
  // field-selector.ts reads the name with /^\s*metadata\.name\s*(==|=)\s*(.+?)\s*$/, whose `.` matches no line
  // terminator: a name with a CR or LF inside selects nothing there (the read is namespace-wide). termName in
  // wasm/request-tally.as.ts takes every byte between the trimmed ends, so the tally counts it field-selected.
  it.each([
    ['percent-encoded LF', '/api/v1/namespaces/prod/secrets?fieldSelector=metadata.name%3Da%0Ab'],
    ['percent-encoded CR', '/api/v1/namespaces/prod/secrets?fieldSelector=metadata.name%3Da%0Db'],
    ['JSON-escaped LF', '/api/v1/namespaces/prod/secrets?watch=1&fieldSelector=metadata.name=a\nb'],
  ])('a selected name with a line break inside (%s)', async (_, requestURI) => {
    const reference = await agrees([event({ requestURI })]);
    expect(reference.rows[0]!.secrets).toEqual(['prod/*']);
    await agrees([event({ requestURI })], { groupBy: 'secret' });
  });

  it('a selected name with a line break inside, counted by a counting thread (segment mode)', async () => {
    const lines = [event({ requestURI: '/api/v1/namespaces/prod/secrets?fieldSelector=metadata.name%3Da%0Ab' })];
    const content = Buffer.from(`${lines.join('\n')}\n`);
    const options: AuditOptions = { groupBy: 'secret' };
    const reference = await javascriptAlone([memoryInput('a.log', content)], options);
    const count = await countAudit([memoryInput('a.log', content)], {
      ...options,
      pieces: [{ first: true, whole: true }],
    });
    if (count === ABANDONED) throw new Error('abandoned');
    const joined = joinSegments([{ count, files: [0] }], ['a.log'], options);
    if (typeof joined === 'string') throw new Error(joined);
    expect(auditReport(joined, options)).toEqual(reference);
  });
});
