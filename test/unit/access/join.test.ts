// The could-read × did-read join on plain data: who-can rows from RBAC fixtures,
// requests as the audit engine hands them on.
import { describe, expect, it } from 'vitest';
import { joinAccess, rowReads, type AccessSubject } from '../../../src/access/join.js';
import { AccessLedger } from '../../../src/access/ledger.js';
import type { SecretRead } from '../../../src/audit/run.js';
import { secretRead } from './requests.js';
import { analyze, crb, clusterRole, NS, pod, rb, readSecrets, role, rule, SECRET, user } from '../whocan/fixtures.js';

const T0 = Date.parse('2026-12-01T10:00:00Z');
let seq = 0;
function req(user: string, over: Partial<SecretRead> = {}): SecretRead {
  return secretRead(user, {
    auditID: `id-${seq++}`,
    namespace: NS,
    name: SECRET,
    time: T0 + seq * 60_000,
    groups: ['system:authenticated'],
    ...over,
  });
}

const fixture = {
  roles: [role('reader', [readSecrets()])],
  roleBindings: [rb('readers', { kind: 'Role', name: 'reader' }, [user('alice'), user('bob')])],
  clusterRoles: [clusterRole('impersonate-alice', [{ ...rule(['impersonate'], ['users']), resourceNames: ['alice'] }])],
  clusterRoleBindings: [crb('frank-impersonates', 'impersonate-alice', [user('frank')])],
  serviceAccounts: [{ namespace: NS, name: 'web' }],
  pods: [pod('web-0', { secret: SECRET, node: 'n1' })],
};

function join(reads: SecretRead[]) {
  const answer = analyze(fixture, { includeSystem: true });
  const ledger = new AccessLedger();
  for (const r of reads) ledger.add(r);
  const expected = {
    serviceAccounts: new Map([[`${NS}/web`, 'Deployment/web']]),
    nodes: new Map([['n1', ['Deployment/web']]]),
  };
  return { subjects: joinAccess({ rows: answer.rows, ledger, expected, complete: true }), ledger, rows: answer.rows };
}

const pick = (subjects: AccessSubject[], name: string) => subjects.find((s) => s.name === name)!;

describe('joinAccess', () => {
  const reads = [
    req('alice'),
    req('alice', { verb: 'list', scope: 'namespace-wide', name: null }),
    req('admin', {
      impersonatedUser: 'alice',
      impersonatedGroups: ['system:authenticated'],
      groups: ['system:masters'],
    }),
    req('frank', { impersonatedUser: 'alice' }),
    req('carol', { verb: 'list', scope: 'cluster-wide', namespace: null, name: null }),
    req('mallory', { code: 403, denied: true }),
    req('mallory', { code: 403, denied: true }),
    req('kubernetes-admin', { groups: ['system:masters', 'system:authenticated'] }),
    req(`system:serviceaccount:${NS}:web`, {
      pod: 'web-0',
      node: 'n1',
      credentialId: 'JTI=abc',
      groups: ['system:serviceaccounts'],
    }),
    req('system:node:n1', { verb: 'watch', scope: 'field-selected', groups: ['system:nodes'] }),
    req('system:kube-controller-manager', { verb: 'watch', scope: 'cluster-wide', namespace: null, name: null }),
  ];

  it('gives every subject its verdict', () => {
    const { subjects } = join(reads);
    const verdicts = Object.fromEntries(
      subjects.map((s) => [s.kind === 'ServiceAccount' ? `${s.namespace}/${s.name}` : s.name, s.verdict]),
    );
    expect(verdicts).toMatchObject({
      alice: 'authorised',
      bob: 'unused',
      frank: 'authorised',
      carol: 'not-authorised-now',
      mallory: 'denied',
      'kubernetes-admin': 'authorised',
      admin: 'authorised',
      [`${NS}/web`]: 'expected',
      'system:node:n1': 'expected',
      'system:kube-controller-manager': 'expected',
      'system:masters': 'authorised',
    });
  });

  it('a subject that cannot read it and whose every attempt failed is "failed", not "unused" (which says it could read)', () => {
    // A token the API server no longer accepts: 401, logged with an empty user.
    const { subjects } = join([
      req('', { verb: 'list', scope: 'cluster-wide', namespace: null, name: null, code: 401, groups: [] }),
      req('dora', { code: 404 }),
      req('bob', { code: 404 }),
    ]);
    expect(pick(subjects, '')).toMatchObject({ canRead: false, reads: 0, denied: 0, failed: 1, verdict: 'failed' });
    expect(pick(subjects, 'dora')).toMatchObject({ canRead: false, failed: 1, verdict: 'failed' });
    expect(pick(subjects, 'bob')).toMatchObject({ canRead: true, failed: 1, verdict: 'unused' });
  });

  it('counts impersonated reads for both identities, and list/watch in scope as reads', () => {
    const { subjects } = join(reads);
    const alice = pick(subjects, 'alice');
    expect(alice.reads).toBe(4);
    expect(alice.verbs).toEqual(['get', 'list']);
    expect(alice.impersonation).toEqual(['by admin', 'by frank']);
    expect(pick(subjects, 'frank')).toMatchObject({
      reads: 1,
      impersonation: ['as alice'],
      paths: [expect.objectContaining({ path: 'impersonate' })],
    });
    expect(pick(subjects, 'carol')).toMatchObject({ reads: 1, canRead: false, scopes: ['cluster-wide'] });
    expect(pick(subjects, 'mallory')).toMatchObject({
      reads: 0,
      denied: 2,
      firstRead: null,
      lastDenied: expect.any(String),
    });
  });

  it('names the pod, node and credential of a ServiceAccount read', () => {
    const web = pick(join(reads).subjects, 'web');
    expect(web).toMatchObject({
      pods: [`${NS}/web-0`],
      nodes: ['n1'],
      credentialIds: ['JTI=abc'],
      expected: 'ServiceAccount of Deployment/web',
    });
  });

  it('judges users in system:masters by the groups the log gives', () => {
    const admin = pick(join(reads).subjects, 'kubernetes-admin');
    expect(admin).toMatchObject({
      canRead: true,
      direct: true,
      paths: [expect.objectContaining({ memberOf: 'system:masters' })],
    });
  });

  it('keeps the timeline in time order and marks control-plane requests', () => {
    const { ledger } = join([...reads].reverse());
    const times = ledger.timeline().map((t) => t.time);
    expect(times).toEqual([...times].sort());
    expect(
      ledger
        .timeline()
        .filter((t) => t.controlPlane)
        .map((t) => t.subject),
    ).toEqual(['system:kube-controller-manager']);
    expect(ledger.timeline().find((t) => t.subject === 'frank as alice')).toMatchObject({
      outcome: 'read',
      verb: 'get',
    });
  });

  it('marks who-can rows without reads unused (who-can --log)', () => {
    const { rows, ledger } = join(reads);
    const byName = Object.fromEntries(
      rows.filter((r) => r.path === 'direct').map((r) => [r.subject, rowReads(r, ledger)]),
    );
    expect(byName['alice']).toMatchObject({ reads: 4, unused: false });
    expect(byName['bob']).toMatchObject({ reads: 0, unused: true, lastRead: null });
    expect(byName['system:masters']).toMatchObject({ reads: 1, unused: false });
  });

  it('bounds the timeline but not the counts', () => {
    const ledger = new AccessLedger(2);
    for (let i = 0; i < 5; i++) ledger.add(req('alice'));
    expect(ledger.timeline()).toHaveLength(2);
    expect(ledger.timelineDropped).toBe(3);
    expect(ledger.of({ kind: 'User', name: 'alice' }).reads).toBe(5);
  });
});
