import { describe, expect, it } from 'vitest';
import {
  analyze,
  clusterRole,
  crb,
  deployment,
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

const rbacGroup = 'rbac.authorization.k8s.io';

describe('indirect: create pods or pod-creating workloads', () => {
  it('lists each creator once per path, naming what it may create', () => {
    const a = analyze({
      roles: [
        role('dev', [rule(['create'], ['pods']), rule(['create'], ['deployments', 'cronjobs'], ['apps', 'batch'])]),
      ],
      roleBindings: [rb('dev', { kind: 'Role', name: 'dev' }, [user('dev')])],
    });
    expect(summary(a.rows)).toEqual(['create-workload User dev create']);
    const via = find(a.rows, 'User', 'dev', 'create-workload')!.via;
    expect(via).toContain('create pods: rolebinding/dev → role/dev rules[0]');
    expect(via).toContain('create deployments.apps: rolebinding/dev → role/dev rules[1]');
    expect(via).toContain('create cronjobs.batch: rolebinding/dev → role/dev rules[1]');
  });

  it('ignores create with resourceNames (a create has no name) and other namespaces', () => {
    const a = analyze({
      roles: [
        role('named', [rule(['create'], ['pods'], [''], ['x'])]),
        role('elsewhere', [rule(['create'], ['pods'])], 'other'),
      ],
      roleBindings: [
        rb('n', { kind: 'Role', name: 'named' }, [user('a')]),
        rb('e', { kind: 'Role', name: 'elsewhere' }, [user('b')], 'other'),
      ],
    });
    expect(summary(a.rows)).toEqual([]);
  });

  it('creating pods where a reader ServiceAccount lives runs as it', () => {
    const a = analyze({
      clusterRoles: [
        clusterRole('reader', [readSecrets(['get'])]),
        clusterRole('pod-maker', [rule(['create'], ['pods'])]),
      ],
      clusterRoleBindings: [
        crb('r', 'reader', [sa('robot', 'tools')]),
        crb('masters-too', 'pod-maker', [group('system:masters')]),
      ],
      roleBindings: [rb('pm', { kind: 'ClusterRole', name: 'pod-maker' }, [user('intern')], 'tools')],
    });
    // system:masters reads directly: no indirect rows for it
    expect(a.rows.filter((r) => r.subject === 'system:masters').map((r) => r.path)).toEqual(['direct']);
    const row = find(a.rows, 'User', 'intern', 'create-workload')!;
    expect(row.via).toBe(
      'create pods in namespace tools as serviceaccount/robot: rolebinding/pm → clusterrole/pod-maker rules[0]',
    );
  });
});

describe('indirect: exec, attach and workload changes', () => {
  const pods = [
    pod('web-1', { secret: 'db', node: 'n1', owner: { kind: 'ReplicaSet', name: 'web-abc' } }),
    pod('idle', { node: 'n1' }),
  ];
  const workloads = [
    deployment('web', 'db'),
    deployment('unrelated'),
    {
      ...deployment('web-abc', 'db'),
      kind: 'ReplicaSet',
      metadata: {
        name: 'web-abc',
        namespace: NS,
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'u', controller: true }],
      },
    },
  ];

  it('exec/attach on consuming pods only, honouring resourceNames', () => {
    const a = analyze({
      pods,
      workloads,
      roles: [
        role('exec-any', [rule(['create'], ['pods/exec'])]),
        role('exec-idle', [rule(['create'], ['pods/exec', 'pods/attach'], [''], ['idle'])]),
        role('attach-web', [rule(['create'], ['pods/attach'], [''], ['web-1'])]),
      ],
      roleBindings: [
        rb('a', { kind: 'Role', name: 'exec-any' }, [user('a')]),
        rb('b', { kind: 'Role', name: 'exec-idle' }, [user('b')]),
        rb('c', { kind: 'Role', name: 'attach-web' }, [user('c')]),
      ],
    });
    expect(summary(a.rows).filter((s) => s.startsWith('exec'))).toEqual(['exec User a create', 'exec User c create']);
    expect(find(a.rows, 'User', 'a', 'exec')!.via).toBe(
      'create pods/exec on pod/web-1: rolebinding/a → role/exec-any rules[0]',
    );
  });

  it('get pods/exec counts before 1.35 only (WebSocket exec)', () => {
    const f = {
      pods,
      roles: [role('get-exec', [rule(['get'], ['pods/exec'])])],
      roleBindings: [rb('g', { kind: 'Role', name: 'get-exec' }, [user('old')])],
    };
    const exec = (minor: number) =>
      summary(analyze({ ...f, serverVersion: { major: 1, minor } }).rows).filter((s) => s.startsWith('exec'));
    expect(exec(34)).toEqual(['exec User old get']);
    expect(exec(35)).toEqual([]);
  });

  it('patch/update on workloads: consumers first, any existing workload counts; ephemeral containers', () => {
    const a = analyze({
      pods,
      workloads,
      roles: [
        role('patch-web', [rule(['patch'], ['deployments'], ['apps'], ['web'])]),
        role('update-any', [rule(['update'], ['deployments'], ['apps'])]),
        role('patch-missing', [rule(['patch'], ['statefulsets'], ['apps'])]),
        role('debug', [rule(['patch'], ['pods/ephemeralcontainers'])]),
      ],
      roleBindings: [
        rb('p', { kind: 'Role', name: 'patch-web' }, [user('p')]),
        rb('u', { kind: 'Role', name: 'update-any' }, [user('u')]),
        rb('m', { kind: 'Role', name: 'patch-missing' }, [user('m')]),
        rb('d', { kind: 'Role', name: 'debug' }, [user('d')]),
      ],
    });
    expect(summary(a.rows).filter((s) => !s.startsWith('direct'))).toEqual([
      'modify-workload User d patch',
      'modify-workload User p patch',
      'modify-workload User u update',
    ]);
    const p = find(a.rows, 'User', 'p', 'modify-workload')!;
    expect(p.chain[0]!.targets).toEqual([{ kind: 'Deployment', name: 'web', consumer: true }]);
    expect(find(a.rows, 'User', 'u', 'modify-workload')!.chain[0]!.targets!.map((t) => t.name)).toEqual([
      'web',
      'unrelated',
    ]);
    expect(a.consumers.workloads.sort()).toEqual(['Deployment/web', 'ReplicaSet/web-abc']);
  });

  it('nodes/proxy on nodes running a consumer', () => {
    const a = analyze({
      pods,
      clusterRoles: [
        clusterRole('proxy-n1', [rule(['get'], ['nodes/proxy'], [''], ['n1'])]),
        clusterRole('proxy-n2', [rule(['create'], ['nodes/proxy'], [''], ['n2'])]),
      ],
      clusterRoleBindings: [crb('p1', 'proxy-n1', [user('ops')]), crb('p2', 'proxy-n2', [user('nope')])],
      // RoleBindings never grant cluster-scoped resources
      roleBindings: [rb('ns-proxy', { kind: 'ClusterRole', name: 'proxy-n1' }, [user('ns-only')])],
    });
    expect(summary(a.rows).filter((s) => s.startsWith('nodes-proxy'))).toEqual(['nodes-proxy User ops get']);
  });
});

describe('indirect: impersonation, tokens, RBAC escalation', () => {
  const readers = {
    clusterRoles: [clusterRole('reader', [readSecrets(['get'])])],
    roleBindings: [rb('r', { kind: 'ClusterRole', name: 'reader' }, [user('alice'), group('dbas'), sa('robot')])],
    serviceAccounts: [{ namespace: NS, name: 'robot' }],
  };

  it('impersonate users, groups (with some user), serviceaccounts in their namespace', () => {
    const a = analyze({
      ...readers,
      clusterRoles: [
        ...readers.clusterRoles,
        clusterRole('imp-alice', [rule(['impersonate'], ['users'], [''], ['alice'])]),
        clusterRole('imp-groups', [rule(['impersonate'], ['groups'])]),
        clusterRole('imp-sa', [rule(['impersonate'], ['serviceaccounts'])]),
      ],
      clusterRoleBindings: [
        crb('i1', 'imp-alice', [user('helpdesk')]),
        crb('i2', 'imp-groups', [user('only-groups'), user('groups-and-users')]),
        crb('i3', 'imp-alice', [user('groups-and-users')]),
      ],
      roleBindings: [
        ...readers.roleBindings,
        rb('i4', { kind: 'ClusterRole', name: 'imp-sa' }, [user('sa-imp')]),
        rb('i5', { kind: 'ClusterRole', name: 'imp-sa' }, [user('wrong-ns')], 'other'),
      ],
    });
    expect(summary(a.rows).filter((s) => s.startsWith('impersonate'))).toEqual([
      'impersonate User groups-and-users impersonate',
      'impersonate User helpdesk impersonate',
      'impersonate User sa-imp impersonate',
    ]);
    expect(find(a.rows, 'User', 'sa-imp', 'impersonate')!.via).toBe(
      'impersonate serviceaccounts as serviceaccount/robot: rolebinding/i4 → clusterrole/imp-sa rules[0]',
    );
  });

  it('create serviceaccounts/token for a reader ServiceAccount', () => {
    const a = analyze({
      ...readers,
      roles: [
        role('token', [rule(['create'], ['serviceaccounts/token'], [''], ['robot'])]),
        role('token-other', [rule(['create'], ['serviceaccounts/token'], [''], ['other'])]),
      ],
      roleBindings: [
        ...readers.roleBindings,
        rb('t', { kind: 'Role', name: 'token' }, [user('minter')]),
        rb('t2', { kind: 'Role', name: 'token-other' }, [user('no')]),
      ],
    });
    expect(summary(a.rows).filter((s) => s.startsWith('sa-token'))).toEqual(['sa-token User minter create']);
  });

  it('escalate, bind (on roles that read it), create rolebindings/clusterrolebindings', () => {
    const a = analyze({
      ...readers,
      clusterRoles: [
        ...readers.clusterRoles,
        clusterRole('harmless', [rule(['get'], ['configmaps'])]),
        clusterRole('lister', [readSecrets(['list'])]),
        clusterRole('bind-reader', [rule(['bind'], ['clusterroles'], [rbacGroup], ['reader'])]),
        clusterRole('bind-lister', [rule(['bind'], ['clusterroles'], [rbacGroup], ['lister'])]),
        clusterRole('bind-harmless', [rule(['bind'], ['clusterroles'], [rbacGroup], ['harmless'])]),
        clusterRole('escalate', [rule(['escalate'], ['clusterroles'], [rbacGroup])]),
        clusterRole('crb-writer', [rule(['create'], ['clusterrolebindings'], [rbacGroup])]),
        clusterRole('rb-writer', [rule(['create'], ['rolebindings'], [rbacGroup])]),
      ],
      clusterRoleBindings: [crb('e', 'escalate', [user('esc')]), crb('w', 'crb-writer', [user('crbw')])],
      roleBindings: [
        ...readers.roleBindings,
        rb('b1', { kind: 'ClusterRole', name: 'bind-reader' }, [user('binder')]),
        rb('b3', { kind: 'ClusterRole', name: 'bind-lister' }, [user('list-binder')]),
        rb('b2', { kind: 'ClusterRole', name: 'bind-harmless' }, [user('harmless-binder')]),
        rb('w2', { kind: 'ClusterRole', name: 'rb-writer' }, [user('rbw')]),
      ],
    });
    expect(summary(a.rows).filter((s) => s.startsWith('rbac'))).toEqual([
      'rbac-escalation User binder bind',
      'rbac-escalation User crbw create',
      'rbac-escalation User esc escalate',
      'rbac-escalation User list-binder bind',
      'rbac-escalation User rbw create',
    ]);
  });
});

describe('indirect: which subjects are listed', () => {
  const f = {
    clusterRoles: [
      clusterRole('admin', [rule(['*'], ['*'], ['*'])]),
      clusterRole('pods', [rule(['create'], ['pods'])]),
    ],
    roleBindings: [
      rb('a', { kind: 'ClusterRole', name: 'admin' }, [user('admin')]),
      rb('p', { kind: 'ClusterRole', name: 'pods' }, [group(`system:serviceaccounts:${NS}`)]),
    ],
    serviceAccounts: [{ namespace: NS, name: 'ci' }],
  };

  it('skips subjects that read directly, unless --all-paths', () => {
    expect(summary(analyze(f).rows)).toEqual([
      'direct User admin get,list,watch',
      'create-workload Group system:serviceaccounts:app create',
      'create-workload ServiceAccount app/ci create',
    ]);
    const all = summary(analyze(f, { allPaths: true }).rows);
    expect(all).toContain('create-workload User admin create');
    expect(all).toContain('rbac-escalation User admin bind,create,escalate');
  });

  it('--direct-only turns them off', () => {
    expect(summary(analyze(f, { indirect: false }).rows)).toEqual(['direct User admin get,list,watch']);
  });
});
