// exposure -A at scale on a real cluster: bulk-creates KWOK nodes, pods bound
// to them (nodeName), workloads and Secrets that reference each other, then
// times `kubectl-secrets exposure -A -o json` (the CLI bundle now, and at
// --before) against `kubectl get pods -A -o json` in the same run: wall, CPU,
// peak RSS, round trips. Target: ≤ 0.5× kubectl's wall, ≤ 1 GB RSS.
//
//   node bench/exposure/run-ts.mjs bench/exposure/scale.ts [--keep] [--before COMMIT]
//
// Sizes: EXPOSURE_SCALE_PODS (50000), EXPOSURE_SCALE_NODES (50),
// EXPOSURE_SCALE_NAMESPACES (50), EXPOSURE_SCALE_RUNS (3). The cluster is
// $KUBECTL_SECRETS_TEST_CLUSTER (test/cluster/up) or one started here. Objects
// go to namespaces bxs-*; nodes are bxs-node-*; both are deleted unless --keep
// (a kept set is reused by the next run of the same size).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { KubeClient } from '../../src/kube/client.js';
import { realKubeconfigEnv, resolveKubeconfig } from '../../src/kube/kubeconfig.js';
import { bundleOptions } from '../../scripts/bundle-options.mjs';
import { generate } from './generate.js';
import { pool, seed } from './seed.js';

const repo = resolve(dirname(process.argv[1]!), '../..');
// Loaded at run time, not bundled: both find their files relative to themselves.
const fromRepo = (path: string) => import(pathToFileURL(join(repo, path)).href);
const { down, loadCluster, up } = await fromRepo('test/cluster/cluster.mjs');
const { pinnedNode } = await fromRepo('scripts/node-runtime.mjs');
const { values: opts } = parseArgs({
  options: {
    keep: { type: 'boolean', default: false },
    before: { type: 'string', default: '506aee7' },
  },
});
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const PODS = env('EXPOSURE_SCALE_PODS', 50_000);
const NODES = env('EXPOSURE_SCALE_NODES', 50);
const NAMESPACES = env('EXPOSURE_SCALE_NAMESPACES', 50);
const RUNS = env('EXPOSURE_SCALE_RUNS', 3);
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

const generated = generate({
  pods: PODS,
  workloads: Math.max(1, Math.round(PODS / 25)),
  namespaces: NAMESPACES,
  secretsPerNamespace: 20,
});
const rename = (ns: string) => `bxs-${ns}`;
const nodeNames = Array.from({ length: NODES }, (_, i) => `bxs-node-${i}`);

function kwokNode(name: string) {
  const resources = { cpu: '64', memory: '512Gi', pods: String(Math.ceil(PODS / NODES) + 110) };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', type: 'kwok', 'bench-exposure': 'scale' },
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
    },
    status: { capacity: resources, allocatable: resources },
  };
}

interface Run {
  ms: number;
  cpuMs: number;
  rssMiB: number;
  code: number | null;
  stderr: string;
}

/** Runs a command with stdout to /dev/null; wall, CPU and max RSS through /usr/bin/time. */
function timed(cmd: string, args: string[], work: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  const file = join(work, `time-${Math.random().toString(16).slice(2)}`);
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M %U %S', '-o', file, cmd, ...args], {
      env: { ...process.env, ...extraEnv },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', fail);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      const [kib, user, sys] = readFileSync(file, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
      done({ ms, cpuMs: Math.round((user! + sys!) * 1000), rssMiB: Math.round(kib! / 1024), code, stderr });
    });
  });
}

const median = (runs: Run[]): Run => [...runs].sort((a, b) => a.ms - b.ms)[Math.floor(runs.length / 2)]!;

/** The CLI at `commit` (its src/ as committed, this checkout's dependencies), or the working tree. */
async function bundle(work: string, commit: string | undefined): Promise<string> {
  let root = repo;
  if (commit) {
    root = join(work, 'before');
    mkdirSync(root, { recursive: true });
    spawnSync('sh', ['-c', `git -C '${repo}' archive '${commit}' src | tar -x -C '${root}'`], { stdio: 'inherit' });
  }
  const outfile = join(work, commit ? 'kubectl-secrets-before.cjs' : 'kubectl-secrets.cjs');
  await build({
    bundle: true,
    ...bundleOptions,
    logLevel: 'warning',
    external: ['supports-color', 'encoding', 'bufferutil', 'utf-8-validate'],
    entryPoints: [join(root, 'src/main.ts')],
    outfile,
    minify: true,
    nodePaths: [join(repo, 'node_modules')],
    define: { __KUBECTL_SECRETS_VERSION__: '"bench"' },
  });
  return outfile;
}

/** Requests a -v 6 run logged (kubectl: `"Response" verb="GET" url=…`; ours: `GET https://… 200 in N ms`). */
const roundTrips = (stderr: string): number =>
  stderr.split('\n').filter((l) => /\b(GET|WATCH) https?:\/\/|"Response" verb="GET"/.test(l)).length;

const work = mkdtempSync(join(tmpdir(), 'exposure-scale-'));
const clusterDir = process.env.KUBECTL_SECRETS_TEST_CLUSTER;
const cluster = clusterDir ? await loadCluster(clusterDir) : await up({ name: 'bench-exposure-scale', log });
const kubeconfig: string = cluster.kubeconfig;
const kubectl = join(cluster.binDir, 'kubectl');
const kube = new KubeClient(resolveKubeconfig({ kubeconfig }, realKubeconfigEnv(process.env)), {
  timeoutMs: 120_000,
  verbosity: 0,
  log: () => undefined,
});
try {
  // ---------- seed (skipped when a kept set of this size is there) ----------
  const podCount = async (fieldSelector?: string): Promise<number> => {
    const { items } = await kube.list('/api/v1/pods', {
      metadataOnly: true,
      limit: 10_000,
      query: { labelSelector: 'bench-exposure', ...(fieldSelector ? { fieldSelector } : {}) },
    });
    return items.length;
  };
  const existing = await podCount();
  if (existing === PODS) log(`reusing ${existing} pods from a kept run`);
  else {
    if (existing > 0) throw new Error(`error: ${existing} pods of another run are there: delete namespaces bxs-*`);
    const t0 = performance.now();
    await pool(nodeNames, 8, async (name) => {
      await kube.create('/api/v1/nodes', kwokNode(name)).catch((err: Error) => {
        if (!/already exists/.test(err.message)) throw err;
      });
    });
    log(`created ${NODES} KWOK nodes in ${Math.round(performance.now() - t0)} ms`);
    const t = await seed(kube, generated, {
      rename,
      nodes: nodeNames,
      concurrency: 48,
      onPods: (n) => n % 5000 === 0 && log(`${n} pods`),
    });
    log(
      `seeded ${generated.secrets.length} Secrets, ${t.workloads} workloads, ${PODS} pods (${Math.round(PODS / (t.podsMs / 1000))} pods/s, ${(t.podsMs / 1000).toFixed(0)} s)`,
    );
  }
  // Let KWOK report the pods Running (as a live cluster would) before timing anything.
  for (let i = 0; i < 120; i++) {
    const pending = await podCount('status.phase!=Running');
    if (pending === 0) break;
    if (i % 6 === 0) log(`waiting for KWOK: ${pending} pods not Running yet`);
    await new Promise((r) => setTimeout(r, 5000));
  }

  log('bundling the CLI (now and at --before)');
  const after = await bundle(work, undefined);
  const before = await bundle(work, opts.before);
  const node = pinnedNode();
  const kubectlArgs = ['get', 'pods', '-A', '-o', 'json', '--kubeconfig', kubeconfig];
  const cliArgs = (file: string) => [file, 'exposure', '-A', '-o', 'json', '--kubeconfig', kubeconfig];
  const cacheEnv = { KUBECACHEDIR: join(work, 'kubectl-cache') };
  await timed(kubectl, kubectlArgs, work, cacheEnv); // discovery cache warm, as a user's would be
  const runs: Record<'kubectl' | 'after' | 'before', Run[]> = { kubectl: [], after: [], before: [] };
  for (let i = 0; i < RUNS; i++) {
    runs.kubectl.push(await timed(kubectl, kubectlArgs, work, cacheEnv));
    runs.after.push(await timed(node, cliArgs(after), work));
    runs.before.push(await timed(node, cliArgs(before), work));
    for (const [name, rs] of Object.entries(runs))
      if (rs.at(-1)!.code !== 0) throw new Error(`${name} failed: ${rs.at(-1)!.stderr.slice(0, 500)}`);
    log(
      `run ${i + 1}/${RUNS}: kubectl ${Math.round(runs.kubectl.at(-1)!.ms)} ms, after ${Math.round(runs.after.at(-1)!.ms)} ms, before ${Math.round(runs.before.at(-1)!.ms)} ms`,
    );
  }
  const trips = {
    kubectl: roundTrips((await timed(kubectl, [...kubectlArgs, '--v=6'], work, cacheEnv)).stderr),
    after: roundTrips((await timed(node, [...cliArgs(after), '-v', '6'], work)).stderr),
    before: roundTrips((await timed(node, [...cliArgs(before), '-v', '6'], work)).stderr),
  };

  // ---------- report ----------
  const m = { kubectl: median(runs.kubectl), after: median(runs.after), before: median(runs.before) };
  const r = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  const out = (s = '') => process.stdout.write(`${s}\n`);
  out(`# exposure -A at scale (${new Date().toISOString()}, Kubernetes ${cluster.version}, ${RUNS} runs, medians)`);
  out(
    `${PODS} pods on ${NODES} KWOK nodes in ${NAMESPACES} namespaces, ${generated.secrets.length} Secrets, ${generated.workloads.filter((w) => !w.metadata.ownerReferences).length} workloads`,
  );
  out(
    `Machine: ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} at the end (wall includes the neighbours' load; CPU does not)`,
  );
  out();
  out('| command | wall | CPU | peak RSS | round trips | wall / kubectl | CPU / kubectl |');
  out('|---|---|---|---|---|---|---|');
  const row = (name: string, x: Run, n: number) =>
    out(
      `| ${name} | ${Math.round(x.ms)} ms | ${x.cpuMs} ms | ${x.rssMiB} MiB | ${n} | ${r(x.ms, m.kubectl.ms)} | ${r(x.cpuMs, m.kubectl.cpuMs)} |`,
    );
  row('kubectl get pods -A -o json (baseline)', m.kubectl, trips.kubectl);
  row(`kubectl-secrets exposure -A -o json (before: ${opts.before})`, m.before, trips.before);
  row('kubectl-secrets exposure -A -o json (after)', m.after, trips.after);
  out();
  out(
    `Target ≤ 0.5x kubectl's wall: ${r(m.before.ms, m.kubectl.ms)} → ${r(m.after.ms, m.kubectl.ms)} (${m.after.ms <= m.kubectl.ms / 2 ? 'met' : 'NOT met'}); ` +
      `≤ 1 GB RSS: ${m.after.rssMiB} MiB (${m.after.rssMiB <= 1024 ? 'met' : 'NOT met'}); after/before wall ${r(m.after.ms, m.before.ms)}, CPU ${r(m.after.cpuMs, m.before.cpuMs)}`,
  );
} finally {
  if (!opts.keep) {
    log('deleting namespaces bxs-* and nodes bxs-node-*');
    for (const ns of generated.namespaces) await kube.delete(`/api/v1/namespaces/${rename(ns)}`).catch(() => undefined);
    for (const n of nodeNames) await kube.delete(`/api/v1/nodes/${n}`).catch(() => undefined);
  }
  kube.close();
  rmSync(work, { recursive: true, force: true });
  if (!clusterDir) await down(cluster);
}
if (existsSync(work)) rmSync(work, { recursive: true, force: true });
