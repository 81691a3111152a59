// Seeds a running cluster with generated objects (generate.ts): Namespaces,
// Secrets, ServiceAccounts, top-level workloads (scaled to zero or suspended,
// so that no controller makes pods) and bare pods bound straight to nodes.
// Shared by cluster.ts and scale.ts.
import type { Kube } from '../../src/kube/client.js';
import type { Generated } from './generate.js';

export async function pool<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
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

export interface SeedOptions {
  /** Generated namespace → the cluster's. */
  rename: (ns: string) => string;
  /** Pods are bound to these nodes (nodeName), round-robin. */
  nodes: readonly string[];
  /** Parallel creates (pods). */
  concurrency?: number;
  /** Called every 1,000 pods. */
  onPods?: (created: number) => void;
}

/** Creates everything; answers the time each part took (ms). */
export async function seed(
  kube: Kube,
  g: Generated,
  { rename, nodes, concurrency = 16, onPods }: SeedOptions,
): Promise<{ secretsMs: number; workloadsMs: number; podsMs: number; workloads: number }> {
  // A previous run's namespaces may still be terminating.
  for (const ns of g.namespaces.map(rename)) {
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
  await pool(g.secrets, concurrency, async (s) => {
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
  await pool(tops, concurrency, async (w) => {
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
  let created = 0;
  await pool(g.pods, concurrency, async (p) => {
    const ns = rename(p.metadata.namespace);
    const { status: _s, ...rest } = p;
    // Bare pods whose labels match no selector: controllers would adopt and delete them.
    const metadata = { ...strip(p), namespace: ns, labels: { 'bench-exposure': p.metadata.labels.app } };
    const nodeName = nodes[created % nodes.length];
    await kube.create(`/api/v1/namespaces/${ns}/pods`, { ...rest, metadata, spec: { ...p.spec, nodeName } });
    if (++created % 1000 === 0) onPods?.(created);
  });
  return {
    secretsMs: seeded - started,
    workloadsMs: workloadsDone - seeded,
    podsMs: Date.now() - workloadsDone,
    workloads: tops.length,
  };
}
