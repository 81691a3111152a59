import { describe, expect, it } from 'vitest';
import { runAudit, type AuditRow } from '../../../src/audit/run.js';
import { fixtureInput } from './memory-input.js';

const brief = (rows: AuditRow[]) =>
  rows.map((r) => ({
    key: r.key,
    count: r.count,
    denied: r.denied,
    secrets: r.secrets,
    verbs: r.verbs,
    scopes: r.scopes,
  }));

describe('formats, each from a fixture', () => {
  it('reads native audit.k8s.io/v1 events once per auditID whatever stages were logged (RequestReceived lacks impersonatedUser)', async () => {
    const report = await runAudit([fixtureInput('k8s-v1-multistage.jsonl')], { includeSystem: true });
    expect(report.inputs).toEqual([
      {
        path: 'k8s-v1-multistage.jsonl',
        format: 'k8s-v1',
        lines: 20,
        bytes: expect.any(Number),
        compressed: false,
        readError: null,
        startsAt: '2025-06-01T10:00:00.000Z',
        secretBodies: 0,
      },
    ]);
    expect(report.totals).toMatchObject({
      requests: 8,
      reads: 7,
      denied: 1,
      failed: 1,
      noResponse: 0,
      system: 2,
      events: 14,
    });
    expect(brief(report.rows)).toEqual([
      {
        key: 'alice@example.com',
        count: 2,
        denied: 0,
        secrets: ['prod/db-password', 'staging/db-password'],
        verbs: ['get'],
        scopes: ['named'],
      },
      { key: 'bob@example.com', count: 1, denied: 1, secrets: ['prod/db-password'], verbs: ['get'], scopes: ['named'] },
      {
        key: 'kubernetes-admin as system:serviceaccount:prod:api',
        count: 1,
        denied: 0,
        secrets: ['prod/db-password'],
        verbs: ['get'],
        scopes: ['named'],
      },
      {
        key: 'oidc:carol',
        count: 1,
        denied: 0,
        secrets: ['prod/api-token'],
        verbs: ['list'],
        scopes: ['field-selected'],
      },
      {
        key: 'system:kube-controller-manager',
        count: 1,
        denied: 0,
        secrets: ['*/*'],
        verbs: ['list'],
        scopes: ['cluster-wide'],
      },
      {
        key: 'system:node:node-1',
        count: 1,
        denied: 0,
        secrets: ['prod/db-password'],
        verbs: ['watch'],
        scopes: ['field-selected'],
      },
      {
        key: 'system:serviceaccount:prod:api',
        count: 1,
        denied: 0,
        secrets: ['prod/*'],
        verbs: ['list'],
        scopes: ['namespace-wide'],
      },
    ]);
    const sa = report.rows.find((r) => r.key === 'system:serviceaccount:prod:api')!;
    expect(sa).toMatchObject({
      pods: ['prod/api-7d9f8-xk2pq'],
      nodes: ['node-2'],
      subject: { kind: 'serviceaccount' },
    });
  });

  it('reads audit.k8s.io/v1beta1 events, timed by their top-level timestamp', async () => {
    const report = await runAudit([fixtureInput('k8s-v1beta1.jsonl')]);
    expect(report.inputs[0]!.format).toBe('k8s-v1beta1');
    expect(brief(report.rows)).toEqual([
      { key: 'dave', count: 1, denied: 0, secrets: ['ns1/token'], verbs: ['get'], scopes: ['named'] },
    ]);
    expect(report.rows[0]).toMatchObject({
      firstSeen: '2017-09-11T20:29:04.000Z',
      lastSeen: '2017-09-11T20:29:04.000Z',
    });
  });

  it('reads GKE Cloud Audit Logs entries: method, resource name, principal, status 7 as a denial', async () => {
    const report = await runAudit([fixtureInput('gke-data-access.jsonl')], { includeSystem: true });
    expect(report.inputs[0]!.format).toBe('gke');
    expect(report.totals).toMatchObject({ requests: 4, denied: 1 });
    expect(brief(report.rows)).toEqual([
      {
        key: 'alice@example.com',
        count: 1,
        denied: 0,
        secrets: ['prod/db-password'],
        verbs: ['get'],
        scopes: ['named'],
      },
      {
        key: 'ci@demo-project.iam.gserviceaccount.com',
        count: 1,
        denied: 0,
        secrets: ['prod/*'],
        verbs: ['list'],
        scopes: ['namespace-wide'],
      },
      {
        key: 'mallory@example.com',
        count: 1,
        denied: 1,
        secrets: ['prod/db-password'],
        verbs: ['get'],
        scopes: ['named'],
      },
      // the watch's first and last entries share an operation id
      {
        key: 'system:node:gke-demo-pool-1-abcd',
        count: 1,
        denied: 0,
        secrets: ['prod/db-password'],
        verbs: ['watch'],
        scopes: ['field-selected'],
      },
    ]);
    expect(report.rows[2]).toMatchObject({ sourceIPs: ['192.0.2.66'], firstSeen: '2025-06-02T08:03:00.000Z' });
  });

  it('reads a gcloud JSON array export, pretty-printed over many lines', async () => {
    const report = await runAudit([fixtureInput('gke-export.json', 512)]);
    expect(report.inputs[0]).toMatchObject({ format: 'gke', lines: expect.any(Number) });
    expect(report.inputs[0]!.lines).toBeGreaterThan(50);
    expect(brief(report.rows).map((r) => [r.key, r.count, r.denied])).toEqual([
      ['alice@example.com', 1, 0],
      ['mallory@example.com', 1, 1],
    ]);
  });

  it('reads EKS CloudWatch events, and a truncated one from its leading fields', async () => {
    const report = await runAudit([fixtureInput('eks-cloudwatch.jsonl')]);
    expect(report.inputs[0]!.format).toBe('eks');
    expect(report.totals).toMatchObject({ requests: 3, truncatedRecovered: 1 });
    expect(brief(report.rows)).toEqual([
      {
        key: 'arn:aws:sts::123456789012:assumed-role/Admin/erin',
        count: 2,
        denied: 0,
        secrets: ['*/*', 'payments/stripe-key'],
        verbs: ['get', 'list'],
        scopes: ['named', 'cluster-wide'],
      },
      {
        key: 'system:serviceaccount:payments:ledger',
        count: 1,
        denied: 0,
        secrets: ['payments/*'],
        verbs: ['list'],
        scopes: ['namespace-wide'],
      },
    ]);
    // the truncated event lost its timestamps: the CloudWatch event time stands in
    expect(report.rows[0]!.lastSeen).toBe('2025-06-03T12:02:00.000Z');
  });

  it('reads `aws logs filter-log-events` output', async () => {
    const report = await runAudit([fixtureInput('eks-filter-log-events.json', 700)]);
    expect(report.inputs[0]!.format).toBe('eks');
    expect(report.totals.requests).toBe(2);
  });

  it('reads AKS {"records":[…]} batches with the event as a string in properties.log', async () => {
    const report = await runAudit([fixtureInput('aks-records.json')], { includeSystem: true });
    expect(report.inputs[0]!.format).toBe('aks');
    expect(report.warnings).toEqual([]);
    expect(brief(report.rows)).toEqual([
      { key: 'masterclient', count: 1, denied: 0, secrets: ['web/tls-cert'], verbs: ['get'], scopes: ['named'] },
      {
        key: 'system:node:aks-nodepool1-12345678-vmss000000',
        count: 1,
        denied: 0,
        secrets: ['web/tls-cert'],
        verbs: ['watch'],
        scopes: ['field-selected'],
      },
    ]);
  });

  it('reads a pretty-printed AKS record that starts with a byte order mark', async () => {
    const report = await runAudit([fixtureInput('aks-single-bom.json', 100)]);
    expect(report.inputs[0]!.format).toBe('aks');
    expect(brief(report.rows)).toEqual([
      {
        key: 'system:serviceaccount:web:deployer',
        count: 1,
        denied: 0,
        secrets: ['web/registry-creds'],
        verbs: ['get'],
        scopes: ['named'],
      },
    ]);
    expect(report.rows[0]).toMatchObject({
      pods: ['web/deployer-6b8f-2kq9x'],
      nodes: ['aks-nodepool1-12345678-vmss000001'],
    });
  });

  it('warns when AKS logs are the kube-audit-admin category, which leaves out get and list', async () => {
    const report = await runAudit([fixtureInput('aks-kube-audit-admin.jsonl')]);
    expect(report.totals.requests).toBe(0);
    expect(report.warnings).toEqual([
      expect.stringMatching(/^aks-kube-audit-admin\.jsonl: AKS category kube-audit-admin leaves out get and list/),
    ]);
  });

  it('counts a request logged in two inputs once (rotated files overlap) and tells each input its format', async () => {
    const report = await runAudit(
      [
        fixtureInput('k8s-v1-multistage.jsonl'),
        fixtureInput('k8s-v1-multistage.jsonl'),
        fixtureInput('gke-data-access.jsonl'),
      ],
      {
        includeSystem: true,
      },
    );
    expect(report.totals.requests).toBe(12);
    expect(report.inputs.map((i) => i.format)).toEqual(['k8s-v1', 'k8s-v1', 'gke']);
  });
});
