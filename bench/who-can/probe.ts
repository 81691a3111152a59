// One who-can measurement in a fresh process, bundled on the fly by run.mjs:
// loads the cluster snapshot through the real client, counts round trips,
// times the resolution after the lists arrive, reports peak memory.
//   node probe.cjs KUBECONFIG NAMESPACE SECRET [direct|full]
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { KubeClient } from '../../src/kube/client.js';
import { realKubeconfigEnv, resolveKubeconfig } from '../../src/kube/kubeconfig.js';
import { loadClusterSnapshot } from '../../src/kube/rbac.js';
import { indirectNamespaces, whoCan, DEFAULT_OPTIONS } from '../../src/whocan/analyze.js';
import { parseServerVersion } from '../../src/whocan/snapshot.js';

async function measure(
  kubeconfig: string,
  namespace: string,
  secret: string,
  indirect: boolean,
): Promise<Record<string, unknown>> {
  const kube = new KubeClient(resolveKubeconfig({ kubeconfig }, realKubeconfigEnv(process.env)), {
    timeoutMs: 120_000,
    verbosity: 0,
    log: () => {},
  });
  const t0 = performance.now();
  const snapshot = await loadClusterSnapshot(kube, namespace, secret, {
    indirect,
    scope: (partial) => indirectNamespaces({ secret: { namespace, name: secret }, ...partial }, DEFAULT_OPTIONS),
  });
  const t1 = performance.now();
  // For profiling the resolution offline: WHOCAN_PROBE_DUMP=file.json (no Secret data is in a snapshot).
  if (process.env.WHOCAN_PROBE_DUMP) writeFileSync(process.env.WHOCAN_PROBE_DUMP, JSON.stringify(snapshot));
  const cpu0 = process.cpuUsage();
  const answer = whoCan(
    {
      secret: { namespace, name: secret },
      rbac: snapshot.rbac,
      serviceAccounts: snapshot.serviceAccounts,
      pods: snapshot.pods,
      workloads: snapshot.workloads,
      serverVersion: parseServerVersion(snapshot.serverVersion),
    },
    { ...DEFAULT_OPTIONS, indirect },
  );
  const t2 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  kube.close();
  return {
    roundTrips: kube.roundTrips,
    loadMs: Math.round(t1 - t0),
    resolveMs: Math.round((t2 - t1) * 10) / 10,
    // CPU time of the resolution: on a shared machine wall time mostly measures the neighbours.
    resolveCpuMs: Math.round((cpu.user + cpu.system) / 100) / 10,
    rows: answer.rows.length,
    objects: {
      roleBindings: snapshot.rbac.roleBindings.length,
      clusterRoleBindings: snapshot.rbac.clusterRoleBindings.length,
      roles: snapshot.rbac.roles.length,
      clusterRoles: snapshot.rbac.clusterRoles.length,
    },
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    gaps: snapshot.gaps.map((g) => g.message),
  };
}

const [kubeconfig, namespace, secret, mode = 'full'] = process.argv.slice(2);
if (!kubeconfig || !namespace || !secret) {
  process.stderr.write('usage: probe.cjs KUBECONFIG NAMESPACE SECRET [direct|full]\n');
  process.exitCode = 2;
} else {
  measure(kubeconfig, namespace, secret, mode !== 'direct').then(
    (result) => process.stdout.write(`${JSON.stringify({ mode, ...result })}\n`),
    (err: unknown) => {
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
