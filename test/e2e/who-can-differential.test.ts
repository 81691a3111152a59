// Differential test: random RBAC (seeded), then who-can's direct answer for
// every (subject, verb, Secret) compared with the API server's own
// SubjectAccessReview. Any disagreement fails with the case and the seed.
// Reproduce with WHOCAN_SEED=<seed>.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { effectiveClusterRoles } from '../../src/whocan/aggregation.js';
import type { ClusterRole, PolicyRule } from '../../src/whocan/types.js';
import { api, applyYaml, canI, deleteNamespace, freshNamespace, waitFor } from '../harness/cluster.js';
import { runCli } from '../harness/runCli.js';
import { useCluster } from '../harness/cluster.js';
import { mulberry32 as prng } from '../harness/prng.mjs';

const SEED = Number(process.env.WHOCAN_SEED ?? 20261125);
const P = `whocan-diff-${randomBytes(3).toString('hex')}`;
const SECRETS = ['s0', 's1', 's2', 's3'];
const CONCURRENCY = 20;

interface Identity {
  label: string;
  user?: string;
  groups: string[];
  /** Row keys who-can would show for this identity and its groups. */
  rowKeys: string[];
}

const namespaces: string[] = [];
const clusterScoped: string[] = [];

describe('who-can differential against SubjectAccessReview', () => {
  const rand = prng(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const some = <T>(xs: readonly T[], max: number): T[] => {
    const n = 1 + Math.floor(rand() * max);
    return [...new Set(Array.from({ length: n }, () => pick(xs)))];
  };
  const chance = (p: number): boolean => rand() < p;

  const users = Array.from({ length: 12 }, (_, i) => `${P}-u${i}`);
  const groups = Array.from({ length: 4 }, (_, i) => `${P}-g${i}`);
  let identities: Identity[] = [];
  const aggregators: string[] = [];

  function randomRule(clusterWide: boolean): PolicyRule {
    if (clusterWide && chance(0.08)) return { verbs: ['get'], nonResourceURLs: [pick(['*', '/healthz', '/api/*'])] };
    const rule: PolicyRule = {
      verbs: some(['get', 'list', 'watch', 'create', 'delete', 'get', 'list', 'watch', '*'], 3),
      apiGroups: some(['', '', '', 'apps', '*'], 2),
      resources: some(['secrets', 'secrets', 'secrets', 'secrets/status', 'configmaps', '*', '*/status', 'pods'], 2),
    };
    if (chance(0.35)) rule.resourceNames = some([...SECRETS, 'nope'], 2);
    return rule;
  }
  const rulesYaml = (rules: PolicyRule[]) => `rules: ${JSON.stringify(rules)}`;
  const doc = (kind: string, name: string, body: string, labels?: Record<string, string>) =>
    `apiVersion: rbac.authorization.k8s.io/v1\nkind: ${kind}\nmetadata: ${JSON.stringify({ name, ...(labels ? { labels } : {}) })}\n${body}\n---\n`;

  beforeAll(async () => {
    const [a, b] = [await freshNamespace('whocan-diff'), await freshNamespace('whocan-diff')];
    namespaces.push(a, b);
    const sas: Record<string, string[]> = { [a]: ['sa0', 'sa1', 'sa2'], [b]: ['sa0', 'sa1'] };
    const subject = (ns: string, inClusterBinding: boolean): string => {
      const r = rand();
      if (r < 0.35) return JSON.stringify({ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: pick(users) });
      if (r < 0.55) return JSON.stringify({ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: pick(groups) });
      if (r < 0.62 && !inClusterBinding) {
        // ServiceAccount groups only in RoleBindings: they must not widen access outside these namespaces
        return JSON.stringify({
          kind: 'Group',
          apiGroup: 'rbac.authorization.k8s.io',
          name: pick(['system:serviceaccounts', `system:serviceaccounts:${pick([a, b])}`]),
        });
      }
      const saNs = pick([a, b]);
      const name = pick(sas[saNs]!);
      if (r < 0.68)
        return JSON.stringify({
          kind: 'User',
          apiGroup: 'rbac.authorization.k8s.io',
          name: `system:serviceaccount:${saNs}:${name}`,
        });
      if (!inClusterBinding && saNs === ns && chance(0.5)) return JSON.stringify({ kind: 'ServiceAccount', name });
      return JSON.stringify({ kind: 'ServiceAccount', name, namespace: saNs });
    };

    // Cluster-wide: plain ClusterRoles, aggregated ones with labelled children (one nested), bindings.
    let cluster = '';
    const plain = Array.from({ length: 8 }, (_, i) => `${P}-cr${i}`);
    for (const name of plain)
      cluster += doc(
        'ClusterRole',
        name,
        rulesYaml(Array.from({ length: 1 + Math.floor(rand() * 3) }, () => randomRule(true))),
      );
    for (let i = 0; i < 3; i++) {
      const name = `${P}-agg${i}`;
      aggregators.push(name);
      const label = `${P}/agg${i}`;
      cluster += doc(
        'ClusterRole',
        name,
        `aggregationRule: {clusterRoleSelectors: [{matchLabels: {"${label}": "true"}}]}\nrules: []`,
        i === 2 ? { [`${P}/agg0`]: 'true' } : undefined,
      );
      for (let c = 0; c < 2 + Math.floor(rand() * 2); c++) {
        cluster += doc('ClusterRole', `${P}-agg${i}-child${c}`, rulesYaml([randomRule(true)]), { [label]: 'true' });
      }
    }
    const roleNames = [...plain, ...aggregators, ...aggregators];
    for (let i = 0; i < 5; i++) {
      const role = chance(0.1) ? `${P}-missing` : pick(roleNames);
      cluster += doc(
        'ClusterRoleBinding',
        `${P}-crb${i}`,
        `roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "${role}"}\nsubjects: [${some(
          [0, 1, 2],
          3,
        )
          .map(() => subject('', true))
          .join(', ')}]`,
      );
    }
    for (const m of cluster.matchAll(/kind: (ClusterRole(?:Binding)?)\nmetadata: \{"name":"([^"]+)"/g))
      clusterScoped.push(`${m[1] === 'ClusterRole' ? 'clusterroles' : 'clusterrolebindings'}/${m[2]}`);
    await applyYaml(cluster);

    for (const ns of [a, b]) {
      let text = SECRETS.map(
        (s) => `apiVersion: v1\nkind: Secret\nmetadata: {name: ${s}}\nstringData: {k: differential}\n---\n`,
      ).join('');
      text += sas[ns]!.map((s) => `apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: ${s}}\n---\n`).join('');
      const roles = Array.from({ length: 6 }, (_, i) => `r${i}`);
      for (const r of roles)
        text += doc('Role', r, rulesYaml(Array.from({ length: 1 + Math.floor(rand() * 3) }, () => randomRule(false))));
      for (let i = 0; i < 12; i++) {
        const toCluster = chance(0.45);
        const roleRef = chance(0.08)
          ? { kind: toCluster ? 'ClusterRole' : 'Role', name: 'dangling' }
          : toCluster
            ? { kind: 'ClusterRole', name: pick(roleNames) }
            : { kind: 'Role', name: pick(roles) };
        text += doc(
          'RoleBinding',
          `rb${i}`,
          `roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ${roleRef.kind}, name: "${roleRef.name}"}\nsubjects: [${some(
            [0, 1, 2, 3],
            3,
          )
            .map(() => subject(ns, false))
            .join(', ')}]`,
        );
      }
      await applyYaml(text, ns);
    }

    // Who to ask about: users alone, groups alone, ServiceAccounts (with their groups), users with groups.
    const key = (kind: string, name: string, ns = '') => `${kind}/${ns}/${name}`;
    identities = [
      ...users.map((user) => ({ label: `User ${user}`, user, groups: [], rowKeys: [key('User', user)] })),
      ...groups.map((group) => ({ label: `Group ${group}`, groups: [group], rowKeys: [key('Group', group)] })),
      ...Object.entries(sas).flatMap(([ns, names]) =>
        names.map((name) => ({
          label: `ServiceAccount ${ns}/${name}`,
          user: `system:serviceaccount:${ns}:${name}`,
          groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`],
          // who-can expands the ServiceAccount groups into the ServiceAccount's own row
          rowKeys: [key('ServiceAccount', name, ns)],
        })),
      ),
      ...Array.from({ length: 6 }, (_, i) => {
        const user = users[i]!;
        const gs = [groups[i % groups.length]!, ...(i % 2 ? [groups[(i + 1) % groups.length]!] : [])];
        return {
          label: `User ${user} in ${gs.join(',')}`,
          user,
          groups: gs,
          rowKeys: [key('User', user), ...gs.map((g) => key('Group', g))],
        };
      }),
    ];

    // The controller-manager reconciles aggregated ClusterRoles asynchronously: compare only once it has.
    await waitFor(
      async () => {
        const { body } = await api('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles');
        const mine = (body.items as ClusterRole[]).filter((cr) => cr.metadata.name?.startsWith(P));
        const effective = effectiveClusterRoles(mine);
        return aggregators.every((n) => effective.get(n)?.unreconciled === false);
      },
      { timeout: 60_000, what: 'aggregated ClusterRoles reconciled' },
    );
  });

  afterAll(async () => {
    await Promise.all(clusterScoped.map((path) => api('DELETE', `/apis/rbac.authorization.k8s.io/v1/${path}`)));
    await Promise.all(namespaces.map(deleteNamespace));
  });

  it(`agrees with the API server on every case (seed ${SEED})`, async () => {
    const kubeconfig = useCluster().kubeconfig;
    interface Case {
      identity: Identity;
      namespace: string;
      secret: string;
      verb: string;
      named: boolean;
      whoCan: boolean;
    }
    /** who-can's direct rows for one Secret, by subject key. */
    const answer = async (namespace: string, secret: string) => {
      const r = await runCli(['who-can', secret, '-n', namespace, '--direct-only', '-o', 'json'], { kubeconfig });
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc.metadata.complete).toBe(true);
      expect(doc.metadata.warnings.join('\n')).not.toMatch(/ClusterRole whocan-diff.* is aggregated but/);
      const rows = new Map<string, { verbs: string[]; fieldSelectedOnly: string[] }[]>();
      for (const row of doc.items) {
        const k = `${row.kind}/${row.namespace}/${row.subject}`;
        rows.set(k, [...(rows.get(k) ?? []), row]);
      }
      return rows;
    };
    const decide = (rows: Awaited<ReturnType<typeof answer>>, identity: Identity, verb: string, named: boolean) =>
      identity.rowKeys
        .flatMap((k) => rows.get(k) ?? [])
        .some((row) => row.verbs.includes(verb) && (named || !row.fieldSelectedOnly.includes(verb)));
    const ask = (c: Case) =>
      canI({
        user: c.identity.user ?? '',
        groups: c.identity.groups,
        verb: c.verb,
        resource: 'secrets',
        namespace: c.namespace,
        ...(c.named ? { name: c.secret } : {}),
      });

    const cases: Case[] = [];
    for (const namespace of namespaces) {
      for (const secret of SECRETS) {
        const rows = await answer(namespace, secret);
        for (const identity of identities) {
          for (const verb of ['get', 'list', 'watch']) {
            for (const named of verb === 'get' ? [true] : [false, true]) {
              cases.push({ identity, namespace, secret, verb, named, whoCan: decide(rows, identity, verb, named) });
            }
          }
        }
      }
    }

    const verdicts: boolean[] = new Array(cases.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < cases.length) {
          const i = next++;
          const c = cases[i]!;
          verdicts[i] = await ask(c);
        }
      }),
    );

    // Other test files may change cluster-wide bindings between the two answers: ask both again once.
    const suspects = cases.map((c, i) => ({ c, sar: verdicts[i]! })).filter(({ c, sar }) => c.whoCan !== sar);
    const rechecked = [];
    for (const { c } of suspects) {
      const again = { ...c, whoCan: decide(await answer(c.namespace, c.secret), c.identity, c.verb, c.named) };
      rechecked.push({ c: again, sar: await ask(again) });
    }
    const disagreements = rechecked
      .filter(({ c, sar }) => c.whoCan !== sar)
      .map(
        ({ c, sar }) =>
          `${c.identity.label} ${c.verb}${c.named ? ` ${c.secret}` : ' (unnamed)'} in ${c.namespace}/${c.secret}: who-can ${c.whoCan}, API server ${sar}`,
      );
    const allowed = verdicts.filter(Boolean).length;
    process.stderr.write(
      `[who-can differential] seed ${SEED}: ${cases.length} cases (${allowed} allowed, ${cases.length - allowed} denied), ${suspects.length} rechecked, ${disagreements.length} disagreements\n`,
    );
    expect(cases.length).toBeGreaterThanOrEqual(1000);
    expect(allowed).toBeGreaterThan(50);
    expect(disagreements, `seed ${SEED}`).toEqual([]);
  });
});
