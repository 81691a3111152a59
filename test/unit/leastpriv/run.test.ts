// runLeastPrivilege from audit events to report: the audit engine's merged
// requests (actor groups, impersonation, denials) joined with RBAC.
import { describe, expect, it } from 'vitest';
import { runLeastPrivilege, type LeastPrivilegeSnapshot } from '../../../src/leastpriv/run.js';
import { analyzeLeastPrivilege } from '../../../src/leastpriv/analyze.js';
import { prove } from '../../../src/leastpriv/prove.js';
import { suggest } from '../../../src/leastpriv/suggest.js';
import { memoryInput } from '../audit/memory-input.js';
import { group, rb, readSecrets, role, user } from '../whocan/fixtures.js';

const NOW = new Date('2026-09-01T00:00:00Z');
const OLD = '2026-01-01T00:00:00Z';

function event(
  stage: string,
  id: string,
  u: { username: string; groups?: string[] },
  extra: Record<string, unknown> = {},
) {
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: id,
    stage,
    verb: 'get',
    requestURI: '/api/v1/namespaces/shop/secrets/db',
    user: u,
    objectRef: { resource: 'secrets', namespace: 'shop', name: 'db', apiVersion: 'v1' },
    responseStatus: { code: 200 },
    requestReceivedTimestamp: '2026-08-01T00:00:00.000000Z',
    stageTimestamp: '2026-08-01T00:00:00.100000Z',
    ...extra,
  });
}

const snapshot: LeastPrivilegeSnapshot = {
  rbac: {
    roles: [role('reader', [readSecrets()], 'shop')],
    clusterRoles: [],
    roleBindings: [
      {
        ...rb('devs', { kind: 'Role', name: 'reader' }, [group('devs')], 'shop'),
        metadata: { name: 'devs', namespace: 'shop', creationTimestamp: OLD },
      },
      {
        ...rb('bob', { kind: 'Role', name: 'reader' }, [user('bob')], 'shop'),
        metadata: { name: 'bob', namespace: 'shop', creationTimestamp: OLD },
      },
      {
        ...rb('mallory', { kind: 'Role', name: 'reader' }, [user('mallory')], 'shop'),
        metadata: { name: 'mallory', namespace: 'shop', creationTimestamp: OLD },
      },
    ],
    clusterRoleBindings: [],
  },
  serviceAccounts: [],
  gaps: [],
};

const run = (lines: string[], suggestToo = false) =>
  runLeastPrivilege(
    [memoryInput('audit.log', `${lines.join('\n')}\n`)],
    { namespace: 'shop', since: '90d', now: NOW, includeSystem: false, suggest: suggestToo },
    { load: async () => snapshot },
  );

describe('runLeastPrivilege', () => {
  const log = [
    // gina reads as a member of group devs (groups as logged, every stage merged)
    event('RequestReceived', 'a', { username: 'gina', groups: ['devs', 'system:authenticated'] }),
    event('ResponseComplete', 'a', { username: 'gina', groups: ['devs', 'system:authenticated'] }),
    // the admin impersonates bob: the read is bob's, with the impersonated groups
    event('RequestReceived', 'b', { username: 'admin', groups: ['system:masters'] }),
    event(
      'ResponseComplete',
      'b',
      { username: 'admin', groups: ['system:masters'] },
      { impersonatedUser: { username: 'bob', groups: ['system:authenticated'] } },
    ),
    // mallory is denied (her binding was made after the attempt, say): not use
    event(
      'ResponseComplete',
      'c',
      { username: 'mallory' },
      { responseStatus: { code: 403 }, annotations: { 'authorization.k8s.io/decision': 'forbid' } },
    ),
  ];

  it('credits group members and impersonated users, and never denied attempts', async () => {
    const result = await run(log);
    const byBinding = Object.fromEntries(
      result.items.map((i) => [`${i.binding.name}${i.ruleIndex === null ? '' : `[${i.ruleIndex}]`}`, i.findings]),
    );
    expect(byBinding).toEqual({
      mallory: ['unused-binding'],
      'devs[0]': ['unused-verb', 'too-broad'],
      'bob[0]': ['unused-verb', 'too-broad'],
    });
    expect(result.metadata.logs).toMatchObject({ reads: 2, denied: 1 });
    expect(result.metadata.window).toMatchObject({
      since: '2026-06-03T00:00:00.000Z',
      until: NOW.toISOString(),
      requested: '90d',
    });
    expect(result.metadata.suggestion).toMatchObject({
      readsChecked: 2,
      deletable: ['RoleBinding shop/devs', 'RoleBinding shop/bob', 'RoleBinding shop/mallory'],
    });
  });

  it('refuses to suggest from logs without a Secret request in the window', async () => {
    await expect(run([], true)).rejects.toThrow(/^refusing to suggest: the logs hold no Secret request in the window/);
    const report = await run([]);
    expect(report.metadata.warnings).toContain(
      'the logs hold no Secret request in the window: every binding looks unused',
    );
  });

  it('a log that could not be read to its end makes the answer partial, and --suggest refuses', async () => {
    // bob's read is in the part lost (a truncated .gz): suggested from the rest, it would take away a read made
    const [first, ...lost] = [log.slice(0, 2), log.slice(2)];
    const truncated = {
      path: 'audit.log.gz',
      compressed: true,
      async *chunks() {
        yield Buffer.from(`${first.join('\n')}\n`);
        throw Object.assign(new Error('unexpected end of file'), { gzip: 'truncated', compressedOffset: 100 });
      },
    };
    expect(lost.length).toBeGreaterThan(0);
    const runOn = (suggestToo: boolean) =>
      runLeastPrivilege(
        [truncated],
        { namespace: 'shop', since: '90d', now: NOW, includeSystem: false, suggest: suggestToo },
        { load: async () => snapshot },
      );
    const report = await runOn(false);
    expect(report.metadata.complete).toBe(false);
    expect(report.metadata.warnings[0]).toMatch(/^audit\.log\.gz: truncated gzip data at compressed byte 100/);
    expect(report.metadata.suggestion).toEqual({
      refused:
        'an audit log could not be read to its end (audit.log.gz): a read in the part not read could be taken away',
    });
    await expect(runOn(true)).rejects.toThrow(
      'refusing to suggest: an audit log could not be read to its end (audit.log.gz): a read in the part not read could be taken away',
    );
  });

  it('the proof catches a suggestion that would deny a read seen', async () => {
    const result = await run(log, true);
    expect(result.suggestion!.objects.length).toBeGreaterThan(0);
    // Tamper: drop the new bindings, keep the re-declared ones (subjects moved away to nowhere).
    const reads = [
      {
        user: 'bob',
        groups: [],
        verb: 'get' as const,
        namespace: 'shop',
        name: 'db',
        scope: 'named' as const,
        count: 1,
        firstSeen: 1,
        lastSeen: 1,
      },
    ];
    const lp = { rbac: snapshot.rbac, serviceAccounts: [], reads };
    const analysis = analyzeLeastPrivilege(lp, {
      namespace: 'shop',
      windowStart: Date.parse('2026-06-01T00:00:00Z'),
      windowEnd: NOW.getTime(),
      includeSystem: false,
    });
    const s = suggest(lp, analysis.judgements);
    const broken = {
      ...s,
      proposed: {
        ...s.proposed,
        roleBindings: s.proposed.roleBindings.filter((b) => !b.metadata.name?.endsWith('-least-privilege')),
      },
    };
    expect(prove(analysis, s).denied).toEqual([]);
    expect(prove(analysis, broken).denied).toEqual(['User bob get shop/db']);
  });
});
