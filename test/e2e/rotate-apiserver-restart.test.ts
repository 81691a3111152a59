// kube-apiserver restarted in the middle of a rotation, at several points
// (after the new version is created, while consumers are switched, during
// the rollout wait, after in-place values are written). rotate retries,
// or stops with the resume command; --resume then finishes or rolls back;
// no consumer is ever left on a Secret that does not exist. On a cluster of
// its own: the shared one serves the other suites meanwhile.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { restartApiserver } from '../cluster/cluster.mjs';
import { api, applyYaml, ownCluster } from '../harness/cluster.js';
import { runCli, type CliResult } from '../harness/runCli.js';
import { secretRefsOfPodSpec } from '../../src/consumers/pod-refs.js';
import { podSpecOf } from '../../src/consumers/workloads.js';
import { b64, consumerYaml, rotateBundle } from './rotate-harness.js';

const cluster = ownCluster('rotate-restart');
const as = () => ({ kubeconfig: cluster().kubeconfig });
let n = 0;

async function setUp(): Promise<string> {
  const ns = `restart-${++n}`;
  expect((await api('POST', '/api/v1/namespaces', { ...as(), body: { metadata: { name: ns } } })).status).toBe(201);
  for (let i = 0; !(await api('GET', `/api/v1/namespaces/${ns}/serviceaccounts/default`, as())).body?.metadata; i++) {
    if (i > 100) throw new Error('error: no default ServiceAccount');
    await new Promise((r) => setTimeout(r, 200));
  }
  const secret = { metadata: { name: 'db' }, data: { password: b64('old-password') } };
  expect((await api('POST', `/api/v1/namespaces/${ns}/secrets`, { ...as(), body: secret })).status).toBe(201);
  await applyYaml(
    [consumerYaml('Deployment', 'web', 'db', ['volume', 'env']), consumerYaml('Deployment', 'api', 'db', ['env'])].join(
      '---\n',
    ),
    ns,
    as(),
  );
  await settled(ns);
  return ns;
}

/** Every Deployment has rolled out its current template. */
async function settled(ns: string): Promise<void> {
  for (let i = 0; ; i++) {
    const list = (await api('GET', `/apis/apps/v1/namespaces/${ns}/deployments`, as())).body;
    const done = (list?.items ?? []).every(
      (d: any) =>
        d.status?.observedGeneration >= d.metadata.generation &&
        d.status?.updatedReplicas === d.spec.replicas &&
        d.status?.availableReplicas === d.spec.replicas &&
        d.status?.replicas === d.spec.replicas,
    );
    if (done) return;
    if (i > 600) throw new Error(`error: Deployments in ${ns} did not settle`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** No template or pod names a Secret that does not exist, and every template is on `on`. */
async function consistent(ns: string, on: string): Promise<void> {
  const secrets = new Set(
    ((await api('GET', `/api/v1/namespaces/${ns}/secrets`, as())).body.items as any[]).map((s) => s.metadata.name),
  );
  const deployments = (await api('GET', `/apis/apps/v1/namespaces/${ns}/deployments`, as())).body.items as any[];
  for (const d of deployments) {
    const refs = [...new Set(secretRefsOfPodSpec(podSpecOf({ ...d, kind: 'Deployment' })).map((r) => r.secret))];
    expect(refs, `Deployment/${d.metadata.name}`).toEqual([on]);
  }
  for (const p of (await api('GET', `/api/v1/namespaces/${ns}/pods`, as())).body.items as any[]) {
    for (const r of secretRefsOfPodSpec(p.spec))
      expect(secrets.has(r.secret), `pod ${p.metadata.name} names ${r.secret}`).toBe(true);
  }
  const lease = await api(
    'GET',
    `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/kubectl-secrets-rotate-db`,
    as(),
  );
  expect(lease.status).toBe(404);
}

/** Runs the bundle; restarts kube-apiserver (down for `downMs`) once a stderr line matches `when`. */
async function rotateThroughRestart(
  args: string[],
  when: RegExp,
  downMs: number,
): Promise<CliResult & { restarted: Promise<void> | undefined }> {
  const file = await rotateBundle();
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', KUBECONFIG: cluster().kubeconfig };
  let restarted: Promise<void> | undefined;
  const result = await new Promise<CliResult>((resolve, reject) => {
    const child = spawn(process.execPath, [file, 'rotate', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!restarted && when.test(stderr)) restarted = restartApiserver(cluster(), { downMs });
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
  return { ...result, restarted };
}

describe('kube-apiserver restarted during a rotation', () => {
  it.each([
    ['after the new version is created', [], /db-v2: created/, 'db-v2'],
    ['while consumers are switched', [], /Deployment\/api: switched to db-v2/, 'db-v2'],
    ['during the rollout wait', [], /rolled out on db-v2/, 'db-v2'],
    ['after the values are written in place', ['--in-place'], /db: new values written/, 'db'],
  ] as const)(
    '%s: retries or stops with the resume command; --resume finishes or rolls back',
    { timeout: 300_000 },
    async (point, extra, when, on) => {
      const ns = await setUp();
      const r = await rotateThroughRestart(
        [
          'db',
          '-n',
          ns,
          ...extra,
          '--from-literal',
          'password=new',
          '--yes',
          '--timeout',
          '120s',
          '--request-timeout',
          '5s',
        ],
        when,
        4000,
      );
      expect(r.restarted, r.stderr).toBeDefined();
      await r.restarted;
      if (r.code !== 0) {
        expect(r.code, r.stderr).toBe(4);
        expect(r.stderr).toContain(`run "kubectl secrets rotate db -n ${ns} --resume" to finish or roll it back`);
        let resumed = await runCli(['rotate', 'db', '-n', ns, '--resume'], as());
        // The lease of a process that died abruptly is taken over once it expires.
        for (let i = 0; resumed.code === 1 && /still running/.test(resumed.stderr) && i < 40; i++) {
          await new Promise((res) => setTimeout(res, 1000));
          resumed = await runCli(['rotate', 'db', '-n', ns, '--resume'], as());
        }
        expect([0, 3], resumed.stderr).toContain(resumed.code);
        console.log(`restart ${point}: rotate exited 4 (interrupted); --resume exited ${resumed.code}`);
        await settled(ns);
        await consistent(ns, resumed.code === 0 ? on : 'db');
      } else {
        console.log(`restart ${point}: rotate retried through it and finished`);
        await settled(ns);
        await consistent(ns, on);
      }
    },
  );
});
