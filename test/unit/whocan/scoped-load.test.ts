// Indirect paths list the RoleBindings of the namespaces that can change the answer only (the Secret's, and
// those of ServiceAccounts that read it), not every namespace's: same rows as the cluster-wide lists.
import { describe, expect, it } from 'vitest';
import type { Kube } from '../../../src/kube/client.js';
import { loadClusterSnapshot, MAX_NAMESPACE_LISTS } from '../../../src/kube/rbac.js';
import { sharingLists } from '../../../src/kube/shared-lists.js';
import { DEFAULT_OPTIONS, indirectNamespaces, type WhoCanOptions } from '../../../src/whocan/analyze.js';
import { runWhoCan } from '../../../src/whocan/run.js';
import type { Binding, ClusterRole, PolicyRule, Role, Subject } from '../../../src/whocan/types.js';
import { mulberry32 as prng } from '../../harness/prng.mjs';
import { FakeKube } from './fake-kube.js';
import { clusterRole, crb, group, pod, rb, readSecrets, role, rule, sa, user, NS, SECRET } from './fixtures.js';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';

interface Cluster {
  clusterRoles: ClusterRole[];
  clusterRoleBindings: Binding[];
  roles: Role[];
  roleBindings: Binding[];
  serviceAccounts: Array<{ namespace: string; name: string }>;
}

/** The lists a FakeKube answers: every namespaced type cluster-wide and per namespace. */
function lists(c: Cluster): Record<string, unknown[]> {
  const namespaces = new Set([NS, ...c.serviceAccounts.map((s) => s.namespace)]);
  for (const o of [...c.roles, ...c.roleBindings]) namespaces.add(o.metadata.namespace!);
  const out: Record<string, unknown[]> = {
    [`${RBAC}/clusterroles`]: c.clusterRoles,
    [`${RBAC}/clusterrolebindings`]: c.clusterRoleBindings,
    [`${RBAC}/roles`]: c.roles,
    [`${RBAC}/rolebindings`]: c.roleBindings,
    '/api/v1/serviceaccounts': c.serviceAccounts.map((s) => ({ metadata: s })),
    [`/api/v1/namespaces/${NS}/pods`]: [pod('web-1', { secret: SECRET, node: 'n1' })],
    [`/api/v1/namespaces/${NS}/secrets`]: [{ metadata: { name: SECRET } }],
  };
  for (const ns of namespaces) {
    out[`${RBAC}/namespaces/${ns}/roles`] = c.roles.filter((r) => r.metadata.namespace === ns);
    out[`${RBAC}/namespaces/${ns}/rolebindings`] = c.roleBindings.filter((b) => b.metadata.namespace === ns);
    out[`/api/v1/namespaces/${ns}/serviceaccounts`] = c.serviceAccounts
      .filter((s) => s.namespace === ns)
      .map((s) => ({ metadata: s }));
  }
  return out;
}

async function answer(kube: FakeKube, scoped: boolean, options: Partial<WhoCanOptions> = {}) {
  const secret = { namespace: NS, name: SECRET };
  const opts = { ...DEFAULT_OPTIONS, ...options };
  return runWhoCan(
    secret,
    { ...opts, verify: false },
    {
      load: () =>
        loadClusterSnapshot(kube, NS, SECRET, {
          indirect: opts.indirect,
          ...(scoped ? { scope: (partial) => indirectNamespaces({ secret, ...partial }, opts) } : {}),
        }),
      review: async () => [],
    },
  );
}

/** The RBAC lists read (lists asked for ahead and dropped unread are left out). */
const rbacLists = (kube: FakeKube) =>
  kube.requests.filter((r) => /\/(roles|rolebindings)\b/.test(r) && !r.endsWith('(dropped)')).sort();

/** A reader ServiceAccount in `ops`; token minters and pod creators there; noise in `tools`. */
/** The snapshot who-can loads for one Secret in investigate: indirect paths, scoped to the namespaces they reach. */
function loadAsInvestigate(kube: Kube, secret: { namespace: string; name: string }) {
  return loadClusterSnapshot(kube, secret.namespace, secret.name, {
    indirect: true,
    scope: (partial) => indirectNamespaces({ secret, ...partial }, DEFAULT_OPTIONS),
  });
}

/** A cluster whose first list of `failing` fails (a stream reset, not a refusal): requests shows `(failed)`. */
function failingOnce(c: Cluster, failing: string): FakeKube {
  let calls = 0;
  return new (class extends FakeKube {
    override async list<T>(path: string, options: Parameters<FakeKube['list']>[1] = {}) {
      if (path === failing && calls++ === 0) {
        this.requests.push(`LIST ${path} (failed)`);
        throw new Error('stream reset');
      }
      return super.list<T>(path, options);
    }
  })(lists(c), [], { version: 'v1.37.2' });
}

const crossNamespace = (): Cluster => ({
  clusterRoles: [
    clusterRole('secret-reader', [readSecrets()]),
    clusterRole('token-minter', [rule(['create'], ['serviceaccounts/token'])]),
  ],
  clusterRoleBindings: [crb('deployer-reads', 'secret-reader', [sa('deployer', 'ops')])],
  roles: [
    role('pod-maker', [rule(['create'], ['pods'])], 'ops'),
    role('pod-maker', [rule(['create'], ['pods'])], 'tools'),
    role('impersonator', [rule(['impersonate'], ['serviceaccounts'], [''], ['deployer'])], 'ops'),
  ],
  roleBindings: [
    rb('mint', { kind: 'ClusterRole', name: 'token-minter' }, [user('mallory')], 'ops'),
    rb('pods', { kind: 'Role', name: 'pod-maker' }, [user('builder'), group('system:serviceaccounts:tools')], 'ops'),
    rb('become', { kind: 'Role', name: 'impersonator' }, [sa('helper')], 'ops'),
    rb('noise', { kind: 'Role', name: 'pod-maker' }, [user('noise')], 'tools'),
  ],
  serviceAccounts: [
    { namespace: 'ops', name: 'deployer' },
    { namespace: 'ops', name: 'helper' },
    { namespace: 'tools', name: 'bot' },
    { namespace: NS, name: 'default' },
  ],
});

describe('who-can lists only the namespaces that can change the answer', () => {
  it('follows a reader ServiceAccount into its namespace: token minters, pod creators, impersonators there', async () => {
    const scopedKube = new FakeKube(lists(crossNamespace()), [], { version: 'v1.37.2' });
    const scoped = await answer(scopedKube, true);
    const everything = await answer(new FakeKube(lists(crossNamespace()), [], { version: 'v1.37.2' }), false);
    expect(scoped).toEqual(everything);
    expect(scoped.metadata.complete).toBe(true);
    expect(scoped.rows.filter((r) => r.path !== 'direct').map((r) => `${r.path} ${r.kind} ${r.subject}`)).toEqual(
      expect.arrayContaining([
        'create-workload User builder',
        'create-workload ServiceAccount bot', // through its namespace's group, bound in ops
        'impersonate ServiceAccount helper',
        'sa-token User mallory',
      ]),
    );
    expect(scoped.rows.some((r) => r.subject === 'noise')).toBe(false);
    expect(rbacLists(scopedKube)).toEqual([
      `LIST ${RBAC}/namespaces/${NS}/rolebindings (protobuf)`,
      `LIST ${RBAC}/namespaces/${NS}/roles`,
      `LIST ${RBAC}/namespaces/ops/rolebindings`,
      `LIST ${RBAC}/namespaces/ops/roles`,
    ]);
  });

  it('a namespace it may not list: partial answer, a warning naming it', async () => {
    const kube = new FakeKube(lists(crossNamespace()), [`${RBAC}/namespaces/ops/rolebindings`], {
      version: 'v1.37.2',
    });
    const result = await answer(kube, true);
    expect(result.metadata.complete).toBe(false);
    expect(result.metadata.warnings).toContain(
      'cannot list rolebindings.rbac.authorization.k8s.io in namespace ops (forbidden): paths through namespace ops are missing: the answer may be incomplete',
    );
    expect(result.rows.some((r) => r.subject === 'mallory')).toBe(false);
    expect(result.rows.some((r) => r.path === 'direct' && r.subject === 'deployer')).toBe(true);
  });

  it('--direct-only lists nothing beyond the Secret namespace', async () => {
    const kube = new FakeKube(lists(crossNamespace()), [], { version: 'v1.37.2' });
    await answer(kube, true, { indirect: false });
    expect(rbacLists(kube)).toEqual([
      `LIST ${RBAC}/namespaces/${NS}/rolebindings`,
      `LIST ${RBAC}/namespaces/${NS}/roles`,
    ]);
  });

  it('lists cluster-wide when every ServiceAccount reads (system:serviceaccounts) across many namespaces', async () => {
    const c = crossNamespace();
    c.clusterRoleBindings.push(crb('all-sas', 'secret-reader', [group('system:serviceaccounts')]));
    for (let i = 0; i <= MAX_NAMESPACE_LISTS; i++) c.serviceAccounts.push({ namespace: `team-${i}`, name: 'default' });
    const kube = new FakeKube(lists(c), [], { version: 'v1.37.2' });
    const scoped = await answer(kube, true);
    expect(rbacLists(kube)).toEqual(
      expect.arrayContaining([`LIST ${RBAC}/rolebindings (protobuf)`, `LIST ${RBAC}/roles (protobuf)`]),
    );
    expect(scoped).toEqual(await answer(new FakeKube(lists(c), [], { version: 'v1.37.2' }), false));
  });

  it('asks for the cluster-wide lists with the first lists, as protobuf; reads them only when many namespaces count', async () => {
    const c = crossNamespace();
    const few = new FakeKube(lists(c), [], { version: 'v1.37.2' });
    await answer(few, true);
    // asked for at once (the scope is not known yet), then dropped unread: one namespace besides the Secret's counts
    expect(few.requests.filter((r) => r.endsWith('(dropped)')).sort()).toEqual([
      `LIST ${RBAC}/rolebindings (protobuf) (dropped)`,
      `LIST ${RBAC}/roles (protobuf) (dropped)`,
    ]);
    c.clusterRoleBindings.push(crb('all-sas', 'secret-reader', [group('system:serviceaccounts')]));
    for (let i = 0; i <= MAX_NAMESPACE_LISTS; i++) c.serviceAccounts.push({ namespace: `team-${i}`, name: 'default' });
    const many = new FakeKube(lists(c), [], { version: 'v1.37.2' });
    await answer(many, true);
    expect(rbacLists(many)).toEqual([
      `LIST ${RBAC}/namespaces/${NS}/rolebindings (protobuf)`,
      `LIST ${RBAC}/namespaces/${NS}/roles`,
      `LIST ${RBAC}/rolebindings (protobuf)`,
      `LIST ${RBAC}/roles (protobuf)`,
    ]);
    expect(many.requests.some((r) => r.endsWith('(dropped)'))).toBe(false);
  });

  it('cluster-wide lists asked for early: forbidden gives the same warning, a failure is listed again', async () => {
    const c = crossNamespace();
    c.clusterRoleBindings.push(crb('all-sas', 'secret-reader', [group('system:serviceaccounts')]));
    for (let i = 0; i <= MAX_NAMESPACE_LISTS; i++) c.serviceAccounts.push({ namespace: `team-${i}`, name: 'default' });
    const forbidden = new FakeKube(lists(c), [`${RBAC}/rolebindings`], { version: 'v1.37.2' });
    const partial = await answer(forbidden, true);
    expect(partial.metadata.complete).toBe(false);
    expect(partial.metadata.warnings).toContain(
      `cannot list rolebindings.rbac.authorization.k8s.io in all namespaces (forbidden): using namespace ${NS} only (paths through other namespaces are missing): the answer may be incomplete`,
    );
    expect(partial.rows.some((r) => r.path === 'direct' && r.subject === 'deployer')).toBe(true);
    // a failed early list (not a refusal) is as if never asked for: the lists are asked for again, the answer whole
    const flaky = failingOnce(c, `${RBAC}/rolebindings`);
    const whole = await answer(flaky, true);
    expect(flaky.requests).toContain(`LIST ${RBAC}/rolebindings (failed)`);
    expect(whole.metadata.complete).toBe(true);
    expect(whole).toEqual(await answer(new FakeKube(lists(c), [], { version: 'v1.37.2' }), false));
  });

  it('one early list failed: the other is cancelled, not read in full and thrown away', async () => {
    const c = crossNamespace();
    c.clusterRoleBindings.push(crb('all-sas', 'secret-reader', [group('system:serviceaccounts')]));
    for (let i = 0; i <= MAX_NAMESPACE_LISTS; i++) c.serviceAccounts.push({ namespace: `team-${i}`, name: 'default' });
    const flaky = failingOnce(c, `${RBAC}/rolebindings`);
    await answer(flaky, true);
    // the early cluster-wide Roles list is read (decoded) and dropped on the floor; the Roles are listed again
    expect(flaky.requests.filter((r) => /\/v1\/roles\b/.test(r))).toEqual([
      `LIST ${RBAC}/roles (protobuf) (dropped)`,
      `LIST ${RBAC}/roles`,
    ]);
  });

  it('through sharingLists (investigate), a list dropped for one Secret does not fail the next Secret', async () => {
    const c = crossNamespace();
    const few = new FakeKube(lists(c), [], { version: 'v1.37.2' });
    const shared = sharingLists(few);
    // a second Secret, in nsb, read by every ServiceAccount: its indirect paths need every namespace
    c.roleBindings.push(
      rb('all-sas', { kind: 'ClusterRole', name: 'secret-reader' }, [group('system:serviceaccounts')], 'nsb'),
    );
    for (let i = 0; i <= MAX_NAMESPACE_LISTS; i++) c.serviceAccounts.push({ namespace: `team-${i}`, name: 'default' });
    (few as unknown as { lists: unknown }).lists = lists(c);
    await loadAsInvestigate(shared, { namespace: NS, name: SECRET }); // one namespace besides the Secret's: dropped
    expect(few.requests.filter((r) => r.endsWith('(dropped)'))).toHaveLength(2);
    const second = await loadAsInvestigate(shared, { namespace: 'nsb', name: 'other' }).catch((e: unknown) => e);
    expect(second).not.toBeInstanceOf(Error);
  });

  it('through sharingLists (investigate), an early list that failed is listed again', async () => {
    const c = crossNamespace();
    c.clusterRoleBindings.push(crb('all-sas', 'secret-reader', [group('system:serviceaccounts')]));
    for (let i = 0; i <= MAX_NAMESPACE_LISTS; i++) c.serviceAccounts.push({ namespace: `team-${i}`, name: 'default' });
    const flaky = failingOnce(c, `${RBAC}/rolebindings`);
    const snapshot = await loadAsInvestigate(sharingLists(flaky), { namespace: NS, name: SECRET }).catch(
      (e: unknown) => e,
    );
    expect(snapshot).not.toBeInstanceOf(Error);
  });

  it('through sharingLists (investigate), the cluster-wide lists read for one Secret serve the next', async () => {
    const c = crossNamespace();
    c.clusterRoleBindings.push(crb('all-sas', 'secret-reader', [group('system:serviceaccounts')]));
    for (let i = 0; i <= MAX_NAMESPACE_LISTS; i++) c.serviceAccounts.push({ namespace: `team-${i}`, name: 'default' });
    const fake = new FakeKube(lists(c), [], { version: 'v1.37.2' });
    const shared = sharingLists(fake);
    for (const name of [SECRET, 'other']) await loadAsInvestigate(shared, { namespace: NS, name });
    expect(fake.requests.filter((r) => r.startsWith(`LIST ${RBAC}/rolebindings`))).toHaveLength(1);
  });

  it('lists cluster-wide when a group impersonator may impersonate a ServiceAccount only through a RoleBinding', async () => {
    const c = crossNamespace();
    c.clusterRoles.push(clusterRole('group-impersonator', [rule(['impersonate'], ['groups'])]));
    c.clusterRoleBindings.push(
      crb('readers-group', 'secret-reader', [group('auditors')]),
      crb('imp-groups', 'group-impersonator', [user('eve')]),
    );
    c.roles.push(role('sa-impersonator', [rule(['impersonate'], ['serviceaccounts'])], 'tools'));
    c.roleBindings.push(rb('eve-sas', { kind: 'Role', name: 'sa-impersonator' }, [user('eve')], 'tools'));
    const kube = new FakeKube(lists(c), [], { version: 'v1.37.2' });
    const scoped = await answer(kube, true);
    expect(rbacLists(kube)).toContain(`LIST ${RBAC}/rolebindings (protobuf)`);
    expect(scoped.rows.map((r) => `${r.path} ${r.subject}`)).toContain('impersonate eve');
    expect(scoped).toEqual(await answer(new FakeKube(lists(c), [], { version: 'v1.37.2' }), false));
  });

  it('random clusters (seeded): the same answer as the cluster-wide lists, for every option', async () => {
    for (let seed = 1; seed <= 150; seed++) {
      const c = randomCluster(seed);
      for (const options of [{}, { allPaths: true }, { verbs: ['get'] as const }]) {
        const scoped = await answer(new FakeKube(lists(c), [], { version: 'v1.34.0' }), true, options);
        const everything = await answer(new FakeKube(lists(c), [], { version: 'v1.34.0' }), false, options);
        expect(scoped, `seed ${seed} ${JSON.stringify(options)}`).toEqual(everything);
      }
    }
  });
});

function randomCluster(seed: number): Cluster {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const namespaces = [NS, 'b', 'c', 'd', 'e'];
  const serviceAccounts = namespaces.flatMap((namespace) => ['default', 'x'].map((name) => ({ namespace, name })));
  const randomRule = (): PolicyRule =>
    pick([
      () => readSecrets(pick([['get'], ['list'], ['*']]), rand() < 0.3 ? [pick([SECRET, 'other'])] : undefined),
      () =>
        rule(
          ['create'],
          [pick(['pods', 'deployments', 'jobs', 'serviceaccounts/token'])],
          [pick(['', 'apps', 'batch', '*'])],
        ),
      () =>
        rule(
          ['impersonate'],
          [pick(['users', 'groups', 'serviceaccounts'])],
          [''],
          rand() < 0.4 ? [pick(['x', 'g1', 'u1'])] : undefined,
        ),
      () => rule(['create', 'get'], ['pods/exec', 'pods/attach']),
      () => rule(['bind', 'escalate'], ['roles', 'clusterroles'], ['rbac.authorization.k8s.io']),
      () => rule(['*'], ['*'], ['*']),
      () => rule(['get'], ['configmaps']),
    ])();
  const rules = () => Array.from({ length: 1 + Math.floor(rand() * 2) }, randomRule);
  const subject = (): Subject =>
    pick([
      () => user(pick(['u1', 'u2', 'u3'])),
      () => group(pick(['g1', 'g2', 'system:serviceaccounts:c', 'system:serviceaccounts'])),
      () => sa(pick(['default', 'x']), pick(namespaces)),
      () => sa('x'),
    ])();
  const subjects = () => Array.from({ length: 1 + Math.floor(rand() * 2) }, subject);
  const clusterRoles = Array.from({ length: 4 }, (_, i) => clusterRole(`cr${i}`, rules()));
  const roles = namespaces.flatMap((ns) => [role('r0', rules(), ns), role('r1', rules(), ns)]);
  const roleBindings = Array.from({ length: 12 }, (_, i) => {
    const ns = pick(namespaces);
    const ref =
      rand() < 0.5
        ? { kind: 'Role' as const, name: pick(['r0', 'r1']) }
        : { kind: 'ClusterRole' as const, name: pick(['cr0', 'cr1', 'cr2', 'cr3']) };
    return rb(`b${i}`, ref, subjects(), ns);
  });
  const clusterRoleBindings = Array.from({ length: 3 }, (_, i) =>
    crb(`c${i}`, pick(['cr0', 'cr1', 'cr2', 'cr3']), subjects()),
  );
  return { clusterRoles, clusterRoleBindings, roles, roleBindings, serviceAccounts };
}
