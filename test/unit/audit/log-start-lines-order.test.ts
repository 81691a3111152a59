// Where the logs begin, of JSON lines written newest first: `gcloud logging read --format=json | jq -c '.[]'` (gcloud's
// --order defaults to desc), or any export a SIEM lists newest first. An input's startsAt is told from its first
// records (the newest here); what investigate and who-can --log take as where the logs begin must not be later than
// a request the logs hold, or a binding created since would be judged as older than the window.
import { describe, expect, it } from 'vitest';
import { runAudit } from '../../../src/audit/run.js';
import { auditFacts } from '../../../src/cli/access-deps.js';
import { memoryInput } from './memory-input.js';
import { secretReadEvent } from './secret-read-event.js';

const hour = (h: number) => `2025-06-02T${String(h).padStart(2, '0')}:00:00.000Z`;

const event = (h: number): string =>
  JSON.stringify(secretReadEvent(h, { requestReceivedTimestamp: hour(h), stageTimestamp: hour(h) }));

const secret = { namespace: 'prod', name: 'db' };

describe('where logs of JSON lines begin', () => {
  it('written newest first: no later than the earliest request they hold', async () => {
    const hours = [20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    const report = await runAudit([memoryInput('gke.jsonl', `${hours.map(event).join('\n')}\n`)]);
    expect(report.rows.map((r) => r.firstSeen)).toEqual([hour(1)]);
    expect(auditFacts(report, {}, secret).window.logsBegin).toBe(hour(1));
  });

  it('written oldest first: their first record', async () => {
    const hours = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const report = await runAudit([memoryInput('a.jsonl', `${hours.map(event).join('\n')}\n`)]);
    expect(auditFacts(report, {}, secret).window.logsBegin).toBe(hour(1));
  });
});
