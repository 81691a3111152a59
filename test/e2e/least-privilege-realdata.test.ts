// least-privilege on the RBAC of real projects (/work/shared/realdata/manifests:
// argo-cd, argo-workflows, cert-manager, ingress-nginx, dashboard, kyverno,
// longhorn, opentelemetry-demo), applied to the real API server under a fresh
// prefix, with generated traffic from their ServiceAccounts (seeded). The
// suggestion must apply cleanly with kubectl and keep every generated read
// allowed; what it removes must be denied. Reproduce with LP_SEED=<seed>.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLeak, makeCanary } from '../harness/canary.js';
import {
  api,
  applyYaml,
  asServiceAccount,
  canI,
  kubectl,
  readAuditLog,
  useCluster,
  waitFor,
} from '../harness/cluster.js';
import { runCli } from '../harness/runCli.js';
import { apiRequest } from '../cluster/cluster.mjs';
import { mulberry32 as prng } from '../harness/prng.mjs';

const DIR = process.env.KUBECTL_SECRETS_REALDATA ?? '/work/shared/realdata/manifests';
const SEED = Number(process.env.LP_SEED ?? 20261204);
const P = `lprd-${randomBytes(3).toString('hex')}`;
/** The namespace each project's instructions apply it to when its objects name none. */
const DEFAULT_NAMESPACE: Record<string, string> = {
  'argo-cd': 'argocd',
  'argo-workflows': 'argo',
  'opentelemetry-demo': 'otel-demo',
};
const KINDS = new Set(['Namespace', 'ServiceAccount', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
const canary = makeCanary('lp-realdata');

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: any;
}

/** The RBAC, ServiceAccounts and namespaces of every project file, renamed under the prefix. */
function loadProjects(): K8sObject[] {
  const files = readdirSync(DIR).filter(
    (f) => f.endsWith('.yaml') && !f.startsWith('kubernetes-bootstrap') && !f.startsWith('kubernetes-docs'),
  );
  const objects: K8sObject[] = [];
  for (const file of files) {
    const project = Object.keys(DEFAULT_NAMESPACE).find((p) => file.startsWith(p));
    const fallback = project ? DEFAULT_NAMESPACE[project]! : 'default';
    for (const doc of yaml.loadAll(readFileSync(join(DIR, file), 'utf8'), undefined, { json: true }) as K8sObject[]) {
      for (const o of doc?.kind === 'List' ? (doc.items as K8sObject[]) : doc ? [doc] : []) {
        if (!KINDS.has(o.kind)) continue;
        if (o.kind !== 'Namespace' && !o.kind.startsWith('Cluster') && !o.metadata.namespace)
          o.metadata.namespace = fallback;
        objects.push(o);
      }
    }
  }
  const clusterRoles = new Set(objects.filter((o) => o.kind === 'ClusterRole').map((o) => o.metadata.name));
  const ns = (n: string) => `${P}-${n}`;
  const namespaces = new Set<string>();
  for (const o of objects) {
    const { name, namespace, labels } = o.metadata;
    o.metadata = { name: o.kind === 'Namespace' ? ns(name) : o.kind.startsWith('Cluster') ? `${P}-${name}` : name };
    if (namespace) o.metadata.namespace = ns(namespace);
    // Aggregating into the cluster's admin/edit/view would change RBAC other tests rely on.
    const kept = Object.entries(labels ?? {}).filter(([k]) => !k.startsWith('rbac.authorization.k8s.io/aggregate-to-'));
    if (kept.length > 0) o.metadata.labels = Object.fromEntries(kept);
    if (o.kind === 'Namespace') namespaces.add(o.metadata.name);
    if (namespace) namespaces.add(ns(namespace));
    if (o.roleRef?.kind === 'ClusterRole' && clusterRoles.has(o.roleRef.name))
      o.roleRef.name = `${P}-${o.roleRef.name}`;
    for (const s of o.subjects ?? []) if (s.kind === 'ServiceAccount') s.namespace = ns(s.namespace ?? namespace);
    if (o.aggregationRule) delete o.rules; // the controller fills them
  }
  for (const n of namespaces)
    if (!objects.some((o) => o.kind === 'Namespace' && o.metadata.name === n))
      objects.unshift({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n } });
  return objects.sort((a, b) => (a.kind === 'Namespace' ? -1 : b.kind === 'Namespace' ? 1 : 0));
}

interface Generated {
  sa: { namespace: string; name: string };
  kubeconfig: string;
  verb: 'get' | 'list';
  namespace?: string;
  name?: string;
  status: number;
}

let objects: K8sObject[] = [];
let windowStart = '';
const generated: Generated[] = [];
const ours = (o: { metadata: { name: string; namespace?: string } }) =>
  (o.metadata.namespace ?? o.metadata.name).startsWith(P);

const available = existsSync(DIR);

describe.runIf(available)('least-privilege on the RBAC of real projects', () => {
  beforeAll(async () => {
    objects = loadProjects();
    const namespaces = objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
    await applyYaml(
      objects
        .filter((o) => o.kind === 'Namespace')
        .map((o) => yaml.dump(o))
        .join('---\n'),
    );
    for (const n of namespaces) {
      await applyYaml(
        [0, 1]
          .map((i) => `apiVersion: v1\nkind: Secret\nmetadata: {name: seed-${i}}\nstringData: {value: ${canary}}\n`)
          .join('---\n'),
        n,
      );
    }
    const applied = await kubectl(['apply', '-f', '-'], {
      input: objects
        .filter((o) => o.kind !== 'Namespace')
        .map((o) => yaml.dump(o))
        .join('---\n'),
    });
    expect(applied.code).toBe(0);

    await new Promise((r) => setTimeout(r, 1500));
    windowStart = new Date().toISOString();

    // Traffic: each ServiceAccount tries a few reads in its namespace, another one, and cluster-wide.
    const rand = prng(SEED);
    const sas = objects
      .filter((o) => o.kind === 'ServiceAccount')
      .map((o) => ({ namespace: o.metadata.namespace!, name: o.metadata.name }));
    for (const sa of sas) {
      const kubeconfig = await asServiceAccount(sa.namespace, sa.name);
      const other = namespaces[Math.floor(rand() * namespaces.length)]!;
      const candidates: Array<Omit<Generated, 'status' | 'sa' | 'kubeconfig'>> = [
        { verb: 'get', namespace: sa.namespace, name: 'seed-0' },
        { verb: 'get', namespace: sa.namespace, name: 'seed-1' },
        { verb: 'list', namespace: sa.namespace },
        { verb: 'get', namespace: other, name: 'seed-0' },
        { verb: 'list' },
      ];
      for (const c of candidates) {
        if (rand() < 0.45) continue;
        const path = c.namespace
          ? `/api/v1/namespaces/${c.namespace}/secrets${c.name ? `/${c.name}` : ''}`
          : '/api/v1/secrets';
        const { status } = await apiRequest(kubeconfig, 'GET', path);
        generated.push({ sa, kubeconfig, ...c, status });
      }
    }
    const mine = generated.length;
    await waitFor(
      async () =>
        (await readAuditLog()).filter(
          (e) =>
            e.stage === 'ResponseComplete' && e.objectRef?.resource === 'secrets' && e.user.username.includes(`:${P}-`),
        ).length >= mine,
      { what: `${mine} generated reads in the audit log` },
    );
  });

  afterAll(async () => {
    const cluster = objects.filter((o) => o.kind.startsWith('Cluster'));
    const path = (o: K8sObject) =>
      `/apis/rbac.authorization.k8s.io/v1/${o.kind === 'ClusterRole' ? 'clusterroles' : 'clusterrolebindings'}/${encodeURIComponent(o.metadata.name)}`;
    await Promise.all(cluster.map((o) => api('DELETE', path(o))));
    // derived objects of ClusterRoleBindings
    for (const plural of ['clusterroles', 'clusterrolebindings']) {
      const { body } = await api('GET', `/apis/rbac.authorization.k8s.io/v1/${plural}`);
      for (const o of body.items ?? [])
        if (o.metadata.name.startsWith(P))
          await api('DELETE', `/apis/rbac.authorization.k8s.io/v1/${plural}/${encodeURIComponent(o.metadata.name)}`);
    }
    await Promise.all(
      objects.filter((o) => o.kind === 'Namespace').map((o) => api('DELETE', `/api/v1/namespaces/${o.metadata.name}`)),
    );
  });

  it(`suggests RBAC that applies cleanly and keeps every generated read (seed ${SEED})`, async () => {
    const allowed = generated.filter((g) => g.status === 200);
    const denied = generated.filter((g) => g.status === 403);
    expect(allowed.length + denied.length).toBe(generated.length);
    expect(allowed.length).toBeGreaterThan(10);

    const run = (args: string[]) =>
      runCli(['least-privilege', '-A', '--log', useCluster().auditLog, '--since', windowStart, ...args], {
        kubeconfig: useCluster().kubeconfig,
      });
    const report = await run(['-o', 'json']);
    expect(report.code, report.stderr).toBe(0);
    assertNoLeak([canary], report);
    const doc = JSON.parse(report.stdout);
    const mineItems = doc.items.filter((i: any) =>
      ours({ metadata: { name: i.binding.name, namespace: i.binding.namespace } }),
    );
    const findings: Record<string, number> = {};
    for (const i of mineItems) for (const f of i.findings) findings[f] = (findings[f] ?? 0) + 1;
    process.stderr.write(
      `[least-privilege realdata] seed ${SEED}: ${generated.length} generated reads (${allowed.length} allowed, ${denied.length} denied), ${mineItems.length} items: ${JSON.stringify(findings)}\n`,
    );
    expect(findings['unused-binding']).toBeGreaterThan(0);

    const suggestion = await run(['--suggest']);
    expect(suggestion.code, suggestion.stderr).toBe(0);
    assertNoLeak([canary], suggestion);
    const docs = (yaml.loadAll(suggestion.stdout) as K8sObject[]).filter(Boolean);
    const mine = docs.filter(ours);
    expect(mine.length).toBeGreaterThan(0);
    // Other test files' bindings may be in the same cluster: apply only what concerns the projects.
    const applied = await kubectl(['apply', '-f', '-'], { input: mine.map((o) => yaml.dump(o)).join('---\n') });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr).toBe('');

    // Every generated read is still allowed: by SubjectAccessReview, and for real.
    const failures: string[] = [];
    for (const g of allowed) {
      const user = `system:serviceaccount:${g.sa.namespace}:${g.sa.name}`;
      const groups = ['system:serviceaccounts', `system:serviceaccounts:${g.sa.namespace}`, 'system:authenticated'];
      const ok = await canI({
        user,
        groups,
        verb: g.verb,
        resource: 'secrets',
        ...(g.namespace ? { namespace: g.namespace } : {}),
        ...(g.name ? { name: g.name } : {}),
      });
      const path = g.namespace
        ? `/api/v1/namespaces/${g.namespace}/secrets${g.name ? `/${g.name}` : ''}`
        : '/api/v1/secrets';
      const again = (await apiRequest(g.kubeconfig, 'GET', path)).status;
      if (!ok || again !== 200)
        failures.push(`${user} ${g.verb} ${g.namespace ?? '*'}/${g.name ?? '*'}: review ${ok}, HTTP ${again}`);
    }
    expect(failures).toEqual([]);

    // What it removes from the projects' ServiceAccounts is denied.
    const removed = (doc.metadata.suggestion.removed as any[]).filter(
      (r) => r.subject.kind === 'ServiceAccount' && r.subject.namespace.startsWith(P),
    );
    for (const r of removed) {
      const user = `system:serviceaccount:${r.subject.namespace}:${r.subject.name}`;
      const groups = [
        'system:serviceaccounts',
        `system:serviceaccounts:${r.subject.namespace}`,
        'system:authenticated',
      ];
      const names = r.what === 'names' ? r.names : ['never-read-probe'];
      for (const name of names) {
        expect(
          await canI({
            user,
            groups,
            verb: r.verb,
            resource: 'secrets',
            ...(r.namespace ? { namespace: r.namespace } : {}),
            name,
          }),
          JSON.stringify(r),
        ).toBe(false);
      }
    }
    process.stderr.write(
      `[least-privilege realdata] applied ${mine.length} objects; ${allowed.length} reads still allowed; ${removed.length} removed accesses denied\n`,
    );
  });
});
