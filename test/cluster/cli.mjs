// Command line for the local cluster:
//   node test/cluster/cli.mjs up [--name NAME] [--workers N] [--no-controllers] [-v]
//   node test/cluster/cli.mjs down [DIR | --all]
//   node test/cluster/cli.mjs env [DIR]      (prints `export KUBECONFIG=...`)
//   node test/cluster/cli.mjs list
import { parseArgs } from 'node:util';
import { ClusterError, down, isRunning, listClusters, loadCluster, up } from './cluster.mjs';

const [command, ...rest] = process.argv.slice(2);

/** The cluster named by DIR, or the only running one. */
async function pick(dir) {
  if (dir) return loadCluster(dir);
  const running = (await listClusters()).filter(isRunning);
  if (running.length === 1) return running[0];
  if (running.length === 0) throw new Error('no running cluster (start one with test/cluster/up)');
  throw new Error(`${running.length} clusters running, name one: ${running.map((c) => c.dir).join(' ')}`);
}

async function main() {
  if (command === 'up') {
    const { values } = parseArgs({
      args: rest,
      options: {
        name: { type: 'string' },
        workers: { type: 'string' },
        'no-controllers': { type: 'boolean' },
        verbose: { type: 'boolean', short: 'v' },
      },
    });
    const cluster = await up({
      name: values.name,
      workers: values.workers === undefined ? undefined : Number(values.workers),
      controllers: !values['no-controllers'],
      log: values.verbose ? (line) => console.error(line) : undefined,
    });
    console.log(
      `cluster ready in ${cluster.startupSeconds}s: KUBECONFIG=${cluster.kubeconfig} (Kubernetes ${cluster.version}, audit log ${cluster.auditLog})`,
    );
  } else if (command === 'down') {
    const targets = rest[0] === '--all' ? await listClusters() : [await pick(rest[0])];
    for (const cluster of targets) {
      await down(cluster.dir);
      console.log(`cluster stopped and removed: ${cluster.dir}`);
    }
  } else if (command === 'env') {
    const cluster = await pick(rest[0]);
    console.log(
      `export KUBECONFIG=${cluster.kubeconfig} KUBECTL_SECRETS_TEST_CLUSTER=${cluster.dir} PATH=${cluster.binDir}:$PATH`,
    );
  } else if (command === 'list') {
    for (const c of await listClusters()) console.log(`${isRunning(c) ? 'running' : 'stopped'}\t${c.dir}`);
  } else {
    throw new Error('usage: cli.mjs up|down|env|list [args]');
  }
}

main().catch((e) => {
  console.error(e instanceof ClusterError ? e.format() : `error: ${e.message}`);
  process.exit(1);
});
