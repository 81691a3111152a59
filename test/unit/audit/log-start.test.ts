// Where each log begins (AuditInputSummary.startsAt): the earliest time of the records read to tell its format.
// investigate judges "never read" only for bindings older than that, so it must be the same whichever path read
// those records (JSON.parse, the WebAssembly walk, the request tally counting or passing over them).
import { describe, expect, it } from 'vitest';
import { runAudit, type AuditOptions } from '../../../src/audit/run.js';
import { fixtureInput, memoryInput } from './memory-input.js';
import { javascriptAlone } from './javascript-alone.js';
import { secretReadEvent } from './secret-read-event.js';

const at = (minute: number) => `2025-06-01T10:${String(minute).padStart(2, '0')}:00.000Z`;

/** A get of Secret `name` in prod, its own request, received at minute `minute`. */
function read(n: number, minute: number, name = 'db'): string {
  return JSON.stringify(
    secretReadEvent(n, {
      requestURI: `/api/v1/namespaces/prod/secrets/${name}`,
      objectRef: { resource: 'secrets', namespace: 'prod', name, apiVersion: 'v1' },
      requestReceivedTimestamp: at(minute).replace('.000Z', '.000000Z'),
      stageTimestamp: at(minute + 1).replace('.000Z', '.000000Z'),
    }),
  );
}

async function startOf(lines: string[], options: AuditOptions = {}): Promise<string | null> {
  const content = Buffer.from(`${lines.join('\n')}\n`);
  const report = await runAudit([memoryInput('a.log', content)], options);
  const reference = await javascriptAlone([memoryInput('a.log', content)], options);
  expect(report.inputs, 'as JavaScript alone reads it').toEqual(reference.inputs);
  return report.inputs[0]!.startsAt;
}

describe('where a log begins', () => {
  it.each([
    ['k8s-v1-multistage.jsonl', '2025-06-01T10:00:00.000Z'],
    ['k8s-v1beta1.jsonl', '2017-09-11T20:29:04.000Z'],
    ['eks-cloudwatch.jsonl', '2025-06-03T12:00:00.000Z'],
    ['eks-filter-log-events.json', '2025-06-03T12:00:00.000Z'],
    ['gke-data-access.jsonl', '2025-06-02T08:00:00.000Z'],
    ['gke-export.json', '2025-06-02T08:00:00.000Z'],
    ['aks-kube-audit-admin.jsonl', '2025-06-04T09:02:00.000Z'],
    ['aks-records.json', '2025-06-04T09:00:00.000Z'],
    ['aks-single-bom.json', '2025-06-04T09:03:00.000Z'],
  ])('%s: the time of its earliest first record', async (name, startsAt) => {
    const report = await runAudit([fixtureInput(name)], { includeSystem: true });
    expect(report.inputs[0]!.startsAt).toBe(startsAt);
  });

  it('the earliest of the first records, not the first line, and no later line', async () => {
    const lines = [read(1, 30), read(2, 20), read(3, 25), read(4, 40), read(5, 35), read(6, 10), read(7, 5)];
    expect(await startOf(lines)).toBe(at(20));
  });

  it('the same where the request tally counts those records, or passes over them for a query of another Secret', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => read(i + 1, 50 - i, i % 2 ? 'db' : 'other'));
    expect(await startOf(lines)).toBe(at(46));
    expect(await startOf(lines, { name: 'db', namespace: 'prod', onRequest: () => {} })).toBe(at(46));
  });

  it('null when its first records carry no time; an empty log begins nowhere', async () => {
    const timeless = JSON.parse(read(1, 0)) as Record<string, unknown>;
    delete timeless['requestReceivedTimestamp'];
    delete timeless['stageTimestamp'];
    expect(await startOf([JSON.stringify(timeless)])).toBeNull();
    const empty = await runAudit([memoryInput('empty.log', '')]);
    expect(empty.inputs[0]!.startsAt).toBeNull();
  });
});
