// Vitest global setup of the e2e project: one real local cluster per test run,
// handed to the tests with provide('cluster'). Set
// KUBECTL_SECRETS_TEST_CLUSTER=<state dir> to reuse a cluster started with
// test/cluster/up (it is left running).
import type { TestProject } from 'vitest/node';
import { ClusterError, down, isRunning, loadCluster, up, type Cluster } from '../cluster/cluster.mjs';
import { startClusterRecorder, type ClusterRecorder } from './cluster-recorder.js';
import { RUN_DIR_ENV } from './run-record.js';

declare module 'vitest' {
  export interface ProvidedContext {
    cluster: Cluster;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const reuse = process.env.KUBECTL_SECRETS_TEST_CLUSTER;
  if (reuse) {
    const cluster = await loadCluster(reuse);
    if (!isRunning(cluster)) throw new Error(`error: KUBECTL_SECRETS_TEST_CLUSTER=${reuse}: cluster is not running`);
    project.provide('cluster', cluster);
    const recorder = record(cluster);
    return async () => recorder?.stop();
  }
  let cluster: Cluster;
  try {
    cluster = await up({ name: 'vitest', log: (line) => process.stderr.write(`[cluster] ${line}\n`) });
  } catch (e) {
    throw new Error(e instanceof ClusterError ? e.format() : `error: cluster up: ${(e as Error).message}`, {
      cause: e,
    });
  }
  process.stderr.write(`[cluster] ready in ${cluster.startupSeconds}s: ${cluster.dir}\n`);
  project.provide('cluster', cluster);
  const recorder = record(cluster);
  return async () => {
    recorder?.stop();
    await down(cluster);
  };
}

/** Objects the tool writes are recorded for the run's final canary scan (canary-scan.ts). */
function record(cluster: Cluster): ClusterRecorder | undefined {
  const dir = process.env[RUN_DIR_ENV];
  return dir ? startClusterRecorder(cluster, dir) : undefined;
}
