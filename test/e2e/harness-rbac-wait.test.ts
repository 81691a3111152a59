// The harness contract: applyYaml returns once the RoleBindings and ClusterRoleBindings it created are in force,
// so a test may act as their subjects at once. The API server's RBAC authorizer learns of new bindings through its
// informer, which lags on a busy control plane (a CI run once got 403 reading a Secret right after binding it).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  applyYaml,
  asServiceAccount,
  asUser,
  deleteNamespace,
  freshNamespace,
  useCluster,
} from '../harness/cluster.js';
import { binding, clusterRoleBinding, g, rbac, u } from '../harness/rbac-yaml.js';
import { waitForBindings } from '../harness/rbac-wait.js';

const P = `rbacwait-${randomBytes(3).toString('hex')}`;
const ROUNDS = 20;
const clusterScoped: string[] = [];
let ns: string;

const clusterRole = (name: string, body: string, labels = '') => {
  clusterScoped.push(`clusterroles/${name}`);
  return rbac('ClusterRole', name, body, labels);
};
const clusterBinding = (name: string, role: string, subjects: string[]) => {
  clusterScoped.push(`clusterrolebindings/${name}`);
  return clusterRoleBinding(name, role, subjects);
};
const get = async (kubeconfig: string, path: string) => (await api('GET', path, { kubeconfig })).status;

beforeAll(async () => {
  ns = await freshNamespace('rbacwait');
  const serviceAccounts = Array.from(
    { length: ROUNDS },
    (_, i) => `apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa${i}}\n`,
  );
  await applyYaml(
    [
      'apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: not-a-real-one}\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {k: v}\n',
      ...serviceAccounts,
      'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: writer}\n',
    ].join('---\n'),
    ns,
  );
});

afterAll(async () => {
  await Promise.all(clusterScoped.map((path) => api('DELETE', `/apis/rbac.authorization.k8s.io/v1/${path}`)));
  if (ns) await deleteNamespace(ns);
});

describe('applyYaml returns with its bindings in force', () => {
  it('ServiceAccounts and Groups bound by applyYaml read at once, in every round', async () => {
    // Credentials first: only the binding stands between applyYaml's return and the read.
    const tokens = await Promise.all(Array.from({ length: ROUNDS }, (_, i) => asServiceAccount(ns, `sa${i}`)));
    const members = await Promise.all(
      Array.from({ length: ROUNDS }, (_, i) => asUser({ user: `${P}-member${i}`, groups: [`${P}-group${i}`] })),
    );
    const statuses: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      await applyYaml(
        rbac(
          'Role',
          `read-db-${i}`,
          'rules: [{apiGroups: [""], resources: [secrets], resourceNames: [db], verbs: [get]}]',
        ) + binding(`read-db-${i}`, 'Role', `read-db-${i}`, [`{kind: ServiceAccount, name: sa${i}}`]),
        ns,
      );
      statuses.push(`ServiceAccount sa${i}: ${await get(tokens[i]!, `/api/v1/namespaces/${ns}/secrets/db`)}`);
      await applyYaml(
        clusterRole(`${P}-list-cm-${i}`, 'rules: [{apiGroups: [""], resources: [configmaps], verbs: [list]}]') +
          clusterBinding(`${P}-list-cm-${i}`, `${P}-list-cm-${i}`, [g(`${P}-group${i}`)]),
      );
      statuses.push(`Group ${P}-group${i}: ${await get(members[i]!, '/api/v1/configmaps')}`);
    }
    expect(statuses.filter((s) => !s.endsWith(': 200'))).toEqual([]);
  });

  it('a ServiceAccount bound by applyYaml creates objects through applyYaml at once', async () => {
    const writer = await asServiceAccount(ns, 'writer');
    await applyYaml(
      rbac('Role', 'write-cm', 'rules: [{apiGroups: [""], resources: [configmaps], verbs: [create]}]') +
        binding('write-cm', 'Role', 'write-cm', ['{kind: ServiceAccount, name: writer}']),
      ns,
    );
    const created = await applyYaml('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: by-writer}\n', ns, {
      kubeconfig: writer,
    });
    expect(created.map((o) => o.metadata?.name)).toEqual(['by-writer']);
  });

  it('a User bound to an existing aggregated ClusterRole (view) reads at once', async () => {
    const user = `${P}-viewer`;
    const kubeconfig = await asUser({ user });
    await applyYaml(binding('viewer', 'ClusterRole', 'view', [u(user)]), ns);
    expect(await get(kubeconfig, `/api/v1/namespaces/${ns}/configmaps/settings`)).toBe(200);
  });

  it('a binding made before its ClusterRole is in force when a later applyYaml creates the role', async () => {
    const user = `${P}-early`;
    const kubeconfig = await asUser({ user });
    await applyYaml(binding('early', 'ClusterRole', `${P}-late-role`, [u(user)]), ns);
    await applyYaml(clusterRole(`${P}-late-role`, 'rules: [{apiGroups: [""], resources: [secrets], verbs: [get]}]'));
    expect(await get(kubeconfig, `/api/v1/namespaces/${ns}/secrets/db`)).toBe(200);
  });

  it('a binding of a Role changed since an earlier applyYaml made it reads at once', async () => {
    const user = `${P}-changed`;
    const kubeconfig = await asUser({ user });
    await applyYaml(rbac('Role', 'changes', 'rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]'), ns);
    const path = `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles/changes`;
    const rules = [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }];
    expect((await api('PATCH', path, { body: { rules }, contentType: 'application/merge-patch+json' })).status).toBe(
      200,
    );
    await applyYaml(binding('changes', 'Role', 'changes', [u(user)]), ns);
    expect(await get(kubeconfig, `/api/v1/namespaces/${ns}/configmaps/settings`)).toBe(200);
  });
});

describe('what the wait checks', () => {
  // Grants here stay in this file's namespace, or are of nothing a Secret: other files read the cluster's RBAC.
  it('one review per binding; nothing to check is no wait and no error', async () => {
    const kubeconfig = useCluster().kubeconfig;
    const cluster = await applyYaml(
      [
        clusterRole(
          `${P}-agg`,
          `aggregationRule: {clusterRoleSelectors: [{matchLabels: {${P}/agg: "true"}}]}\nrules: []`,
        ),
        clusterRole(`${P}-urls`, 'rules: [{nonResourceURLs: ["/rbacwait-probe"], verbs: [get]}]'),
        clusterBinding(`${P}-urls`, `${P}-urls`, [u(`${P}-b`)]),
        `apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: agg, namespace: ${ns}}\n` +
          `roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${P}-agg}\nsubjects: [${u(`${P}-a`)}]\n`,
      ].join(''),
      undefined,
      { waitForRbac: false },
    );
    const report = await waitForBindings(cluster, kubeconfig);
    expect(report).toMatchObject({ bindings: 2, checked: 1 });
    expect(report.skipped).toEqual([`RoleBinding ${ns}/agg: ClusterRole ${P}-agg is aggregated by the controller`]);

    const namespaced = await applyYaml(
      [
        rbac('Role', 'everything', 'rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]'),
        rbac('Role', 'empty', 'rules: []'),
        binding('everything', 'Role', 'everything', [g(`${P}-admins`)]),
        binding('named', 'ClusterRole', 'view', [u(`${P}-f`)]),
        binding('dangling', 'ClusterRole', `${P}-no-such-role`, [u(`${P}-c`)]),
        binding('empty', 'Role', 'empty', [u(`${P}-d`)]),
        binding('urls-in-namespace', 'ClusterRole', `${P}-urls`, [u(`${P}-e`)]),
        binding('no-subjects', 'Role', 'everything', []),
      ].join(''),
      ns,
      { waitForRbac: false },
    );
    const inNamespace = await waitForBindings(namespaced, kubeconfig);
    expect(inNamespace).toMatchObject({ bindings: 6, checked: 2 });
    expect(inNamespace.skipped).toEqual([
      `RoleBinding ${ns}/dangling: ClusterRole ${P}-no-such-role does not exist`,
      `RoleBinding ${ns}/empty: Role ${ns}/empty has no rule that RoleBinding ${ns}/empty grants`,
      `RoleBinding ${ns}/urls-in-namespace: ClusterRole ${P}-urls has no rule that RoleBinding ${ns}/urls-in-namespace grants`,
      `RoleBinding ${ns}/no-subjects: RoleBinding ${ns}/no-subjects has no subject to ask as`,
    ]);
    // Once in force, asking again takes one review a binding.
    expect((await waitForBindings(namespaced, kubeconfig)).reviews).toBe(2);
  });

  it('objects other than bindings ask nothing', async () => {
    const created = await applyYaml(
      rbac('Role', 'alone', 'rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]'),
      ns,
      { waitForRbac: false },
    );
    expect(await waitForBindings(created, useCluster().kubeconfig)).toMatchObject({ bindings: 0, reviews: 0 });
  });
});
