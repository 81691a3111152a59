import { describe, expect, it } from 'vitest';
import { analyzeExposure } from '../../../src/exposure/analyze.js';
import type { Consumer } from '../../../src/exposure/types.js';
import { NS, container, envRef, facts, inputs, pod, serviceAccount, workload } from './builders.js';

const usesDb = { containers: [container('app', { env: [envRef('DB_PASSWORD', 'db', 'password')] })] };
const usesNothing = { containers: [container('app')] };

function consumersOf(parts: Parameters<typeof inputs>[0], secret = 'db', ns = NS): Consumer[] {
  return analyzeExposure(inputs(parts), { namespace: ns, name: secret }).consumers.get(`${ns}/${secret}`) ?? [];
}
const ids = (cs: Consumer[]) => cs.map((c) => `${c.kind}/${c.name}`);

describe('workloads and pods roll up to what a human edits', () => {
  it('counts a Deployment scaled to 0 from its template', () => {
    const [c] = consumersOf({ workloads: [workload('Deployment', 'api', usesDb, { replicas: 0 })] });
    expect(c).toMatchObject({
      kind: 'Deployment',
      name: 'api',
      replicas: { desired: 0, current: 0, ready: 0 },
      nodes: [],
    });
    expect(c!.uses[0]).toMatchObject({
      via: 'env',
      container: 'app',
      env: 'DB_PASSWORD',
      keys: ['password'],
      revision: 'current',
    });
    expect(c!.uses[0]!.pointer).toBe('/spec/template/spec/containers/0/env/0/valueFrom/secretKeyRef/name');
  });

  it('folds ReplicaSets and their pods into the Deployment: replicas, readiness, nodes', () => {
    const cs = consumersOf({
      workloads: [
        workload('Deployment', 'api', usesDb, { replicas: 3 }),
        workload('ReplicaSet', 'api-1', usesDb, { owner: ['Deployment', 'api'] }),
      ],
      pods: [
        pod('api-1-a', usesDb, { owner: ['ReplicaSet', 'api-1'], node: 'n2' }),
        pod('api-1-b', usesDb, { owner: ['ReplicaSet', 'api-1'], node: 'n1', ready: false }),
        pod('api-1-c', usesDb, { owner: ['ReplicaSet', 'api-1'], node: 'n1', phase: 'Failed' }),
      ],
    });
    expect(ids(cs)).toEqual(['Deployment/api']);
    expect(cs[0]).toMatchObject({ replicas: { desired: 3, current: 2, ready: 1 }, nodes: ['n1', 'n2'] });
    expect(cs[0]!.uses).toHaveLength(1);
  });

  it('reports an old revision still running when only old ReplicaSets use the Secret', () => {
    const cs = consumersOf({
      workloads: [
        workload('Deployment', 'api', usesNothing, { replicas: 2 }),
        workload('ReplicaSet', 'api-new', usesNothing, { owner: ['Deployment', 'api'] }),
        workload('ReplicaSet', 'api-old', usesDb, { owner: ['Deployment', 'api'] }),
      ],
      pods: [
        pod('api-new-a', usesNothing, { owner: ['ReplicaSet', 'api-new'], node: 'n1' }),
        pod('api-old-a', usesDb, { owner: ['ReplicaSet', 'api-old'], node: 'n2' }),
        pod('api-old-b', usesDb, { owner: ['ReplicaSet', 'api-old'], node: 'n2' }),
      ],
    });
    expect(ids(cs)).toEqual(['Deployment/api']);
    expect(cs[0]!.oldRevision).toEqual({ pods: 2, from: ['ReplicaSet/api-old'] });
    expect(cs[0]!.uses).toHaveLength(1);
    expect(cs[0]!.uses[0]!.revision).toBe('old');
    expect(cs[0]!.uses[0]!.risks.map((r) => r.id)).toContain('old-revision');
    expect(cs[0]!.replicas).toEqual({ desired: 2, current: 3, ready: 3 });
  });

  it('ignores old ReplicaSets scaled to zero (no pods left)', () => {
    const cs = consumersOf({
      workloads: [
        workload('Deployment', 'api', usesNothing),
        workload('ReplicaSet', 'api-old', usesDb, { owner: ['Deployment', 'api'], replicas: 0 }),
      ],
      pods: [],
    });
    expect(cs).toEqual([]);
  });

  it('without a pod list, takes old revisions from ReplicaSet status', () => {
    const cs = consumersOf({
      podsKnown: false,
      workloads: [
        workload('Deployment', 'api', usesNothing, { status: { replicas: 1, readyReplicas: 1 } }),
        workload('ReplicaSet', 'api-old', usesDb, { owner: ['Deployment', 'api'], status: { replicas: 2 } }),
        workload('ReplicaSet', 'api-older', usesDb, { owner: ['Deployment', 'api'], status: { replicas: 0 } }),
      ],
    });
    expect(cs[0]!.oldRevision).toEqual({ pods: 2, from: ['ReplicaSet/api-old'] });
    expect(cs[0]!.replicas).toEqual({ desired: 1, current: 1, ready: 1 });
  });

  it('rolls CronJob → Job → Pod up to the CronJob, whose desired count is not fixed', () => {
    const cs = consumersOf({
      workloads: [
        workload('CronJob', 'backup', usesDb),
        workload('Job', 'backup-1', usesDb, { owner: ['CronJob', 'backup'] }),
      ],
      pods: [pod('backup-1-x', usesDb, { owner: ['Job', 'backup-1'], node: 'n1' })],
    });
    expect(ids(cs)).toEqual(['CronJob/backup']);
    expect(cs[0]).toMatchObject({ replicas: { desired: null, current: 1, ready: 1 }, nodes: ['n1'] });
    expect(cs[0]!.uses[0]!.pointer).toBe(
      '/spec/jobTemplate/spec/template/spec/containers/0/env/0/valueFrom/secretKeyRef/name',
    );
  });

  it('reports StatefulSets, DaemonSets (desired from status) and ReplicationControllers', () => {
    const cs = consumersOf({
      workloads: [
        workload('StatefulSet', 'db', usesDb, { replicas: 3 }),
        workload('DaemonSet', 'agent', usesDb, { status: { desiredNumberScheduled: 2 } }),
        workload('ReplicationController', 'legacy', usesDb, { replicas: 1 }),
      ],
      pods: [
        pod('db-0', usesDb, { owner: ['StatefulSet', 'db'], node: 'n1' }),
        pod('agent-x', usesDb, { owner: ['DaemonSet', 'agent'], node: 'n2' }),
      ],
    });
    expect(cs.map((c) => [c.kind, c.replicas])).toEqual([
      ['StatefulSet', { desired: 3, current: 1, ready: 1 }],
      ['DaemonSet', { desired: 2, current: 1, ready: 1 }],
      ['ReplicationController', { desired: 1, current: 0, ready: 0 }],
    ]);
  });

  it('reports bare pods as themselves, and pods of unknown controllers with their foreign owner', () => {
    const cs = consumersOf({
      pods: [
        pod('debug', usesDb, { node: 'n1' }),
        pod('rollout-abc', usesDb, { owner: ['Rollout', 'web'], node: 'n2', ready: false }),
      ],
    });
    expect(cs.map((c) => [c.kind, c.name, c.foreignOwner, c.replicas, c.nodes])).toEqual([
      ['Pod', 'debug', undefined, { desired: 1, current: 1, ready: 1 }, ['n1']],
      ['Pod', 'rollout-abc', { kind: 'Rollout', name: 'web' }, { desired: 1, current: 1, ready: 0 }, ['n2']],
    ]);
  });

  it("stays in the Secret's namespace", () => {
    const cs = consumersOf({ workloads: [workload('Deployment', 'api', usesDb, { ns: 'other' })] });
    expect(cs).toEqual([]);
  });
});

describe('ServiceAccounts and image pull secrets', () => {
  const pullSa = serviceAccount('builder', { imagePullSecrets: [{ name: 'regcred' }] });
  const runsAsBuilder = { serviceAccountName: 'builder', containers: [container('app')] };

  it("workload templates inherit the ServiceAccount's imagePullSecrets; pods carry the admission copy", () => {
    const cs = consumersOf(
      {
        serviceAccounts: [pullSa],
        workloads: [
          workload('Deployment', 'api', runsAsBuilder),
          workload('ReplicaSet', 'api-1', runsAsBuilder, { owner: ['Deployment', 'api'] }),
        ],
        pods: [
          pod(
            'api-1-a',
            { ...runsAsBuilder, imagePullSecrets: [{ name: 'regcred' }] },
            { owner: ['ReplicaSet', 'api-1'] },
          ),
        ],
      },
      'regcred',
    );
    expect(ids(cs)).toEqual(['Deployment/api', 'ServiceAccount/builder']);
    expect(cs[0]!.oldRevision).toBeUndefined();
    expect(cs[0]!.uses[0]).toMatchObject({ via: 'inheritedPullSecret', inheritedFrom: 'ServiceAccount/builder' });
    expect(cs[0]!.uses[0]!.update.verdict).toBe('next-use');
    expect(cs[1]!.uses[0]).toMatchObject({
      via: 'serviceAccountPullSecret',
      detail: 'imagePullSecrets (inherited by 1 workload)',
    });
  });

  it('does not inherit into pods that name their own pull secrets', () => {
    const cs = consumersOf(
      {
        serviceAccounts: [pullSa],
        workloads: [workload('Deployment', 'api', { ...runsAsBuilder, imagePullSecrets: [{ name: 'own' }] })],
      },
      'regcred',
    );
    expect(ids(cs)).toEqual(['ServiceAccount/builder']);
  });

  it('flags a pull secret shared by many workloads through one ServiceAccount', () => {
    const many = Array.from({ length: 5 }, (_, i) => workload('Deployment', `app-${i}`, runsAsBuilder));
    const cs = consumersOf({ serviceAccounts: [pullSa], workloads: many }, 'regcred');
    const sa = cs.find((c) => c.kind === 'ServiceAccount')!;
    expect(sa.uses[0]!.risks.map((r) => [r.id, r.severity])).toEqual([['shared-pull-secret', 'low']]);
  });

  it('ties a legacy token Secret to its ServiceAccount', () => {
    const token = facts('builder-token', ['token', 'ca.crt', 'namespace'], {
      type: 'kubernetes.io/service-account-token',
      metadata: { annotations: { 'kubernetes.io/service-account.name': 'builder' } },
    });
    const cs = consumersOf(
      { secrets: [token], serviceAccounts: [serviceAccount('builder', { secrets: [{ name: 'builder-token' }] })] },
      'builder-token',
    );
    expect(cs).toHaveLength(1);
    expect(cs[0]!.uses.map((u) => u.via)).toEqual(['serviceAccountSecret', 'serviceAccountToken']);
  });
});

describe('objects other than pods', () => {
  it('finds Ingress TLS, Gateway certificates across namespaces, StorageClass parameters and SecretProviderClass syncs', () => {
    const parts = inputs({
      secrets: [facts('tls', ['tls.crt', 'tls.key'], { type: 'kubernetes.io/tls' })],
      objects: [
        {
          kind: 'Ingress',
          metadata: { name: 'web', namespace: NS },
          spec: { tls: [{ hosts: ['a.example.com'], secretName: 'tls' }] },
        },
        {
          kind: 'Gateway',
          metadata: { name: 'gw', namespace: 'infra' },
          spec: { listeners: [{ name: 'https', tls: { certificateRefs: [{ name: 'tls', namespace: NS }] } }] },
        },
        {
          kind: 'StorageClass',
          metadata: { name: 'fast' },
          provisioner: 'x',
          parameters: {
            'csi.storage.k8s.io/node-stage-secret-name': 'tls',
            'csi.storage.k8s.io/node-stage-secret-namespace': NS,
          },
        },
        {
          kind: 'SecretProviderClass',
          metadata: { name: 'sync', namespace: NS },
          spec: { secretObjects: [{ secretName: 'tls', data: [{ objectName: 'cert', key: 'tls.crt' }] }] },
        },
      ],
    });
    const cs = analyzeExposure(parts, { namespace: NS, name: 'tls' }).consumers.get(`${NS}/tls`)!;
    expect(cs.map((c) => [c.kind, c.namespace, c.name, c.role, c.uses[0]!.via, c.uses[0]!.update.verdict])).toEqual([
      ['Gateway', 'infra', 'gw', 'consumes', 'gatewayCertificate', 'live'],
      ['Ingress', NS, 'web', 'consumes', 'ingressTLS', 'live'],
      ['SecretProviderClass', NS, 'sync', 'produces', 'secretProviderClassSync', 'none'],
      ['StorageClass', '', 'fast', 'consumes', 'storageClassParameter', 'next-use'],
    ]);
    const gw = cs.find((c) => c.kind === 'Gateway')!;
    expect(gw.uses[0]!.risks).toEqual([
      expect.objectContaining({
        id: 'cross-namespace',
        severity: 'low',
        reason: expect.stringContaining('ReferenceGrant'),
      }),
    ]);
    expect(cs.find((c) => c.kind === 'SecretProviderClass')!.uses[0]!.risks).toEqual([]);
  });

  it('resolves templated StorageClass parameters against the Secret asked about', () => {
    const sc = {
      kind: 'StorageClass' as const,
      metadata: { name: 'per-claim' },
      provisioner: 'x',
      parameters: { 'csi.storage.k8s.io/node-publish-secret-name': '${pvc.name}-creds' },
    };
    expect(ids(consumersOf({ objects: [sc] }, 'data-creds'))).toEqual(['StorageClass/per-claim']);
    expect(ids(consumersOf({ objects: [sc] }, 'creds'))).toEqual([]);
  });

  it('says which SecretProviderClass will create a missing Secret', () => {
    const cs = consumersOf({
      secrets: [],
      workloads: [workload('Deployment', 'busybox', usesDb)],
      objects: [
        {
          kind: 'SecretProviderClass',
          metadata: { name: 'azure-sync', namespace: NS },
          spec: { secretObjects: [{ secretName: 'db' }] },
        },
      ],
    });
    const missing = cs[0]!.uses[0]!.risks.find((r) => r.id === 'missing-secret')!;
    expect(missing).toMatchObject({
      severity: 'high',
      reason: expect.stringContaining('SecretProviderClass/azure-sync creates it'),
    });
  });
});
