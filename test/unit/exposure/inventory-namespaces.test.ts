// The -A inventory is analysed one namespace at a time (so that 50,000 bare pods are never
// 200,000 evaluated consumers at once): it must list exactly what each namespace's inventory
// lists, Secrets named only from other namespaces (Gateways) or by cluster-scoped objects
// (StorageClasses) included.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { secretInventory } from '../../../src/exposure/report.js';
import { inputsByNamespace, type ExposureInputs } from '../../../src/exposure/collect.js';
import { loadRealdataInputs, REALDATA_MANIFESTS } from '../../harness/realdata-inputs.js';
import { container, envRef, facts, inputs, pod, serviceAccount, workload } from './builders.js';

const complete = { warnings: [], notes: [], complete: true };

/** The inventory of all namespaces, as the union of each namespace's inventory over the whole inputs. */
function perNamespace(parts: ExposureInputs) {
  const all = secretInventory(parts, undefined, complete);
  const namespaces = [...new Set(all.items.map((r) => r.namespace))];
  return { all, union: namespaces.flatMap((ns) => secretInventory(parts, ns, complete).items) };
}

describe('the inventory of all namespaces', () => {
  const uses = (secret: string) => ({ containers: [container('app', { env: [envRef('PW', secret, 'password')] })] });
  const parts = inputs({
    workloads: [workload('Deployment', 'api', uses('db'), { ns: 'a' }), workload('Deployment', 'api', uses('db'))],
    pods: [pod('bare', uses('db'), { ns: 'b', node: 'n1' }), pod('bare', uses('gone'), { node: 'n2' })],
    serviceAccounts: [serviceAccount('default'), serviceAccount('ci', { secrets: [{ name: 'ci-token' }] }, 'b')],
    secrets: [facts('db', ['password'], {}, 'a'), facts('db'), facts('unused', ['x'], {}, 'c')],
    objects: [
      {
        kind: 'Gateway',
        metadata: { name: 'gw', namespace: 'infra' },
        spec: { listeners: [{ name: 'https', tls: { certificateRefs: [{ name: 'tls', namespace: 'web' }] } }] },
      },
      {
        kind: 'StorageClass',
        metadata: { name: 'fast' },
        provisioner: 'x',
        parameters: {
          'csi.storage.k8s.io/node-stage-secret-name': 'stage',
          'csi.storage.k8s.io/node-stage-secret-namespace': 'storage',
        },
      },
    ],
  });

  it('lists what the inventory of each namespace lists, in the same order', () => {
    const { all, union } = perNamespace(parts);
    expect(all.items).toEqual(union);
    expect(all.items.map((r) => `${r.namespace}/${r.name}:${r.status}`)).toEqual([
      'a/db:in-use',
      'b/ci-token:missing',
      'b/db:missing',
      'c/unused:unused',
      'prod/db:in-use',
      'prod/gone:missing',
      'storage/stage:missing',
      'web/tls:missing',
    ]);
  });

  it('splits the inputs by namespace; an object goes to the namespaces it names, or to every part when a name is a template', () => {
    const split = new Map(inputsByNamespace(parts));
    expect([...split.keys()]).toEqual(['a', 'b', 'c', 'prod', 'storage', 'web']);
    expect(split.get('b')!.pods.map((p) => p.metadata.name)).toEqual(['bare']);
    expect(split.get('storage')!.objects.map((o) => o.metadata?.name)).toEqual(['fast']);
    expect(split.get('web')!.objects.map((o) => o.metadata?.name)).toEqual(['gw']);
    expect(split.get('a')!.objects).toEqual([]);
    expect(split.get('c')!.secrets!.map((s) => s.name)).toEqual(['unused']);
    const templated = {
      kind: 'StorageClass' as const,
      metadata: { name: 'per-claim' },
      provisioner: 'x',
      parameters: {
        'csi.storage.k8s.io/node-stage-secret-name': 'stage-${pvc.name}',
        'csi.storage.k8s.io/node-stage-secret-namespace': '${pvc.namespace}',
      },
    };
    const withTemplate = new Map(inputsByNamespace({ ...parts, objects: [templated, ...parts.objects] }));
    for (const [ns, part] of withTemplate) expect(part.objects[0]?.metadata?.name, ns).toBe('per-claim');
  });

  it.runIf(existsSync(REALDATA_MANIFESTS))('on the real install manifests (/work/shared/realdata)', () => {
    const { all, union } = perNamespace(loadRealdataInputs());
    expect(all.items.length).toBeGreaterThan(20);
    expect(all.items).toEqual(union);
  });
});
