// A rotation of 1,000 Deployments on KWOK: the journal (one annotation,
// at most 256 KiB with all others) holds every consumer and step, and the
// rotation finishes with every template on the new version.
// ROTATE_SCALE_DEPLOYMENTS and ROTATE_SCALE_REPLICAS scale it (defaults 1000 and 0: a Deployment at 0 replicas
// still rolls out through its controller).
// On a cluster of its own: 1,000 Deployments fill the deployment controller's queue, which would delay
// the rollouts of the files running beside it on the shared cluster past their timeouts.
import { describe, expect, it } from 'vitest';
import { api, ownCluster, waitFor } from '../harness/cluster.js';
import { runCli } from '../harness/runCli.js';
import { createSecret, JOURNAL, readSecret, rotationLease, templateRefs } from './rotate-harness.js';

const COUNT = Number(process.env.ROTATE_SCALE_DEPLOYMENTS ?? 1000);
const REPLICAS = Number(process.env.ROTATE_SCALE_REPLICAS ?? 0);

const cluster = ownCluster('rotate-scale');
const on = () => ({ kubeconfig: cluster().kubeconfig });

const deployment = (name: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas: REPLICAS,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [{ name: 'app', image: `example/${name}`, volumeMounts: [{ name: 'creds', mountPath: '/creds' }] }],
        volumes: [{ name: 'creds', secret: { secretName: 'db' } }],
      },
    },
  },
});

async function inBatches<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

describe(`rotate ${COUNT} Deployments`, () => {
  it(
    'records every consumer in a journal that fits the annotation limit, and switches them all',
    { timeout: 30 * 60_000 },
    async () => {
      const ns = 'rot-scale';
      expect((await api('POST', '/api/v1/namespaces', { ...on(), body: { metadata: { name: ns } } })).status).toBe(201);
      await createSecret(ns, 'db', { password: 'old-password' }, {}, on());
      const names = Array.from({ length: COUNT }, (_, i) => `app-${String(i).padStart(4, '0')}`);
      await inBatches(names, 25, async (name) => {
        const r = await api('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, { ...on(), body: deployment(name) });
        if (r.status !== 201) throw new Error(`error: create deployment ${name}: HTTP ${r.status}`);
      });

      // rotate refuses consumers that are not healthy yet (not every replica available).
      await waitFor(
        async () => {
          const list = await api('GET', `/apis/apps/v1/namespaces/${ns}/deployments`, on());
          return (list.body.items as any[]).every(
            (d) =>
              d.status?.observedGeneration >= d.metadata.generation && (d.status?.availableReplicas ?? 0) >= REPLICAS,
          );
        },
        { timeout: 20 * 60_000, interval: 2000, what: `${COUNT} Deployments available` },
      );
      const started = Date.now();
      const r = await runCli(
        ['rotate', 'db', '-n', ns, '--from-literal', 'password=new', '--yes', '--timeout', '20m', '-o', 'json'],
        on(),
      );
      const seconds = (Date.now() - started) / 1000;
      expect(r.code, r.stderr.slice(-2000)).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc.items).toHaveLength(COUNT);
      expect(doc.items.every((i: any) => i.state === 'rolled-out')).toBe(true);

      const v2 = await readSecret(ns, 'db-v2', on());
      const annotations = JSON.stringify(v2.metadata.annotations);
      expect(Buffer.byteLength(annotations)).toBeLessThan(256 * 1024);
      expect(v2.metadata.annotations[JOURNAL]).toMatch(/^gz64:/);
      const refs = Object.values(await templateRefs(ns, on()));
      expect(refs).toHaveLength(COUNT);
      expect(refs.every((x) => x.length === 1 && x[0] === 'db-v2')).toBe(true);
      expect(await rotationLease(ns, 'db', on())).toBeUndefined();
      console.log(
        `rotated ${COUNT} Deployments (replicas ${REPLICAS}) in ${seconds.toFixed(1)}s; annotations ${Buffer.byteLength(annotations)} bytes`,
      );
    },
  );
});
