// How an audit event becomes a read, whichever path read its fields (JSON.parse or the walk).
import { expect, it } from 'vitest';
import { readFromAuditEvent } from '../../../src/audit/native-event.js';

const event = (stage: unknown) => ({
  kind: 'Event',
  auditID: 'a',
  stage,
  verb: 'get',
  objectRef: { resource: 'secrets', namespace: 'ns', name: 'db' },
  user: { username: 'alice' },
});

it('ranks a stage by its name only: names of Object.prototype members are unknown stages, ranked as final', () => {
  expect(readFromAuditEvent(event('RequestReceived'), 'k8s-v1')?.stageRank).toBe(0);
  for (const stage of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'Odd', 7])
    expect(readFromAuditEvent(event(stage), 'k8s-v1')?.stageRank, String(stage)).toBe(2);
});
