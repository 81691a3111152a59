import { describe, expect, it } from 'vitest';
import { runAudit } from '../../../src/audit/run.js';
import { parseTimeBound, resolveQuery } from '../../../src/audit/query.js';
import { UsageError } from '../../../src/errors.js';
import { fixtureInput } from './memory-input.js';

const NOW = new Date('2025-06-01T12:00:00Z');
const keys = async (options: Parameters<typeof runAudit>[1]) =>
  (await runAudit([fixtureInput('k8s-v1-multistage.jsonl')], { now: NOW, ...options })).rows.map(
    (r) => `${r.key}=${r.count}`,
  );

describe('time bounds', () => {
  it('takes durations back from now, RFC3339 times and dates', () => {
    expect(parseTimeBound('since', '2h', NOW)).toBe(Date.parse('2025-06-01T10:00:00Z'));
    expect(parseTimeBound('since', '1h30m', NOW)).toBe(Date.parse('2025-06-01T10:30:00Z'));
    expect(parseTimeBound('since', '7d', NOW)).toBe(Date.parse('2025-05-25T12:00:00Z'));
    expect(parseTimeBound('until', '2025-06-01T10:02:30.5+02:00', NOW)).toBe(Date.parse('2025-06-01T08:02:30.500Z'));
    expect(parseTimeBound('until', '2025-06-01', NOW)).toBe(Date.parse('2025-06-01T00:00:00Z'));
  });

  it('rejects anything else as a usage error naming the flag', () => {
    expect(() => parseTimeBound('since', 'yesterday', NOW)).toThrow(UsageError);
    expect(() => parseTimeBound('since', 'yesterday', NOW)).toThrow(/invalid --since "yesterday"/);
    expect(() => parseTimeBound('until', '2025-06-01T10:00:00', NOW)).toThrow(/--until/);
    expect(() => resolveQuery({ since: '1h', until: '2h', now: NOW })).toThrow(/--since is after --until/);
    expect(() => resolveQuery({ verbs: ['delete' as 'get'] })).toThrow(/invalid verb "delete"/);
    // features read no clock: a relative bound needs the caller's "now"
    expect(() => resolveQuery({ since: '2h' })).toThrow(/needs "now"/);
    expect(resolveQuery({ since: '2025-06-01T00:00:00Z' }).sinceMs).toBe(Date.parse('2025-06-01T00:00:00Z'));
  });
});

describe('filters', () => {
  it('a Secret name keeps reads of that name and lists that reach it, in any namespace unless one is given', async () => {
    expect(await keys({ name: 'db-password', includeSystem: true })).toEqual([
      'alice@example.com=2',
      'bob@example.com=1',
      'kubernetes-admin as system:serviceaccount:prod:api=1',
      'system:kube-controller-manager=1',
      'system:node:node-1=1',
      'system:serviceaccount:prod:api=1',
    ]);
    // carol's list was field-selected to api-token: it never returned db-password
    expect(await keys({ name: 'db-password', namespace: 'staging', includeSystem: true })).toEqual([
      'alice@example.com=1',
      'system:kube-controller-manager=1',
    ]);
  });

  it('since/until keep requests received within the window (inclusive)', async () => {
    expect(await keys({ since: '2025-06-01T10:04:00Z', until: '2025-06-01T10:06:00Z' })).toEqual([
      'bob@example.com=1',
      'kubernetes-admin as system:serviceaccount:prod:api=1',
      'oidc:carol=1',
    ]);
    expect(await keys({ since: '1h' })).toEqual([]);
  });

  it('user matches a case-insensitive part of the user or of the impersonated user', async () => {
    expect(await keys({ user: 'SERVICEACCOUNT:PROD:API' })).toEqual([
      'kubernetes-admin as system:serviceaccount:prod:api=1',
      'system:serviceaccount:prod:api=1',
    ]);
    expect(await keys({ user: 'alice' })).toEqual(['alice@example.com=2']);
  });

  it('user is judged on the whole request: the RequestReceived stage of an impersonated request, naming only the impersonator, counts too', async () => {
    const totals = async (user: string) =>
      (await runAudit([fixtureInput('k8s-v1-multistage.jsonl')], { now: NOW, user })).totals;
    // "kubernetes-admin as system:serviceaccount:prod:api": logged at RequestReceived (no impersonatedUser yet) and ResponseComplete
    expect(await totals('kubernetes-admin')).toMatchObject({ requests: 1, events: 2 });
    // the same request found by its impersonated user, and the ServiceAccount's own list (one stage)
    expect(await totals('serviceaccount:prod:api')).toMatchObject({ requests: 2, events: 3 });
  });

  it('verbs and deniedOnly', async () => {
    expect(await keys({ verbs: ['list'], includeSystem: true })).toEqual([
      'oidc:carol=1',
      'system:kube-controller-manager=1',
      'system:serviceaccount:prod:api=1',
    ]);
    expect(await keys({ deniedOnly: true })).toEqual(['bob@example.com=1']);
  });
});

describe('groupings', () => {
  it('sums kubelets and control-plane components into one last row unless asked to list them', async () => {
    const report = await runAudit([fixtureInput('k8s-v1-multistage.jsonl')]);
    const last = report.rows.at(-1)!;
    expect(last).toMatchObject({
      key: '(system) 1 kubelet, 1 control-plane',
      count: 2,
      system: { kubelets: 1, controlPlane: 1 },
      verbs: ['list', 'watch'],
    });
    expect(report.rows.filter((r) => r.system)).toHaveLength(1);
    expect(report.totals.system).toBe(2);
  });

  it('by secret, verb, source and user agent', async () => {
    const by = async (groupBy: 'secret' | 'verb' | 'source' | 'user-agent') =>
      (await runAudit([fixtureInput('k8s-v1-multistage.jsonl')], { groupBy, includeSystem: true })).rows.map((r) => [
        r.key,
        r.count,
        r.denied,
      ]);
    expect(await by('secret')).toEqual([
      ['prod/db-password', 4, 1],
      ['*/*', 1, 0],
      ['prod/*', 1, 0],
      ['prod/api-token', 1, 0],
      ['staging/db-password', 1, 0],
    ]);
    expect(await by('verb')).toEqual([
      ['get', 4, 1],
      ['list', 3, 0],
      ['watch', 1, 0],
    ]);
    expect((await by('source'))[0]).toEqual(['203.0.113.10', 2, 0]);
    expect((await by('user-agent'))[0]).toEqual(['kubectl/v1.30.1 (linux/amd64) kubernetes/6911225', 5, 1]);
  });

  it('each row carries first and last seen, and the subjects, sources and agents behind it', async () => {
    const report = await runAudit([fixtureInput('k8s-v1-multistage.jsonl')], {
      groupBy: 'secret',
      includeSystem: true,
    });
    expect(report.rows[0]).toMatchObject({
      key: 'prod/db-password',
      firstSeen: '2025-06-01T10:00:00.000Z',
      lastSeen: '2025-06-01T10:05:00.000Z',
      subjects: [
        'alice@example.com',
        'bob@example.com',
        'kubernetes-admin as system:serviceaccount:prod:api',
        'system:node:node-1',
      ],
      scopes: ['named', 'field-selected'],
      sourceIPs: ['10.0.0.5', '10.0.1.11', '203.0.113.10', '203.0.113.11'],
    });
  });
});
