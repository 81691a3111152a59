// The real install manifests written by other projects (/work/shared/realdata/manifests, see its
// SOURCES.md) as the exposure analysis takes them: workloads, pods, ServiceAccounts, the other
// objects that name Secrets, and the Secrets as facts. Used by bench/exposure/realdata.ts and the
// unit tests that check the analysis on real specs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { ExposureInputs } from '../../src/exposure/collect.js';
import { toFacts } from '../../src/kube/exposure-sources.js';

export const REALDATA_MANIFESTS = process.env.KUBECTL_SECRETS_REALDATA ?? '/work/shared/realdata/manifests';

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

export function loadRealdataInputs(dir: string = REALDATA_MANIFESTS): ExposureInputs {
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
  return inputs;
}
