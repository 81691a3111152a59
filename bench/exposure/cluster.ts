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

async function pool<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

const strip = (o: any) => {
  const {
    uid: _u,
    resourceVersion: _r,
    creationTimestamp: _c,
    managedFields: _m,
    ownerReferences: _o,
    ...metadata
  } = o.metadata;
  return metadata;
};

const generated = generate({ pods: PODS, workloads: WORKLOADS, namespaces: NAMESPACES, secretsPerNamespace: 20 });
const rename = (ns: string) => `bench-exposure-${ns}`;
const namespaces = generated.namespaces.map(rename);

async function seed(): Promise<void> {
  const g = generated;
  const nodes = ((await kube.get<{ items: Array<{ metadata: { name: string } }> }>('/api/v1/nodes')).items ?? []).map(
    (n) => n.metadata.name,
  );
  // A previous run's namespaces may still be terminating.
  for (const ns of namespaces) {
    for (let i = 0; ; i++) {
      try {
        await kube.get(`/api/v1/namespaces/${ns}`);
      } catch {
        break;
      }
      if (i === 300) throw new Error(`error: namespace ${ns} is still terminating`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const started = Date.now();
  for (const ns of g.namespaces)
    await kube.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: rename(ns) } });
  await pool(g.secrets, 16, async (s) => {
    const ns = rename(s.metadata.namespace);
    await kube.create(`/api/v1/namespaces/${ns}/secrets`, {
      apiVersion: 'v1',
      kind: 'Secret',
      ...s,
      metadata: { ...strip(s), namespace: ns },
    });
  });
  await pool(
    g.serviceAccounts.filter((s) => s.metadata.name !== 'default'),
    8,
    async (s) => {
      const ns = rename(s.metadata.namespace);
      await kube.create(`/api/v1/namespaces/${ns}/serviceaccounts`, {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        ...s,
        metadata: { ...strip(s), namespace: ns },
      });
    },
  );
  // Pods need their namespace's default ServiceAccount.
  for (const ns of g.namespaces) {
    for (let i = 0; i < 100; i++) {
      try {
        await kube.get(`/api/v1/namespaces/${rename(ns)}/serviceaccounts/default`);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
  const seeded = Date.now();
  const tops = g.workloads.filter((w) => !w.metadata.ownerReferences);
  await pool(tops, 16, async (w) => {
    const ns = rename(w.metadata.namespace);
    const path =
      w.kind === 'CronJob'
        ? `/apis/batch/v1/namespaces/${ns}/cronjobs`
        : `/apis/apps/v1/namespaces/${ns}/${w.kind.toLowerCase()}s`;
    const cronTemplate = (t: any) => ({ ...t, spec: { ...t.spec, restartPolicy: 'OnFailure' } });
    const spec =
      w.kind === 'CronJob'
        ? {
            ...w.spec,
            suspend: true,
            jobTemplate: { spec: { template: cronTemplate(w.spec.jobTemplate.spec.template) } },
          }
        : { ...w.spec, replicas: 0, ...(w.kind === 'StatefulSet' ? { serviceName: w.metadata.name } : {}) };
    if (w.kind === 'DaemonSet') {
      delete spec.replicas;
      spec.template = { ...spec.template, spec: { ...spec.template.spec, nodeSelector: { 'bench-exposure': 'none' } } }; // runs nowhere
    }
    await kube.create(path, { apiVersion: w.apiVersion, kind: w.kind, metadata: { ...strip(w), namespace: ns }, spec });
  });
  const workloadsDone = Date.now();
  await pool(g.pods, 16, async (p) => {
    const ns = rename(p.metadata.namespace);
    const { status: _s, ...rest } = p;
    // Bare pods whose labels match no selector: controllers would adopt and delete them.
    const metadata = { ...strip(p), namespace: ns, labels: { 'bench-exposure': p.metadata.labels.app } };
    await kube.create(`/api/v1/namespaces/${ns}/pods`, {
      ...rest,
      metadata,
      spec: { ...p.spec, nodeName: nodes[Math.floor(Math.random() * nodes.length)] },
    });
  });
  const done = Date.now();
  console.log(
    `seeded ${g.secrets.length} Secrets, ${tops.length} workloads and ${g.pods.length} pods in ${((done - started) / 1000).toFixed(1)} s ` +
      `(Secrets ${((seeded - started) / 1000).toFixed(1)} s, workloads ${((workloadsDone - seeded) / 1000).toFixed(1)} s, pods ${((done - workloadsDone) / 1000).toFixed(1)} s: ${(g.pods.length / ((done - workloadsDone) / 1000)).toFixed(0)} pods/s)`,
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
  await seed();
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
