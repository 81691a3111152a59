// Measures a blue/green rotation of a Secret used by N Deployments on the
// local cluster (default 20), as users run it: the bundled CLI, --yes. The
// baseline, in the same namespace right after: `kubectl rollout restart` of
// the same Deployments plus `kubectl rollout status` of each (the cluster's
// own speed at rolling them out).
//
//   node bench/rotate/run.mjs [--consumers 20] [--runs 3] [--replicas 1]
//
// Uses the cluster in $KUBECTL_SECRETS_TEST_CLUSTER (a state dir printed by
// test/cluster/up), or starts and stops one of its own.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { apiRequest, down, loadCluster, up } from '../../test/cluster/cluster.mjs';
import { ratio } from '../lib.mjs';
import { bundleOptions } from '../../scripts/bundle-options.mjs';

const repo = resolve(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: {
    consumers: { type: 'string', default: '20' },
    runs: { type: 'string', default: '3' },
    replicas: { type: 'string', default: '1' },
  },
});
const consumers = Number(values.consumers);
const runs = Number(values.runs);
const replicas = Number(values.replicas);

const reuse = process.env.KUBECTL_SECRETS_TEST_CLUSTER;
const cluster = reuse ? await loadCluster(reuse) : await up({ name: 'bench-rotate' });
const call = async (method, path, body) => {
  const r = await apiRequest(cluster.kubeconfig, method, path, body === undefined ? {} : { body });
  if (r.status >= 300 && !(method === 'DELETE' && r.status === 404))
    throw new Error(`error: ${method} ${path}: HTTP ${r.status} ${r.body?.message ?? ''}`);
  return r.body;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every `intervalMs` until it holds; fails after `timeoutMs`. */
async function until(what, check, { timeoutMs = 120_000, intervalMs = 250 } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`error: ${what}: not after ${timeoutMs / 1000} s`);
    await sleep(intervalMs);
  }
}

const bundle = join(mkdtempSync(join(tmpdir(), 'bench-rotate-')), 'kubectl-secrets.cjs');
await build({
  entryPoints: [join(repo, 'src/main.ts')],
  outfile: bundle,
  bundle: true,
  ...bundleOptions,
  logLevel: 'error',
  define: { __KUBECTL_SECRETS_VERSION__: '"bench"' },
});

function deployment(name, how) {
  const container = { name: 'app', image: 'example/app' };
  const spec = { containers: [container] };
  if (how === 'env') container.env = [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }];
  else {
    spec.volumes = [{ name: 'creds', secret: { secretName: 'db' } }];
    container.volumeMounts = [{ name: 'creds', mountPath: '/creds' }];
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec },
    },
  };
}

async function allAvailable(ns) {
  const list = await call('GET', `/apis/apps/v1/namespaces/${ns}/deployments`);
  return list.items.every(
    (d) =>
      (d.status?.observedGeneration ?? 0) >= d.metadata.generation &&
      d.status?.updatedReplicas === replicas &&
      d.status?.availableReplicas === replicas &&
      d.status?.replicas === replicas,
  );
}

const API_CALL = /^(GET|POST|PUT|PATCH|DELETE|WATCH) https?:\/\/\S+( \d{3} in| failed|$)/;

/** Runs the bundle; returns its exit code, when each stderr line arrived (ms from start), and its API calls. */
function rotate(ns, { poll = false } = {}) {
  return new Promise((res, rej) => {
    const started = performance.now();
    // -v=6 traces every request (never bodies): counted as the API calls the rotation made.
    const child = spawn(
      process.execPath,
      [
        bundle,
        'rotate',
        'db',
        '-n',
        ns,
        '--from-literal',
        `password=bench-${Date.now()}`,
        '--yes',
        '--timeout',
        '2m',
        '-v=6',
      ],
      {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          KUBECONFIG: cluster.kubeconfig,
          NO_COLOR: '1',
          ...(poll ? { KUBECTL_SECRETS_ROTATE_POLL: '1' } : {}),
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const lines = [];
    let buf = '';
    child.stderr.on('data', (c) => {
      buf += c;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        lines.push({ at: performance.now() - started, text: buf.slice(0, i) });
        buf = buf.slice(i + 1);
      }
    });
    child.on('error', rej);
    child.on('close', (code) =>
      res({ code, ms: performance.now() - started, lines, calls: lines.filter((l) => API_CALL.test(l.text)).length }),
    );
  });
}

/** The baseline: kubectl restarts every Deployment of `ns` and waits for each rollout. */
function kubectlRollouts(ns) {
  const kubectl = join(cluster.binDir, 'kubectl');
  const env = { ...process.env, KUBECONFIG: cluster.kubeconfig };
  const run = (args) =>
    new Promise((res, rej) => {
      const child = spawn(kubectl, args, { env, stdio: 'ignore' });
      child.on('error', rej);
      child.on('close', (code) =>
        code === 0 ? res() : rej(new Error(`error: kubectl ${args.join(' ')} exited ${code}`)),
      );
    });
  const started = performance.now();
  return run(['rollout', 'restart', 'deployment', '-n', ns])
    .then(() =>
      Promise.all(
        Array.from({ length: consumers }, (_, i) =>
          run(['rollout', 'status', `deployment/svc-${i}`, '-n', ns, '--timeout=2m']),
        ),
      ),
    )
    .then(() => performance.now() - started);
}

const results = [];
try {
  for (let run = 1; run <= runs; run++) {
    const ns = `bench-rotate-${process.pid}-${run}`;
    await call('POST', '/api/v1/namespaces', { metadata: { name: ns } });
    await until(
      `namespace ${ns} has its default ServiceAccount`,
      async () => (await call('GET', `/api/v1/namespaces/${ns}/serviceaccounts`)).items.length > 0,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    await call('POST', `/api/v1/namespaces/${ns}/secrets`, {
      metadata: { name: 'db' },
      data: { password: Buffer.from('old').toString('base64') },
    });
    for (let i = 0; i < consumers; i++)
      await call(
        'POST',
        `/apis/apps/v1/namespaces/${ns}/deployments`,
        deployment(`svc-${i}`, i % 2 ? 'env' : 'volume'),
      );
    await until(`${consumers} Deployments available in ${ns}`, () => allAvailable(ns));

    const r = await rotate(ns);
    if (r.code !== 0) throw new Error(`error: rotate exited ${r.code}: ${r.lines.map((l) => l.text).join('\n')}`);
    const at = (re) => r.lines.find((l) => re.test(l.text))?.at ?? NaN;
    const lastRolled = Math.max(...r.lines.filter((l) => /rolled out on/.test(l.text)).map((l) => l.at));
    const phases = {
      total: r.ms,
      created: at(/: created \(version/),
      repointed: Math.max(...r.lines.filter((l) => /switched to/.test(l.text)).map((l) => l.at)),
      rolledOut: lastRolled,
      promoted: at(/: current; /),
    };
    phases.calls = r.calls;
    phases.kubectl = await kubectlRollouts(ns);
    // The same rotation again, its rollout waits polled as before watches: the API calls watching saves.
    const polled = await rotate(ns, { poll: true });
    if (polled.code !== 0) throw new Error(`error: rotate (polling) exited ${polled.code}`);
    phases.polled = polled.ms;
    phases.polledCalls = polled.calls;
    results.push(phases);
    console.log(
      `run ${run}: ${(phases.total / 1000).toFixed(2)} s total ` +
        `(new version at ${(phases.created / 1000).toFixed(2)} s, ${consumers} repointed by ${(phases.repointed / 1000).toFixed(2)} s, ` +
        `all rolled out by ${(phases.rolledOut / 1000).toFixed(2)} s, promoted at ${(phases.promoted / 1000).toFixed(2)} s); ` +
        `kubectl rollout restart + status of the same: ${(phases.kubectl / 1000).toFixed(2)} s; ` +
        `API calls ${phases.calls} watching, ${phases.polledCalls} polling (${(phases.polled / 1000).toFixed(2)} s)`,
    );
    await call('DELETE', `/api/v1/namespaces/${ns}`);
  }
} finally {
  if (!reuse) await down(cluster);
}
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ours = median(results.map((r) => r.total));
const baseline = median(results.map((r) => r.kubectl));
const polledMedian = median(results.map((r) => r.polled));
console.log(
  `rotation of ${consumers} Deployments (${replicas} replica${replicas === 1 ? '' : 's'} each): median ${(ours / 1000).toFixed(2)} s over ${runs} runs, ` +
    `${ratio(ours, baseline)} kubectl rollout restart + status (${(baseline / 1000).toFixed(2)} s); ` +
    `polling instead of watching: ${(polledMedian / 1000).toFixed(2)} s, ${ratio(polledMedian, baseline)}; ` +
    `API calls median ${median(results.map((r) => r.calls))} watching vs ${median(results.map((r) => r.polledCalls))} polling`,
);
