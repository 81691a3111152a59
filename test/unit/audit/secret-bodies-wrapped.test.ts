// A Secret write logged at Request level, as EKS (CloudWatch: the event as a JSON string in "message") and AKS
// (diagnostics: the event as a string in properties.log) export it: the body holds the Secret's values whichever
// way the event is wrapped, and is counted as it is when the event stands alone on its line.
import { describe, expect, it } from 'vitest';
import { runAudit } from '../../../src/audit/run.js';
import { memoryInput } from './memory-input.js';
import { secretCreateEvent, secretReadEvent } from './secret-read-event.js';

const secret = { kind: 'Secret', apiVersion: 'v1', metadata: { name: 'db', namespace: 'prod' }, data: { p: 'eA==' } };

const event = secretReadEvent;

const EVENTS = [
  ...[1, 2, 3, 4, 5, 6].map((n) => event(n)),
  // a create at Request level: the Secret's values in requestObject
  secretCreateEvent(7, secret),
];

const log = (wrap: (e: Record<string, unknown>, i: number) => unknown) =>
  Buffer.from(`${EVENTS.map((e, i) => JSON.stringify(wrap(e, i))).join('\n')}\n`);

describe('a Secret write with a body, wrapped as a log service exports it', () => {
  it.each([
    ['native', (e: Record<string, unknown>) => e],
    ['eks', (e: Record<string, unknown>, i: number) => ({ timestamp: 1748772000000 + i, message: JSON.stringify(e) })],
    ['aks', (e: Record<string, unknown>) => ({ category: 'kube-audit', properties: { log: JSON.stringify(e) } })],
  ])('%s: counted', async (_format, wrap) => {
    const report = await runAudit([memoryInput('a.log', log(wrap))]);
    expect(report.inputs[0]!.secretBodies).toBe(1);
  });
});
