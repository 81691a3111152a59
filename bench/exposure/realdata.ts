// Runs the pure exposure analysis over real install manifests written by other
// projects (/work/shared/realdata/manifests, see its SOURCES.md) and prints the
// consumers of each namespace/Secret pair listed in questions.txt, to compare by
// hand with the expectations in SOURCES.md. Not part of the test suite: the
// data lives outside the repository.
//   node bench/exposure/run-ts.mjs bench/exposure/realdata.ts [manifests-dir]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { exposureReport, secretInventory } from '../../src/exposure/report.js';
import type { ExposureInputs } from '../../src/exposure/collect.js';
import { toFacts } from '../../src/kube/exposure-sources.js';
import { describeUse } from '../../src/cli/exposure-view.js';

const dir = process.argv[2] ?? '/work/shared/realdata/manifests';
// Install namespaces assumed by SOURCES.md for objects without one.
const DEFAULT_NS: Record<string, string> = {
  'argo-cd': 'argocd',
  'argo-workflows': 'argo',
  'opentelemetry-demo': 'otel-demo',
};
const WORKLOADS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
  'ReplicationController',
]);
const CLUSTER_SCOPED = new Set([
  'StorageClass',
  'ClusterRole',
  'ClusterRoleBinding',
  'Namespace',
  'CustomResourceDefinition',
]);

const inputs: ExposureInputs = {
  pods: [],
  workloads: [],
  serviceAccounts: [],
  objects: [],
  secrets: [],
  podsKnown: true,
  serviceAccountsKnown: true,
};
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()) {
  const ns = Object.entries(DEFAULT_NS).find(([prefix]) => file.startsWith(prefix))?.[1] ?? 'default';
  const docs = yaml.loadAll(readFileSync(join(dir, file), 'utf8'), null, { json: true }) as any[];
  const flat = docs.flatMap((d) => (d?.kind === 'List' ? (d.items ?? []) : [d])).filter(Boolean);
  for (const o of flat) {
    if (!CLUSTER_SCOPED.has(o.kind)) o.metadata = { ...o.metadata, namespace: o.metadata?.namespace ?? ns };
    if (WORKLOADS.has(o.kind)) inputs.workloads.push(o);
    else if (o.kind === 'Pod') inputs.pods.push(o);
    else if (o.kind === 'ServiceAccount') inputs.serviceAccounts.push(o);
    else if (['Ingress', 'Gateway', 'StorageClass', 'SecretProviderClass'].includes(o.kind)) inputs.objects.push(o);
    else if (o.kind === 'Secret') {
      const data = { ...(o.data ?? {}) };
      for (const [k, v] of Object.entries(o.stringData ?? {})) data[k] = Buffer.from(String(v)).toString('base64');
      inputs.secrets!.push(toFacts({ ...o, data }, false));
    }
  }
}
console.log(
  `loaded ${inputs.workloads.length} workloads, ${inputs.pods.length} pods, ${inputs.serviceAccounts.length} ServiceAccounts, ${inputs.objects.length} other objects, ${inputs.secrets!.length} Secrets\n`,
);

const gaps = { warnings: [], notes: [], complete: true };
for (const line of readFileSync(join(dir, 'questions.txt'), 'utf8').split('\n')) {
  const [namespace, name] = line.trim().split(/\s+/);
  if (!namespace || !name) continue;
  const report = exposureReport(inputs, { namespace, name }, gaps);
  const s = report.metadata.secrets[0]!;
  console.log(
    `== ${namespace}/${name}: exists=${s.exists} manager=${s.manager?.manager ?? '?'} worst=${report.metadata.worstRisk}`,
  );
  for (const c of report.items) {
    for (const u of c.uses) {
      const who = `${c.kind}/${c.name}${u.container ? ` [${u.container}]` : ''}`;
      console.log(
        `   ${who.padEnd(58)} ${describeUse(u).padEnd(52)} ${u.update.verdict.padEnd(8)} ${u.risks.map((r) => `${r.severity}:${r.id}`).join(' ')}`,
      );
    }
  }
  if (report.items.length === 0) console.log('   (no consumers)');
}
const inv = secretInventory(inputs, undefined, gaps);
console.log(`\ninventory: ${JSON.stringify(inv.metadata.counts)} findings ${JSON.stringify(inv.metadata.findings)}`);
for (const r of inv.items.filter((r) => r.status === 'missing'))
  console.log(`   missing ${r.namespace}/${r.name} <- ${r.consumerNames.join(', ')}`);
