import { describe, expect, it } from 'vitest';
import { runAudit } from '../../../src/audit/run.js';
import { findLeaks, makeCanary } from '../../harness/canary.js';
import { memoryInput } from './memory-input.js';

describe('Secret values never reach the report', () => {
  it('a RequestResponse-level read whose responseObject.data holds the value', async () => {
    const canary = makeCanary('audit');
    const b64 = Buffer.from(canary).toString('base64');
    const secret = {
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name: 'db-password', namespace: 'prod', annotations: { note: canary } },
      data: { password: b64 },
      stringData: { raw: canary },
    };
    const event = (stage: string, extra: object) => ({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'RequestResponse',
      auditID: `canary-${stage}`,
      stage: 'ResponseComplete',
      verb: stage === 'get' ? 'get' : 'list',
      requestURI: stage === 'get' ? '/api/v1/namespaces/prod/secrets/db-password' : '/api/v1/namespaces/prod/secrets',
      user: { username: 'alice', groups: ['system:authenticated'] },
      sourceIPs: ['203.0.113.10'],
      userAgent: 'kubectl/v1.30.1',
      objectRef: {
        resource: 'secrets',
        namespace: 'prod',
        ...(stage === 'get' ? { name: 'db-password' } : {}),
        apiVersion: 'v1',
      },
      responseStatus: { metadata: {}, code: 200 },
      ...extra,
      requestReceivedTimestamp: '2025-06-01T10:00:00.000000Z',
      stageTimestamp: '2025-06-01T10:00:00.002000Z',
    });
    const lines = [
      event('get', { responseObject: secret, requestObject: secret }),
      event('list', {
        responseObject: { kind: 'SecretList', apiVersion: 'v1', metadata: {}, items: [secret, secret] },
      }),
    ].map((e) => JSON.stringify(e));
    // the same events as AKS and EKS carry them, the EKS one cut short inside the body
    const aks = JSON.stringify({ category: 'kube-audit', properties: { log: lines[0] } });
    const eks = JSON.stringify({
      timestamp: 1748772000000,
      message: `${lines[1]!.slice(0, lines[1]!.indexOf(b64) + 10)}[Truncated...]`,
    });

    const report = await runAudit(
      [memoryInput('native.log', lines.join('\n')), memoryInput('aks.log', aks), memoryInput('eks.log', eks)],
      {
        groupBy: 'secret',
      },
    );
    expect(report.totals).toMatchObject({ requests: 2, truncatedRecovered: 1 });
    expect(report.rows.map((r) => r.key)).toEqual(['prod/*', 'prod/db-password']);
    expect(findLeaks([canary], [{ name: 'report', text: JSON.stringify(report) }])).toEqual([]);
    for (const groupBy of ['subject', 'verb', 'source', 'user-agent'] as const) {
      const other = await runAudit([memoryInput('native.log', lines.join('\n'))], { groupBy, includeSystem: true });
      expect(findLeaks([canary], [{ name: groupBy, text: JSON.stringify(other) }])).toEqual([]);
    }
  });
});
