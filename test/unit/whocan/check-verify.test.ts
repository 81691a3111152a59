import { describe, expect, it } from 'vitest';
import { checkSubject } from '../../../src/whocan/check.js';
import { applyVerdicts, verificationQuestions } from '../../../src/whocan/verify.js';
import { analyze, clusterRole, crb, group, rb, readSecrets, rule, sa, user, NS, SECRET } from './fixtures.js';

const f = {
  clusterRoles: [
    clusterRole('r', [readSecrets(['get'])]),
    clusterRole('named-list', [readSecrets(['list', 'watch'], [SECRET])]),
    clusterRole('pods', [rule(['create'], ['pods'])]),
  ],
  roleBindings: [
    rb('a', { kind: 'ClusterRole', name: 'r' }, [user('alice'), sa('web')]),
    rb('b', { kind: 'ClusterRole', name: 'named-list' }, [group('dbas')]),
    rb('c', { kind: 'ClusterRole', name: 'pods' }, [user('dev')]),
  ],
  clusterRoleBindings: [crb('everyone', 'pods', [group('system:authenticated')])],
};

describe('checkSubject', () => {
  const { rows } = analyze(f);
  it('yes for a direct reader, with the row', () => {
    const answer = checkSubject(rows, { kind: 'User', name: 'alice' });
    expect(answer.allowed).toBe(true);
    expect(answer.rows.map((r) => `${r.path} ${r.subject}`)).toContain('direct alice');
  });
  it('yes through system:authenticated for anyone (an indirect path)', () => {
    const answer = checkSubject(rows, { kind: 'User', name: 'nobody' });
    expect(answer.allowed).toBe(true);
    expect(answer.rows.map((r) => `${r.path} ${r.subject}`)).toEqual(['create-workload system:authenticated']);
  });
  it('no when nothing applies', () => {
    const direct = analyze(f, { indirect: false }).rows;
    expect(checkSubject(direct, { kind: 'User', name: 'nobody' }).allowed).toBe(false);
    expect(checkSubject(direct, { kind: 'ServiceAccount', namespace: NS, name: 'web' }).allowed).toBe(true);
    expect(checkSubject(direct, { kind: 'Group', name: 'dbas' }).allowed).toBe(true);
  });
});

describe('verification questions', () => {
  const { rows } = analyze(f, { indirect: false });
  const plan = verificationQuestions(rows, { namespace: NS, name: SECRET });

  it('asks as the subject itself, naming the Secret for get and by-name list/watch', () => {
    const byRow = Object.fromEntries(
      plan.map((p) => [`${p.row.kind}/${p.row.subject}`, p.questions.map((q) => q.question)]),
    );
    expect(byRow['User/alice']).toEqual([
      {
        user: 'alice',
        groups: [],
        attributes: { namespace: NS, verb: 'get', group: '', resource: 'secrets', name: SECRET },
      },
    ]);
    expect(byRow['ServiceAccount/web']![0]).toMatchObject({
      user: `system:serviceaccount:${NS}:web`,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${NS}`],
    });
    expect(byRow['Group/dbas']!.map((q) => [q.attributes.verb, q.attributes.name])).toEqual([
      ['list', SECRET],
      ['watch', SECRET],
    ]);
    expect(byRow['Group/system:masters']!.map((q) => [q.attributes.verb, q.attributes.name, q.groups])).toEqual([
      ['get', SECRET, ['system:masters']],
      ['list', undefined, ['system:masters']],
      ['watch', undefined, ['system:masters']],
    ]);
  });

  it('marks rows confirmed or disputed and explains disputes', () => {
    const verdicts = plan.map((p) => p.questions.map(() => p.row.subject !== 'dbas'));
    const disputes = applyVerdicts(plan, verdicts, { namespace: NS, name: SECRET });
    expect(rows.find((r) => r.subject === 'alice')!.verified).toBe('confirmed');
    const dbas = rows.find((r) => r.subject === 'dbas')!;
    expect(dbas.verified).toBe('disputed');
    expect(dbas.disputedVerbs).toEqual(['list', 'watch']);
    expect(disputes).toEqual([
      `disputed: Group dbas: the API server denies list (name ${SECRET}), watch (name ${SECRET}) on secrets in namespace ${NS} (via ${dbas.via})`,
    ]);
  });
});
