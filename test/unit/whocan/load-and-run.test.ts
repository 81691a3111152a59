import { describe, expect, it } from 'vitest';
import { subjectAccessReviews } from '../../../src/kube/access.js';
import { loadClusterSnapshot } from '../../../src/kube/rbac.js';
import { DEFAULT_OPTIONS } from '../../../src/whocan/analyze.js';
import { runWhoCan } from '../../../src/whocan/run.js';
import { FakeKube } from './fake-kube.js';
import { clusterRole, crb, pod, rb, readSecrets, role, sa, user, NS, SECRET } from './fixtures.js';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const cluster = (extra: Record<string, unknown[]> = {}) => ({
  [`${RBAC}/clusterroles`]: [clusterRole('reader', [readSecrets(['get'])]), clusterRole('edit', [readSecrets()])],
  [`${RBAC}/clusterrolebindings`]: [crb('c', 'reader', [user('alice')]), crb('ghost', 'missing', [user('ghost')])],
  [`${RBAC}/roles`]: [role('r', [readSecrets(['list'])])],
  [`${RBAC}/rolebindings`]: [rb('b', { kind: 'Role', name: 'r' }, [sa('web')])],
  [`${RBAC}/namespaces/${NS}/roles`]: [role('r', [readSecrets(['list'])])],
  [`${RBAC}/namespaces/${NS}/rolebindings`]: [rb('b', { kind: 'Role', name: 'r' }, [sa('web')])],
  '/api/v1/serviceaccounts': [{ metadata: { namespace: NS, name: 'web' } }],
  [`/api/v1/namespaces/${NS}/serviceaccounts`]: [{ metadata: { namespace: NS, name: 'web' } }],
  [`/api/v1/namespaces/${NS}/pods`]: [pod('web-1', { secret: SECRET, node: 'n1' })],
  [`/api/v1/namespaces/${NS}/secrets`]: [{ metadata: { name: SECRET } }],
  ...extra,
});

const run = (kube: FakeKube, options = {}) =>
  runWhoCan(
    { namespace: NS, name: SECRET },
    { ...DEFAULT_OPTIONS, verify: false, ...options },
    {
      load: () =>
        loadClusterSnapshot(kube, NS, SECRET, { indirect: (options as { indirect?: boolean }).indirect ?? true }),
      review: async (qs) =>
        (
          await subjectAccessReviews(
            kube,
            qs.map((q) => ({
              subject: { user: q.user, groups: q.groups },
              attributes: { resourceAttributes: q.attributes },
            })),
          )
        ).map((a) => a.allowed),
    },
  );

describe('loadClusterSnapshot + runWhoCan', () => {
  it('loads everything in a fixed set of lists, never gets a Secret', async () => {
    const kube = new FakeKube(cluster(), [], { version: 'v1.37.2' });
    const result = await run(kube);
    expect(result.metadata.complete).toBe(true);
    expect(result.rows.map((r) => `${r.kind}/${r.subject}`)).toEqual([
      'User/alice',
      'User/system:node:n1',
      'Group/system:masters',
      'ServiceAccount/web',
    ]);
    expect(kube.requests.filter((r) => r.includes('/secrets'))).toEqual([
      `LIST /api/v1/namespaces/${NS}/secrets?fieldSelector=metadata.name=${SECRET} (metadata)`,
    ]);
    expect(kube.requests.some((r) => r.startsWith('GET') && r.includes('secrets'))).toBe(false);
    expect(kube.roundTrips).toBe(15); // version, secret, 4 RBAC, serviceaccounts, pods + 7 workload types
    expect(result.metadata.secret.exists).toBe(true);
    expect(result.metadata.warnings).toEqual([
      'ClusterRoleBinding ghost references ClusterRole missing, which does not exist: it grants nothing (dangling)',
    ]);
    expect(result.metadata.danglingBindings).toHaveLength(1);
  });

  it('falls back to the namespace when cluster-wide lists are forbidden, and says the answer is partial', async () => {
    const kube = new FakeKube(
      cluster(),
      [`${RBAC}/rolebindings`, `${RBAC}/roles`, '/api/v1/serviceaccounts', `/apis/apps/v1/namespaces/${NS}/daemonsets`],
      { version: 'v1.37.2' },
    );
    const result = await run(kube);
    expect(result.metadata.complete).toBe(false);
    expect(result.rows.map((r) => `${r.kind}/${r.subject}`)).toContain('ServiceAccount/web');
    expect(result.metadata.warnings).toEqual(
      expect.arrayContaining([
        `cannot list rolebindings.rbac.authorization.k8s.io in all namespaces (forbidden): using namespace ${NS} only (paths through other namespaces are missing): the answer may be incomplete`,
        `cannot list daemonsets.apps in namespace ${NS} (forbidden): the answer may be incomplete`,
      ]),
    );
  });

  it('--direct-only: forbidden workload lists do not make the direct answer partial', async () => {
    const kube = new FakeKube(cluster(), [`${RBAC}/rolebindings`, `${RBAC}/roles`], { version: 'v1.37.2' });
    const result = await run(kube, { indirect: false });
    expect(result.metadata.complete).toBe(true);
    expect(kube.requests.some((r) => r.includes('deployments'))).toBe(false);
    // direct access only depends on the namespace's roles and bindings
    expect(kube.requests).toContain(`LIST ${RBAC}/namespaces/${NS}/rolebindings`);
    expect(kube.requests).not.toContain(`LIST ${RBAC}/rolebindings`);
  });

  it('forbidden clusterroles: bindings to ClusterRoles are unknown, not dangling; the answer is partial', async () => {
    const kube = new FakeKube(cluster(), [`${RBAC}/clusterroles`], { version: 'v1.37.2' });
    const result = await run(kube);
    expect(result.metadata.complete).toBe(false);
    expect(result.metadata.danglingBindings).toEqual([]);
    expect(result.metadata.warnings[0]).toBe(
      'cannot list clusterroles.rbac.authorization.k8s.io (forbidden): the answer may be incomplete',
    );
  });

  it('a missing Secret still gets an answer, with a warning; unknown existence when listing secrets is forbidden', async () => {
    const missing = await run(
      new FakeKube(cluster({ [`/api/v1/namespaces/${NS}/secrets`]: [] }), [], { version: 'v1.37.2' }),
    );
    expect(missing.metadata.secret.exists).toBe(false);
    expect(missing.metadata.warnings[0]).toBe(
      `secret ${NS}/${SECRET} does not exist: showing who could read it if it existed`,
    );
    expect(missing.rows.length).toBeGreaterThan(0);
    const unknown = await run(new FakeKube(cluster(), [`/api/v1/namespaces/${NS}/secrets`], { version: 'v1.37.2' }));
    expect(unknown.metadata.secret.exists).toBeNull();
    expect(unknown.metadata.warnings[0]).toMatch(/^cannot tell whether secret app\/db exists/);
  });

  it('--verify asks one SubjectAccessReview per verb and marks disputes', async () => {
    const kube = new FakeKube(cluster(), [], { version: 'v1.37.2', review: (body) => body.spec.user !== 'alice' });
    const result = await run(kube, { verify: true, indirect: false });
    const reviews = kube.created.map((c) => c.body.spec);
    expect(reviews).toContainEqual({
      user: 'alice',
      groups: [],
      resourceAttributes: { namespace: NS, verb: 'get', group: '', resource: 'secrets', name: SECRET },
    });
    expect(result.rows.find((r) => r.subject === 'alice')!.verified).toBe('disputed');
    expect(result.rows.find((r) => r.subject === 'web')!.verified).toBe('confirmed');
    expect(result.disputes).toHaveLength(1);
    expect(result.metadata.verification).toEqual({ confirmed: 3, disputed: 1 });
  });
});

describe('control-plane components', () => {
  const withControllers = () =>
    cluster({
      [`${RBAC}/clusterrolebindings`]: [
        crb('c', 'reader', [user('alice')]),
        crb('system:kube-controller-manager', 'edit', [user('system:kube-controller-manager')]),
        crb('system:controller:namespace-controller', 'edit', [
          { kind: 'ServiceAccount', name: 'namespace-controller', namespace: 'kube-system' },
        ]),
        crb('tiller', 'edit', [{ kind: 'ServiceAccount', name: 'tiller', namespace: 'kube-system' }]),
      ],
    });

  it('are left out and counted in metadata unless includeSystem', async () => {
    const result = await run(new FakeKube(withControllers(), [], { version: 'v1.37.2' }));
    const shown = result.rows.map((r) => `${r.kind}/${r.namespace}/${r.subject}`);
    expect(shown).toContain('User//alice');
    expect(shown).toContain('ServiceAccount/kube-system/tiller'); // an add-on, not the control plane: stays visible
    expect(shown).not.toContain('User//system:kube-controller-manager');
    expect(shown).not.toContain('ServiceAccount/kube-system/namespace-controller');
    expect(result.metadata.hiddenControlPlane).toEqual({
      rows: 2,
      subjects: ['system:kube-controller-manager', 'namespace-controller'],
    });
  });

  it('are listed, marked, with includeSystem', async () => {
    const result = await run(new FakeKube(withControllers(), [], { version: 'v1.37.2' }), { includeSystem: true });
    const kcm = result.rows.find((r) => r.subject === 'system:kube-controller-manager');
    expect(kcm?.controlPlane).toBe(true);
    expect(result.rows.find((r) => r.subject === 'alice')?.controlPlane).toBe(false);
    expect(result.metadata.hiddenControlPlane.rows).toBe(0);
  });
});

describe('loadClusterSnapshot: work while the lists are on their way', () => {
  it('runs whileWaiting once, after /version has answered and before the snapshot is made', async () => {
    const kube = new FakeKube(cluster(), [], { version: 'v1.37.2' });
    // the lists take a while to come, as from an API server; /version is back at once
    const list = kube.list.bind(kube);
    kube.list = (async (...args: Parameters<typeof list>) => {
      await new Promise((r) => setTimeout(r, 5));
      return list(...args);
    }) as typeof kube.list;
    const events: string[] = [];
    const loading = loadClusterSnapshot(kube, NS, SECRET, {
      indirect: false,
      whileWaiting: () => events.push(`ran after ${kube.requests.filter((r) => r.includes('/version')).length}`),
    }).then(() => events.push('loaded'));
    await loading;
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual(['ran after 1', 'loaded']);
  });
});

describe('a ServiceAccount bound to read the Secret that does not exist', () => {
  const ghosts = [rb('b', { kind: 'Role', name: 'r' }, [sa('web'), sa('ghost'), sa('far-ghost', 'elsewhere')])];
  const withGhosts = () =>
    cluster({ [`${RBAC}/rolebindings`]: ghosts, [`${RBAC}/namespaces/${NS}/rolebindings`]: ghosts });

  it('is named in a warning and in metadata: whoever creates it gets the access', async () => {
    const result = await run(new FakeKube(withGhosts(), [], { version: 'v1.37.2' }));
    expect(result.metadata.missingServiceAccounts).toEqual([`${NS}/ghost`, 'elsewhere/far-ghost']);
    expect(result.metadata.warnings).toContain(
      `ServiceAccount ${NS}/ghost can read it through a binding but does not exist: whoever may create ServiceAccounts in namespace ${NS} can create it and read the Secret; take it out of the binding`,
    );
    // a warning, not a partial answer
    expect(result.metadata.complete).toBe(true);
  });

  it('is not claimed missing where ServiceAccounts could not be listed (only the Secret’s namespace was)', async () => {
    const kube = new FakeKube(withGhosts(), ['/api/v1/serviceaccounts'], { version: 'v1.37.2' });
    const result = await run(kube);
    expect(result.metadata.missingServiceAccounts).toEqual([`${NS}/ghost`]);
  });
});
