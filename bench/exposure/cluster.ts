// exposure's list/paging cost on a real cluster: seeds pods (bound straight to
// KWOK nodes), workloads and Secrets, then times the loader at several page
// sizes (round trips, wall time, heap) and the whole CLI, against
// `kubectl get pods -A -o json` and JSON.parse of the same lists measured in
// the same run.
//   KUBECONFIG=<cluster admin kubeconfig> node --expose-gc bench/exposure/run-ts.mjs bench/exposure/cluster.ts [pods] [workloads] [--keep]
// Start a cluster with test/cluster/up; the objects go to namespaces bench-exposure-*.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { KubeClient } from '../../src/kube/client.js';
import { realKubeconfigEnv, resolveKubeconfig } from '../../src/kube/kubeconfig.js';
import { loadExposureSources } from '../../src/kube/exposure-sources.js';
import { main } from '../../src/cli/app.js';
import { COMMANDS } from '../../src/cli/commands.js';
import { generate } from './generate.js';
import { seed } from './seed.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const keep = process.argv.includes('--keep');
const PODS = Number(args[0] ?? 2_000);
const WORKLOADS = Number(args[1] ?? 400);
const NAMESPACES = 10;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const mib = (n: number) => (n < 1024 * 1024 ? `${(n / 1024).toFixed(0)} KiB` : `${(n / 1024 / 1024).toFixed(0)} MiB`);

const kubeconfig = process.env.KUBECONFIG;
if (!kubeconfig) {
  console.error('error: set KUBECONFIG to a cluster started with test/cluster/up');
  process.exit(1);
}
const client = () =>
  new KubeClient(resolveKubeconfig({ kubeconfig }, realKubeconfigEnv(process.env)), {
    timeoutMs: 120_000,
    verbosity: 0,
    log: () => undefined,
  });
const kube = client();

const generated = generate({ pods: PODS, workloads: WORKLOADS, namespaces: NAMESPACES, secretsPerNamespace: 20 });
const rename = (ns: string) => `bench-exposure-${ns}`;
const namespaces = generated.namespaces.map(rename);

async function seedAll(): Promise<void> {
  const nodes = ((await kube.get<{ items: Array<{ metadata: { name: string } }> }>('/api/v1/nodes')).items ?? []).map(
    (n) => n.metadata.name,
  );
  const g = generated;
  const t = await seed(kube, g, { rename, nodes });
  const s = (ms: number) => (ms / 1000).toFixed(1);
  console.log(
    `seeded ${g.secrets.length} Secrets, ${t.workloads} workloads and ${g.pods.length} pods in ${s(t.secretsMs + t.workloadsMs + t.podsMs)} s ` +
      `(Secrets ${s(t.secretsMs)} s, workloads ${s(t.workloadsMs)} s, pods ${s(t.podsMs)} s: ${(g.pods.length / (t.podsMs / 1000)).toFixed(0)} pods/s)`,
  );
}

function kubectlBin(): string {
  const found =
    spawnSync('bash', ['test/cluster/build.sh'], { encoding: 'utf8' }).stdout.trim().split('\n').pop() ?? '';
  return existsSync(join(found, 'kubectl')) ? join(found, 'kubectl') : 'kubectl';
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

async function cli(argv: string[]): Promise<{ ms: number; code: number; bytes: number }> {
  let bytes = 0;
  const sink = { write: (s: string) => ((bytes += s.length), true) };
  const io = {
    stdout: sink,
    stderr: { write: () => true },
    stdin: Object.assign(Readable.from([]), { isTTY: false }),
    env: { ...process.env, NO_COLOR: '1' },
  };
  const t = await timed(() => main(argv, io, COMMANDS));
  return { ms: t.ms, code: t.value, bytes };
}

try {
  await seedAll();
  // Let KWOK report the pods Running, as a live cluster would.
  await new Promise((r) => setTimeout(r, 5000));
  const kubectl = kubectlBin();
  const kubectlRun = await timed(async () =>
    spawnSync(kubectl, ['get', 'pods', '-A', '-o', 'json', '--chunk-size=500'], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      env: { ...process.env, KUBECACHEDIR: join(dirname(kubeconfig), 'kubectl-cache') },
    }),
  );
  const podJson = kubectlRun.value.stdout;
  const parse = await timed(async () => JSON.parse(podJson));
  const podCount = parse.value.items.length;
  console.log(`\ncluster holds ${podCount} pods (${mib(podJson.length)} as kubectl JSON)\n`);
  const raw = client();
  const rawList = await timed(() => raw.list('/api/v1/pods', { limit: 500 }));
  const rawTrips = raw.roundTrips;
  raw.close();
  console.log('what                                                  wall ms   round trips   × list pods   heap');
  const line = (what: string, ms: number, trips: number | string, heap = '') =>
    console.log(
      `${what.padEnd(52)} ${ms.toFixed(0).padStart(8)}   ${String(trips).padStart(11)}   ${(ms / rawList.ms).toFixed(2).padStart(10)}×   ${heap}`,
    );
  line('baseline: list all pods, limit 500 (this client)', rawList.ms, rawTrips);
  line('kubectl get pods -A -o json --chunk-size=500', kubectlRun.ms, Math.ceil(podCount / 500));
  line("JSON.parse of kubectl's output", parse.ms, '-');
  for (const limit of [100, 500, 1000]) {
    gc();
    const k = client();
    const before = process.memoryUsage().heapUsed;
    const t = await timed(() =>
      loadExposureSources(k, { namespace: undefined, name: undefined, metadataOnly: false, showHashes: false, limit }),
    );
    const heap = process.memoryUsage().heapUsed - before;
    line(`load for -A, --chunk-size=${limit}`, t.ms, k.roundTrips, `+${mib(heap)}`);
    k.close();
  }
  const k = client();
  const one = await timed(() =>
    loadExposureSources(k, {
      namespace: namespaces[0],
      name: 'shared-creds',
      metadataOnly: false,
      showHashes: false,
      limit: 500,
    }),
  );
  line(`load for one Secret (namespace ${namespaces[0]})`, one.ms, k.roundTrips);
  k.close();
  for (const argv of [
    ['exposure', '-A', '-o', 'json'],
    ['exposure', '-A'],
    ['exposure', 'shared-creds', '-n', namespaces[0]!],
  ]) {
    const r = await cli([...argv, '--kubeconfig', kubeconfig]);
    line(`CLI: ${argv.join(' ')}`, r.ms, '-', `exit ${r.code}, ${mib(r.bytes)} out`);
  }
  console.log(`\nrss ${mib(process.memoryUsage().rss)}`);
} finally {
  if (!keep) {
    for (const ns of namespaces) await kube.delete(`/api/v1/namespaces/${ns}`).catch(() => undefined);
    console.log(`deleting namespaces ${namespaces[0]}..${namespaces[namespaces.length - 1]}`);
  }
  kube.close();
}
