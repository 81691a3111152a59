// A consumer made with `kubectl apply` whose last-applied configuration still
// names the old Secret: the next `kubectl apply` of its manifest would switch
// it back. The plan warns, naming the consumer, never printing the annotation.
import { describe, expect, it } from 'vitest';
import type { ReferencingObject } from '../../../src/consumers/object-refs.js';
import type { WorkloadLike } from '../../../src/consumers/rollup.js';
import { lastAppliedWarnings } from '../../../src/rotate/applied-config.js';
import { planRotation } from '../../../src/rotate/plan.js';
import { NS, podSpec, workload } from './builders.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function applied(w: WorkloadLike, secret: string): WorkloadLike {
  const manifest = { apiVersion: 'apps/v1', kind: w.kind, metadata: { name: w.metadata.name }, spec: w.spec };
  const text = JSON.stringify(manifest).replaceAll(`"${secretOf(w)}"`, `"${secret}"`);
  return { ...w, metadata: { ...w.metadata, annotations: { [LAST_APPLIED]: text } } };
}
const secretOf = (w: WorkloadLike): string => JSON.stringify(w.spec).match(/"secretName":"([^"]+)"/)![1]!;

function warnings(
  workloads: WorkloadLike[],
  objects: ReferencingObject[] = [],
  mode: 'blue-green' | 'in-place' = 'blue-green',
) {
  const plan = planRotation({
    namespace: NS,
    logical: 'db',
    mode,
    from: 'db',
    to: mode === 'blue-green' ? 'db-v2' : 'db',
    workloads,
    pods: [],
    objects,
    force: false,
    restartAll: false,
  });
  return lastAppliedWarnings(plan, { workloads, objects });
}

describe('lastAppliedWarnings', () => {
  it('names repointed consumers whose last-applied configuration names the old Secret', () => {
    const web = workload('Deployment', 'web', podSpec('db', 'volume'));
    const api = workload('StatefulSet', 'api', podSpec('db', 'volume'));
    const plain = workload('Deployment', 'plain', podSpec('db', 'volume'));
    const other = workload('Deployment', 'other', podSpec('db', 'volume'));
    const ingress = {
      kind: 'Ingress',
      metadata: { name: 'edge', namespace: NS },
      spec: { tls: [{ hosts: ['a.example.com'], secretName: 'db' }] },
    } as ReferencingObject;
    const appliedIngress = {
      ...ingress,
      metadata: {
        ...ingress.metadata,
        annotations: { [LAST_APPLIED]: JSON.stringify({ ...ingress, metadata: { name: 'edge' } }) },
      },
    } as ReferencingObject;
    expect(
      warnings([applied(web, 'db'), applied(api, 'db'), plain, applied(other, 'something-else')], [appliedIngress]),
    ).toEqual([
      'Deployment/web, StatefulSet/api, Ingress/edge: their kubectl.kubernetes.io/last-applied-configuration names db, so the next "kubectl apply" of their manifests switches them back to db: change db to db-v2 in the manifests',
    ]);
  });

  it('says nothing without the annotation, with one it cannot read, or in place', () => {
    const web = workload('Deployment', 'web', podSpec('db', 'volume'));
    const broken = { ...web, metadata: { ...web.metadata, annotations: { [LAST_APPLIED]: '{not json' } } };
    expect(warnings([web])).toEqual([]);
    expect(warnings([broken])).toEqual([]);
    expect(warnings([applied(web, 'db')], [], 'in-place')).toEqual([]);
  });

  it('one consumer: its manifest', () => {
    const web = workload('Deployment', 'web', podSpec('db', 'volume'));
    expect(warnings([applied(web, 'db')])).toEqual([
      'Deployment/web: its kubectl.kubernetes.io/last-applied-configuration names db, so the next "kubectl apply" of its manifest switches it back to db: change db to db-v2 in the manifest',
    ]);
  });
});
