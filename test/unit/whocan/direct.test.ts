import { describe, expect, it } from 'vitest';
import {
  analyze,
  clusterRole,
  crb,
  find,
  group,
  pod,
  rb,
  readSecrets,
  role,
  rule,
  sa,
  summary,
  user,
  NS,
} from './fixtures.js';

const direct = { indirect: false };

describe('direct access: bindings and roles', () => {
  it('RoleBinding to a Role, RoleBinding to a ClusterRole, ClusterRoleBinding', () => {
    const a = analyze(
      {
        roles: [role('reader', [readSecrets(['get'])])],
        clusterRoles: [
          clusterRole('lister', [readSecrets(['list'])]),
          clusterRole('watcher', [readSecrets(['watch'])]),
        ],
        roleBindings: [
          rb('r1', { kind: 'Role', name: 'reader' }, [user('alice')]),
          rb('r2', { kind: 'ClusterRole', name: 'lister' }, [user('bob')]),
        ],
        clusterRoleBindings: [crb('c1', 'watcher', [group('ops')])],
      },
      direct,
    );
    expect(summary(a.rows)).toEqual(['direct User alice get', 'direct User bob list', 'direct Group ops watch']);
    expect(find(a.rows, 'User', 'alice')!.via).toBe('rolebinding/r1 → role/reader rules[0]');
  });

  it('ignores RoleBindings of other namespaces and Roles of other namespaces', () => {
    const a = analyze(
      {
        roles: [role('reader', [readSecrets()], 'other')],
        clusterRoles: [clusterRole('all', [readSecrets()])],
        roleBindings: [
          rb('elsewhere', { kind: 'ClusterRole', name: 'all' }, [user('eve')], 'other'),
          rb('wrong-ns-role', { kind: 'Role', name: 'reader' }, [user('mallory')]),
        ],
      },
      direct,
    );
    expect(summary(a.rows)).toEqual([]);
    // the Role lives in "other": from this namespace the binding dangles
    expect(a.dangling.map((d) => d.binding.name)).toEqual(['wrong-ns-role']);
  });

  it('honours resourceNames: get of the name; list/watch only field-selected to it', () => {
    const a = analyze(
      {
        roles: [
          role('named', [readSecrets(['get', 'list', 'watch'], ['db'])]),
          role('other-name', [readSecrets(['get'], ['not-db'])]),
        ],
        roleBindings: [
          rb('n', { kind: 'Role', name: 'named' }, [user('alice')]),
          rb('o', { kind: 'Role', name: 'other-name' }, [user('bob')]),
        ],
      },
      direct,
    );
    expect(summary(a.rows)).toEqual(['direct User alice get,list(by-name),watch(by-name)']);
  });

  it('a full list from one binding wins over a by-name list from another', () => {
    const a = analyze(
      {
        roles: [role('named', [readSecrets(['list'], ['db'])]), role('all', [readSecrets(['list'])])],
        roleBindings: [
          rb('n', { kind: 'Role', name: 'named' }, [user('alice')]),
          rb('a', { kind: 'Role', name: 'all' }, [user('alice')]),
        ],
      },
      direct,
    );
    expect(summary(a.rows)).toEqual(['direct User alice list']);
    expect(find(a.rows, 'User', 'alice')!.chain).toHaveLength(2);
  });

  it('wildcards; subresource and nonResourceURL rules grant nothing', () => {
    const a = analyze(
      {
        clusterRoles: [
          clusterRole('star', [rule(['*'], ['*'], ['*'])]),
          clusterRole('status', [rule(['get'], ['secrets/status']), rule(['get'], ['*/status'])]),
          clusterRole('urls', [{ verbs: ['get'], nonResourceURLs: ['*'] }]),
          clusterRole('apps-secrets', [rule(['get'], ['secrets'], ['apps'])]),
        ],
        clusterRoleBindings: [
          crb('s', 'star', [user('root')]),
          crb('st', 'status', [user('a')]),
          crb('u', 'urls', [user('b')]),
          crb('x', 'apps-secrets', [user('c')]),
        ],
      },
      direct,
    );
    expect(summary(a.rows)).toEqual(['direct User root get,list,watch']);
  });

  it('reports bindings to missing roles as dangling, granting nothing', () => {
    const a = analyze(
      {
        roleBindings: [rb('ghost', { kind: 'Role', name: 'gone' }, [user('alice')])],
        clusterRoleBindings: [crb('ghost-c', 'gone-too', [user('bob')])],
      },
      direct,
    );
    expect(summary(a.rows)).toEqual([]);
    expect(a.dangling.map((d) => `${d.binding.kind}/${d.binding.name} → ${d.role.kind}/${d.role.name}`).sort()).toEqual(
      ['ClusterRoleBinding/ghost-c → ClusterRole/gone-too', 'RoleBinding/ghost → Role/gone'],
    );
  });

  it('filters verbs (--verb) and subject kinds (--subject-kind)', () => {
    const f = {
      clusterRoles: [clusterRole('r', [readSecrets(['get', 'list'])])],
      clusterRoleBindings: [crb('c', 'r', [user('alice'), group('ops')])],
    };
    expect(summary(analyze(f, { ...direct, verbs: ['list'] }).rows)).toEqual([
      'direct User alice list',
      'direct Group ops list',
    ]);
    expect(summary(analyze(f, { ...direct, verbs: ['watch'] }).rows)).toEqual([]);
    expect(summary(analyze(f, { ...direct, subjectKinds: ['Group'] }).rows)).toEqual(['direct Group ops get,list']);
  });
});

describe('direct access: aggregated ClusterRoles', () => {
  const label = { 'example.com/aggregate-to-reader': 'true' };
  it('reads stored rules of a reconciled aggregation, naming the child', () => {
    const a = analyze(
      {
        clusterRoles: [
          clusterRole('reader', [readSecrets(['get'])], { aggregate: [{ matchLabels: label }] }),
          clusterRole('child', [readSecrets(['get'])], { labels: label }),
        ],
        clusterRoleBindings: [crb('c', 'reader', [user('alice')])],
      },
      direct,
    );
    expect(find(a.rows, 'User', 'alice')!.via).toBe(
      'clusterrolebinding/c → clusterrole/reader rules[0 from clusterrole/child]',
    );
    expect(a.warnings).toEqual([]);
  });

  it('computes an unreconciled aggregation itself, and warns', () => {
    const a = analyze(
      {
        clusterRoles: [
          clusterRole('reader', [], { aggregate: [{ matchLabels: label }] }),
          clusterRole('child', [readSecrets(['list'])], { labels: label }),
        ],
        clusterRoleBindings: [crb('c', 'reader', [user('alice')])],
      },
      direct,
    );
    const alice = find(a.rows, 'User', 'alice')!;
    expect(alice.verbs).toEqual(['list']);
    expect(alice.chain[0]).toMatchObject({ pendingAggregation: true, aggregatedFrom: 'child' });
    expect(alice.via).toBe(
      'clusterrolebinding/c → clusterrole/reader rules[pending aggregation from clusterrole/child]',
    );
    expect(a.warnings).toEqual([
      expect.stringContaining('ClusterRole reader is aggregated but its stored rules differ'),
    ]);
  });
});

describe('direct access: well-known subjects', () => {
  it('always lists system:masters as bypassing authorization', () => {
    const a = analyze({}, direct);
    expect(a.rows).toHaveLength(1);
    expect(a.rows[0]).toMatchObject({
      kind: 'Group',
      subject: 'system:masters',
      path: 'direct',
      verbs: ['get', 'list', 'watch'],
    });
    expect(a.rows[0]!.chain[0]!.authorizer).toBe('superuser');
  });

  it('flags system:authenticated and system:unauthenticated as everyone, loudly', () => {
    const a = analyze(
      {
        clusterRoles: [clusterRole('r', [readSecrets(['get'])])],
        roleBindings: [
          rb('oops', { kind: 'ClusterRole', name: 'r' }, [
            group('system:authenticated'),
            group('system:unauthenticated'),
            user('system:anonymous'),
          ]),
        ],
      },
      direct,
    );
    expect(a.rows.filter((r) => r.everyone).map((r) => r.subject)).toEqual([
      'system:anonymous',
      'system:authenticated',
      'system:unauthenticated',
    ]);
    expect(a.warnings.join('\n')).toMatch(
      /Group system:authenticated can read app\/db: that is EVERY authenticated user/,
    );
    expect(a.warnings).toHaveLength(3);
  });

  it('expands system:serviceaccounts:NS to the ServiceAccounts that exist, keeping the group row', () => {
    const a = analyze(
      {
        clusterRoles: [clusterRole('r', [readSecrets(['get'])])],
        roleBindings: [rb('all-sa', { kind: 'ClusterRole', name: 'r' }, [group(`system:serviceaccounts:${NS}`)])],
        serviceAccounts: [
          { namespace: NS, name: 'default' },
          { namespace: NS, name: 'web' },
          { namespace: 'other', name: 'default' },
        ],
      },
      direct,
    );
    expect(summary(a.rows)).toEqual([
      'direct Group system:serviceaccounts:app get',
      'direct ServiceAccount app/default get',
      'direct ServiceAccount app/web get',
    ]);
    expect(find(a.rows, 'ServiceAccount', 'web')!.via).toBe(
      'group system:serviceaccounts:app: rolebinding/all-sa → clusterrole/r rules[0]',
    );
  });

  it('expands system:serviceaccounts to every ServiceAccount', () => {
    const a = analyze(
      {
        clusterRoles: [clusterRole('r', [readSecrets(['get'])])],
        clusterRoleBindings: [crb('c', 'r', [group('system:serviceaccounts')])],
        serviceAccounts: [
          { namespace: NS, name: 'default' },
          { namespace: 'other', name: 'x' },
        ],
      },
      direct,
    );
    expect(summary(a.rows)).toEqual([
      'direct Group system:serviceaccounts get',
      'direct ServiceAccount app/default get',
      'direct ServiceAccount other/x get',
    ]);
  });

  it('ServiceAccount subjects: RoleBinding namespace default, explicit namespace, none in a ClusterRoleBinding, User form', () => {
    const a = analyze(
      {
        clusterRoles: [clusterRole('r', [readSecrets(['get'])])],
        roleBindings: [
          rb('b', { kind: 'ClusterRole', name: 'r' }, [
            sa('defaulted'),
            sa('foreign', 'other'),
            user('system:serviceaccount:third:as-user'),
          ]),
        ],
        clusterRoleBindings: [crb('c', 'r', [sa('no-namespace')])],
      },
      direct,
    );
    expect(summary(a.rows)).toEqual([
      'direct ServiceAccount app/defaulted get',
      'direct ServiceAccount other/foreign get',
      'direct ServiceAccount third/as-user get',
    ]);
    expect(find(a.rows, 'ServiceAccount', 'as-user')!.chain[0]!.boundAs).toEqual(
      user('system:serviceaccount:third:as-user'),
    );
    expect(find(a.rows, 'ServiceAccount', 'defaulted')!.chain[0]!.boundAs).toEqual(sa('defaulted'));
    // subjects bound as themselves share their grant's step: the others' boundAs is not theirs
    expect(find(a.rows, 'ServiceAccount', 'foreign')!.chain[0]!.boundAs).toBeUndefined();
  });

  it('lists nodes running pods that use the Secret (Node authorizer): get, list/watch by name', () => {
    const a = analyze(
      {
        pods: [
          pod('web-1', { secret: 'db', node: 'node-a' }),
          pod('web-2', { secret: 'db', node: 'node-a', env: true }),
          pod('other', { node: 'node-b' }),
          pod('pending', { secret: 'db' }),
        ],
      },
      direct,
    );
    expect(summary(a.rows)).toEqual(['direct User system:node:node-a get,list(by-name),watch(by-name)']);
    expect(find(a.rows, 'User', 'system:node:node-a')!.via).toBe(
      'Node authorizer: node/node-a runs pod/web-1,pod/web-2',
    );
    expect(a.consumers).toEqual({ pods: ['web-1', 'web-2', 'pending'], workloads: [], nodes: ['node-a'] });
  });
});
