// Issue 14 item 11 (second half): a fault proxy in front of the real API
// server gives 429 with Retry-After, 500, 503, connection resets and answers
// slower than --request-timeout. A fault that passes is retried and the answer
// is the same as without it; a fault that lasts gives a clear one-line error
// (or a partial answer that says so), never a stack trace or half an output;
// rotate either finishes or leaves every consumer on a Secret that exists.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, applyYaml, useCluster } from '../harness/cluster.js';
import { assertNoLeak, makeCanary } from '../harness/canary.js';
import { startFaultProxy, type FaultKind, type FaultProxy } from '../harness/fault-proxy.js';
import { runCli, type CliResult } from '../harness/runCli.js';
import { consumerYaml, createSecret, namespaces, rolloutsComplete, templateRefs } from './rotate-harness.js';

const spaces = namespaces();
const canaries = [makeCanary('fault')];
const outputs: CliResult[] = [];
let proxy: FaultProxy;
let ns: string;
let faultPoints = 0;

/** Short, so that a slow answer is a timeout; the slow fault answers after twice as long. */
const TIMEOUT = ['--request-timeout', '2s'];
const SLOW_MS = 4_000;

async function run(args: string[]): Promise<CliResult> {
  const r = await runCli([...args, ...TIMEOUT], { kubeconfig: proxy.kubeconfig });
  outputs.push(r);
  return r;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The collection or object path of a request line, without its query. */
const pathOf = (line: string) => line.replace(/^\w+ /, '').replace(/\?.*$/, '');

interface ReadCase {
  name: string;
  args: string[];
  /** The comparable part of the answer. */
  answer: (doc: any) => unknown;
}

/**
 * who-can's Role and RoleBinding lists depend on which namespaces hold readers, which other test files running
 * on the cluster change: the cluster-wide ones are asked for at the start and dropped before they leave when a
 * few namespaces suffice, and a namespace's own are asked for only when it holds one.
 */
const SCOPED = /^\/apis\/rbac\.authorization\.k8s\.io\/v1\/(namespaces\/[^/]+\/)?(roles|rolebindings)$/;

const READS: ReadCase[] = [
  {
    name: 'who-can',
    args: ['who-can', 'db', '-o', 'json'],
    // Rows through other tests' ClusterRoleBindings come and go while this file runs: only the built-in ones count.
    answer: (d) =>
      d.items.filter((i: { via: string }) => !/clusterrolebinding\/(?!cluster-admin\b|system:)/.test(i.via)),
  },
  { name: 'exposure', args: ['exposure', 'db', '-o', 'json'], answer: (d) => [d.items, d.metadata.secrets] },
  {
    name: 'exposure -A',
    args: ['exposure', '-A', '-o', 'json'],
    answer: (d) => d.items.filter((i: { namespace: string }) => i.namespace === ns),
  },
];

beforeAll(async () => {
  proxy = await startFaultProxy(useCluster());
  ns = await spaces.fresh('fault');
  await createSecret(ns, 'db', { password: canaries[0]! });
  await applyYaml(consumerYaml('Deployment', 'web', 'db', ['env', 'volume']), ns);
  await applyYaml(
    `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-reads}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}]
`,
    ns,
  );
  await rolloutsComplete(ns);
}, 180_000);

afterAll(async () => {
  process.stderr.write(`[faults] ${faultPoints} fault points, ${proxy?.faults.length ?? 0} faults injected\n`);
  assertNoLeak(
    canaries,
    outputs.flatMap((r, i) => [
      { name: `run ${i} stdout`, text: r.stdout },
      { name: `run ${i} stderr`, text: r.stderr },
    ]),
  );
  await proxy?.close();
  await spaces.cleanup();
});

for (const read of READS) {
  describe(`${read.name} through the fault proxy`, () => {
    let baseline: unknown;
    let paths: string[] = [];

    beforeAll(async () => {
      proxy.set([]);
      const from = proxy.requests.length;
      const r = await run([...read.args, '-n', ns]);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc.metadata.complete).toBe(true);
      baseline = read.answer(doc);
      paths = [
        ...new Set(
          proxy.requests
            .slice(from)
            .filter((l) => l.startsWith('GET '))
            .map(pathOf),
        ),
      ];
      expect(paths.length).toBeGreaterThan(3);
    }, 60_000);

    it('a fault that passes on each request it makes (429, 503, reset, slower than --request-timeout): retried, same answer', async () => {
      for (const [i, path] of paths.entries()) {
        const kinds: FaultKind[] = i < 2 ? ['429', '503', 'reset', 'slow'] : ['429', '503', 'reset'];
        for (const kind of kinds) {
          const before = proxy.faults.length;
          const match = new RegExp(`^GET ${escape(path)}(\\?|$)`);
          proxy.set([{ kind, match, times: 1, delayMs: SLOW_MS }]);
          const from = proxy.requests.length;
          const r = await run([...read.args, '-n', ns]);
          if (SCOPED.test(path) && !proxy.requests.slice(from).some((l) => match.test(l))) {
            // Not asked for this time (the namespaces it needs changed with other files' objects): still the same answer.
            expect(r.code, `${path}: ${r.stderr}`).toBe(0);
            expect(read.answer(JSON.parse(r.stdout)), path).toEqual(baseline);
            continue;
          }
          faultPoints++;
          expect(proxy.faults.length - before, `${kind} on ${path}`).toBe(1);
          expect(r.code, `${kind} on ${path}: ${r.stderr}`).toBe(0);
          const doc = JSON.parse(r.stdout);
          expect(doc.metadata.complete, `${kind} on ${path}`).toBe(true);
          expect(read.answer(doc), `${kind} on ${path}`).toEqual(baseline);
        }
      }
    }, 600_000);

    for (const kind of ['500', '503', 'reset', 'slow'] as FaultKind[]) {
      it(`a ${kind} that lasts: a clear error, or a partial answer that says so`, async () => {
        for (const path of paths.slice(0, 3)) {
          proxy.set([{ kind, match: new RegExp(`^GET ${escape(path)}(\\?|$)`), times: Infinity, delayMs: SLOW_MS }]);
          const r = await run([...read.args, '-n', ns]);
          faultPoints++;
          expect(r.stderr).not.toMatch(/^\s+at /m); // no stack trace
          if (r.code === 0) {
            const doc = JSON.parse(r.stdout);
            expect(doc.metadata.complete, `${kind} on ${path}`).toBe(false);
            expect(r.stderr).toMatch(/^warning: /m);
          } else {
            expect(r.code, `${kind} on ${path}`).toBe(1);
            expect(r.stdout, `${kind} on ${path}: nothing half-written`).toBe('');
            expect(r.stderr.trim().split('\n'), `${kind} on ${path}`).toHaveLength(1);
            expect(r.stderr).toMatch(/^error: .*(injected|timed out|socket hang up|ECONNRESET|reset|503|500)/i);
          }
        }
        proxy.set([]);
      }, 120_000);
    }
  });
}

describe('rotate through the fault proxy', () => {
  const scenarios: Array<{ name: string; kind: FaultKind; match: RegExp; times: number; finishes: boolean }> = [
    {
      name: '429 on creating the new version',
      kind: '429',
      match: /^POST \/api\/v1\/namespaces\/[^/]+\/secrets(\?|$)/,
      times: 1,
      finishes: true,
    },
    {
      name: '429 on repointing the Deployment',
      kind: '429',
      match: /^PATCH \/apis\/apps\/v1\/namespaces\/[^/]+\/deployments\//,
      times: 1,
      finishes: true,
    },
    {
      name: '503 twice on reading the Deployment',
      kind: '503',
      match: /^GET \/apis\/apps\/v1\/namespaces\/[^/]+\/deployments/,
      times: 2,
      finishes: true,
    },
    {
      name: 'a reset on listing pods',
      kind: 'reset',
      match: /^GET \/api\/v1\/namespaces\/[^/]+\/pods/,
      times: 1,
      finishes: true,
    },
    {
      name: 'a slow answer on reading the Secret',
      kind: 'slow',
      match: /^GET \/api\/v1\/namespaces\/[^/]+\/secrets\/r\d/,
      times: 1,
      finishes: true,
    },
    {
      name: '500 on every repoint',
      kind: '500',
      match: /^PATCH \/apis\/apps\/v1\/namespaces\/[^/]+\/deployments\//,
      times: Infinity,
      finishes: false,
    },
    {
      name: 'resets on every create of a Secret',
      kind: 'reset',
      match: /^POST \/api\/v1\/namespaces\/[^/]+\/secrets(\?|$)/,
      times: Infinity,
      finishes: false,
    },
    {
      name: '503 on every write of the lock',
      kind: '503',
      match: /^(POST|PUT) \/apis\/coordination\.k8s\.io\//,
      times: Infinity,
      finishes: false,
    },
  ];

  scenarios.forEach((s, i) => {
    it(`${s.name}: ${s.finishes ? 'retried, rotated' : 'a clear error, every consumer on a Secret that exists'}`, async () => {
      const secret = `r${i}`;
      await createSecret(ns, secret, { password: canaries[0]! });
      await applyYaml(consumerYaml('Deployment', `c${i}`, secret, ['env']), ns);
      await rolloutsComplete(ns);
      const value = makeCanary(`fault-new-${i}`);
      canaries.push(value);
      const before = proxy.faults.length;
      proxy.set([{ ...s, delayMs: SLOW_MS }]);
      const r = await run([
        'rotate',
        secret,
        '-n',
        ns,
        '--from-literal',
        `password=${value}`,
        '--yes',
        '--timeout',
        '60s',
      ]);
      proxy.set([]);
      faultPoints++;
      expect(proxy.faults.length - before, s.name).toBeGreaterThan(0);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      if (s.finishes) {
        expect(r.code, r.stderr).toBe(0);
      } else {
        expect([1, 3, 4], r.stderr).toContain(r.code);
        expect(r.stderr).toMatch(/^error: |rolled back|--resume/m);
      }
      // Nothing half-written: the consumer points at a Secret that exists.
      const refs = (await templateRefs(ns))[`Deployment/c${i}`] ?? [];
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs)
        expect((await api('GET', `/api/v1/namespaces/${ns}/secrets/${ref}`)).status, ref).toBe(200);
      if (r.code !== 4) {
        const lease = await api(
          'GET',
          `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/kubectl-secrets-rotate-${secret}`,
        );
        expect(lease.status, 'the lock is released').toBe(404);
      }
    }, 180_000);
  });
});
