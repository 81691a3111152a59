// who-can's indirect paths cross namespaces: a ServiceAccount of namespace B reads the Secret of namespace A,
// so whoever may mint its tokens, run pods as it or impersonate it in B can too. who-can lists B's RoleBindings
// (not every namespace's), finds those chains, and answers as the cluster-wide lists do; the identities then
// walk each chain against the real API server. RBAC lists arrive as protobuf: the same objects as JSON.
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/kube/client.js';
import { realKubeconfigEnv, resolveKubeconfig } from '../../src/kube/kubeconfig.js';
import { decodeBindingList, decodeRoleList } from '../../src/kube/rbac-protobuf.js';
import { loadClusterSnapshot } from '../../src/kube/rbac.js';
import { DEFAULT_OPTIONS, indirectNamespaces } from '../../src/whocan/analyze.js';
import type { WhoCanRow } from '../../src/whocan/report.js';
import { runWhoCan } from '../../src/whocan/run.js';
import { assertNoLeak, makeCanary } from '../harness/canary.js';
import { api, applyYaml, asUser, deleteNamespace, freshNamespace, useCluster } from '../harness/cluster.js';
import { binding, rbac, u } from '../harness/rbac-yaml.js';
import { runCli } from '../harness/runCli.js';

const P = `whocan-scope-${randomBytes(3).toString('hex')}`;
const canary = makeCanary('whocan-scope');
const RBAC = '/apis/rbac.authorization.k8s.io/v1';
let a: string; // the Secret's namespace
let b: string; // the reader ServiceAccount's
let c: string; // nobody's who matters
const clusterScoped: string[] = [];

const key = (r: WhoCanRow) => `${r.path} ${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.subject}`;
/** This file's rows only (other files change the cluster's RBAC meanwhile), but its cluster-admin auditor's. */
const ours = (rows: readonly WhoCanRow[]) =>
  rows.filter((r) => (r.subject.startsWith(P) || [a, b, c].includes(r.namespace)) && r.subject !== `${P}-auditor`);

beforeAll(async () => {
  [a, b, c] = [await freshNamespace('scope-a'), await freshNamespace('scope-b'), await freshNamespace('scope-c')];
  await applyYaml(
    JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { v: canary } }),
    a,
  );
  await applyYaml(
    `${rbac('Role', 'read-db', 'rules: [{apiGroups: [""], resources: [secrets], resourceNames: [db], verbs: [get]}]')}
${binding('reporter-reads', 'Role', 'read-db', [`{kind: ServiceAccount, name: reporter, namespace: ${b}}`])}`,
    a,
  );
  await applyYaml(
    `apiVersion: v1
kind: ServiceAccount
metadata: {name: reporter}
---
${rbac('Role', 'mint', 'rules: [{apiGroups: [""], resources: [serviceaccounts/token], resourceNames: [reporter], verbs: [create]}]')}
${rbac('Role', 'pods', 'rules: [{apiGroups: [""], resources: [pods], verbs: [create]}, {apiGroups: [batch], resources: [jobs], verbs: [create]}]')}
${rbac('Role', 'become', 'rules: [{apiGroups: [""], resources: [serviceaccounts], resourceNames: [reporter], verbs: [impersonate]}]')}
${binding('mint', 'Role', 'mint', [u(`${P}-minter`)])}
${binding('pods', 'Role', 'pods', [u(`${P}-podmaker`)])}
${binding('become', 'Role', 'become', [u(`${P}-impersonator`)])}`,
    b,
  );
  // Pod creators in a namespace where no reader lives: no path.
  await applyYaml(
    `${rbac('Role', 'pods', 'rules: [{apiGroups: [""], resources: [pods], verbs: [create]}]')}${binding('pods', 'Role', 'pods', [u(`${P}-noise`)])}`,
    c,
  );
});

afterAll(async () => {
  for (const ns of [a, b, c]) if (ns) await deleteNamespace(ns);
  for (const path of clusterScoped) await api('DELETE', `${RBAC}/${path}`);
});

describe('who-can: indirect paths through another namespace', () => {
  it('finds who can mint tokens of, run pods as, or impersonate a reader ServiceAccount of another namespace', async () => {
    const r = await runCli(['who-can', 'db', '-n', a, '-o', 'json', '-v', '6'], {
      kubeconfig: useCluster().kubeconfig,
    });
    expect(r.code, r.stderr).toBe(0);
    assertNoLeak([canary], r);
    const rows: WhoCanRow[] = JSON.parse(r.stdout).items;
    expect(ours(rows).map(key).sort()).toEqual(
      [
        `direct ServiceAccount ${b}/reporter`,
        `create-workload User ${P}-podmaker`,
        `impersonate User ${P}-impersonator`,
        `sa-token User ${P}-minter`,
      ].sort(),
    );
    const minter = rows.find((row) => row.subject === `${P}-minter`)!;
    expect(minter.chain[0]).toMatchObject({
      binding: { kind: 'RoleBinding', namespace: b, name: 'mint' },
      targets: [{ kind: 'ServiceAccount', name: 'reporter', namespace: b }],
    });

    // Its requests (-v 6; the audit policy leaves RBAC reads out): B's RoleBindings were listed (on their own, or
    // with everyone's when other files' reader ServiceAccounts live in many namespaces), C's never on their own.
    const lists = [...r.stderr.matchAll(/^GET https:\/\/[^/]+(\S+\/rolebindings)\?/gm)].map((m) => m[1]);
    expect(lists).toContain(`${RBAC}/namespaces/${a}/rolebindings`);
    expect(lists.some((uri) => uri === `${RBAC}/namespaces/${b}/rolebindings` || uri === `${RBAC}/rolebindings`)).toBe(
      true,
    );
    expect(lists).not.toContain(`${RBAC}/namespaces/${c}/rolebindings`);
  });

  it('answers as the cluster-wide lists do', async () => {
    const kube = new KubeClient(resolveKubeconfig({ kubeconfig: useCluster().kubeconfig }, realKubeconfigEnv({})), {
      timeoutMs: 60_000,
      verbosity: 0,
      log: () => {},
    });
    const secret = { namespace: a, name: 'db' };
    const answer = (scoped: boolean) =>
      runWhoCan(
        secret,
        { ...DEFAULT_OPTIONS, verify: false },
        {
          load: () =>
            loadClusterSnapshot(kube, a, 'db', {
              indirect: true,
              ...(scoped ? { scope: (partial) => indirectNamespaces({ secret, ...partial }, DEFAULT_OPTIONS) } : {}),
            }),
          review: async () => [],
        },
      );
    const [scoped, everything] = await Promise.all([answer(true), answer(false)]);
    kube.close();
    expect(ours(scoped.rows)).toEqual(ours(everything.rows));
    expect(ours(scoped.rows).length).toBe(4);
  });

  it('each chain is real: the API server lets the identities reach the Secret that way', async () => {
    // minter: a token of reporter, then reading with it
    const minter = await asUser({ user: `${P}-minter` });
    const token = await api('POST', `/api/v1/namespaces/${b}/serviceaccounts/reporter/token`, {
      kubeconfig: minter,
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } },
    });
    expect(token.status).toBe(201);
    const withToken = await fetchAsToken(`/api/v1/namespaces/${a}/secrets/db`, token.body.status.token);
    expect(withToken).toBe(200);
    // impersonator: reading as reporter
    const impersonator = await asUser({ user: `${P}-impersonator` });
    const impersonated = await api('GET', `/api/v1/namespaces/${a}/secrets/db`, {
      kubeconfig: impersonator,
      headers: { 'Impersonate-User': `system:serviceaccount:${b}:reporter` },
    });
    expect(impersonated.status).toBe(200);
    // podmaker: may create a pod running as reporter in B; noise may create pods only where no reader lives
    const dryRun = (kubeconfig: string, ns: string) =>
      api('POST', `/api/v1/namespaces/${ns}/pods?dryRun=All`, {
        kubeconfig,
        body: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'as-reporter' },
          spec: {
            serviceAccountName: ns === b ? 'reporter' : 'default',
            containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }],
          },
        },
      });
    expect((await dryRun(await asUser({ user: `${P}-podmaker` }), b)).status).toBe(201);
    expect((await dryRun(await asUser({ user: `${P}-noise` }), a)).status).toBe(403);
  });

  it('a namespace the tool may not list: a partial answer and a warning naming it', async () => {
    const user = `${P}-limited`;
    clusterScoped.push(`clusterroles/${user}`, `clusterrolebindings/${user}`);
    await applyYaml(
      `${rbac('ClusterRole', user, 'rules: [{apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles, clusterrolebindings, roles], verbs: [list]}, {apiGroups: [""], resources: [serviceaccounts], verbs: [list]}]')}${rbac('ClusterRoleBinding', user, `roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "${user}"}\nsubjects: [${u(user)}]`)}`,
    );
    // RoleBindings: in A only
    await applyYaml(
      `${rbac('Role', 'limited', 'rules: [{apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings], verbs: [list]}, {apiGroups: [""], resources: [pods, secrets], verbs: [list]}, {apiGroups: [apps, batch, ""], resources: ["*"], verbs: [list]}]')}${binding('limited', 'Role', 'limited', [u(user)])}`,
      a,
    );
    const r = await runCli(['who-can', 'db', '-n', a, '-o', 'json'], { kubeconfig: await asUser({ user }) });
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.metadata.complete).toBe(false);
    // by name; with more than a few reader namespaces in the cluster (other files' ServiceAccounts), all of them
    expect(result.metadata.warnings).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^cannot list rolebindings\\.rbac\\.authorization\\.k8s\\.io in (namespace ${b} \\(forbidden\\): paths through namespace ${b} are missing|all namespaces \\(forbidden\\): using namespace ${a} only)`,
        ),
      ),
    );
    const keys = ours(result.items).map(key);
    expect(keys).toContain(`direct ServiceAccount ${b}/reporter`);
    expect(keys).not.toContain(`sa-token User ${P}-minter`);
  });
});

describe('RBAC lists as protobuf', () => {
  it('read as the same objects as JSON', async () => {
    const kube = new KubeClient(resolveKubeconfig({ kubeconfig: useCluster().kubeconfig }, realKubeconfigEnv({})), {
      timeoutMs: 60_000,
      verbosity: 0,
      log: () => {},
    });
    const project = (o: any) => ({
      metadata: {
        ...(o.metadata.name ? { name: o.metadata.name } : {}),
        ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
        ...(o.metadata.labels && Object.keys(o.metadata.labels).length ? { labels: o.metadata.labels } : {}),
      },
      ...Object.fromEntries(
        ['rules', 'aggregationRule', 'subjects', 'roleRef'].filter((k) => k in o).map((k) => [k, o[k]]),
      ),
    });
    for (const [path, decode] of [
      [`${RBAC}/clusterroles`, decodeRoleList],
      [`${RBAC}/clusterrolebindings`, decodeBindingList],
      [`${RBAC}/namespaces/${a}/roles`, decodeRoleList],
      [`${RBAC}/rolebindings`, decodeBindingList],
    ] as const) {
      // the same resourceVersion for both (one page: a resourceVersion cannot go with `continue`): what is
      // compared is the encoding, not the cluster changing meanwhile
      const json = await kube.list<any>(path, { limit: 10_000 });
      let decoded = 0;
      const protobuf = await kube.list<any>(path, {
        limit: 10_000,
        protobuf: (body) => (decoded++, decode(body)),
        query: { resourceVersion: json.resourceVersion, resourceVersionMatch: 'Exact' },
      });
      const exact = await kube.list<any>(path, {
        limit: 10_000,
        query: { resourceVersion: json.resourceVersion, resourceVersionMatch: 'Exact' },
      });
      expect(decoded, `${path}: answered as protobuf`).toBeGreaterThan(0);
      expect(protobuf.items.length, path).toBeGreaterThan(0);
      expect(isDeepStrictEqual(protobuf.items, exact.items.map(project)), path).toBe(true);
    }
    kube.close();
  });
});

async function fetchAsToken(path: string, token: string): Promise<number> {
  const { readFileSync } = await import('node:fs');
  const https = await import('node:https');
  const cluster = useCluster();
  const url = new URL(cluster.server + path);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { headers: { authorization: `Bearer ${token}` }, ca: readFileSync(cluster.caCert) },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
