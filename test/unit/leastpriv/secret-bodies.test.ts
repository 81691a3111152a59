// least-privilege reads the same audit logs as audit, investigate and who-can --log: a log that holds Secrets' values
// (their bodies logged at Request or RequestResponse level) is warned about here too, and no value is printed.
import { describe, expect, it } from 'vitest';
import { runLeastPrivilege, type LeastPrivilegeSnapshot } from '../../../src/leastpriv/run.js';
import { memoryInput } from '../audit/memory-input.js';

const VALUE = 'CANARY-lp-body-51c2';
const snapshot: LeastPrivilegeSnapshot = {
  rbac: { roles: [], clusterRoles: [], roleBindings: [], clusterRoleBindings: [] },
  serviceAccounts: [],
  gaps: [],
};

const line = JSON.stringify({
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'RequestResponse',
  auditID: '11111111-2222-4333-8444-000000000001',
  stage: 'ResponseComplete',
  verb: 'get',
  requestURI: '/api/v1/namespaces/shop/secrets/db',
  user: { username: 'gina' },
  objectRef: { resource: 'secrets', namespace: 'shop', name: 'db', apiVersion: 'v1' },
  responseStatus: { code: 200 },
  requestReceivedTimestamp: '2026-08-01T00:00:00.000000Z',
  responseObject: { kind: 'Secret', apiVersion: 'v1', data: { p: Buffer.from(VALUE).toString('base64') } },
});

describe('least-privilege on a log that holds Secret bodies', () => {
  it('warns that the log holds Secrets values, as audit does', async () => {
    const result = await runLeastPrivilege(
      [memoryInput('audit.log', `${line}\n`)],
      { namespace: 'shop', since: '90d', now: new Date('2026-09-01T00:00:00Z'), includeSystem: false, suggest: false },
      { load: async () => snapshot },
    );
    expect(result.metadata.warnings).toContainEqual(
      expect.stringMatching(/^audit\.log: 1 Secret event holds a request or response body/),
    );
    expect(JSON.stringify(result)).not.toContain(VALUE);
  });
});
