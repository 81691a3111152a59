import { describe, expect, it } from 'vitest';
import { planRotation, type PlanInput } from '../../../src/rotate/plan.js';
import type { ReferencingObject } from '../../../src/consumers/object-refs.js';
import { NS, pod, podSpec, workload } from './builders.js';

const base = (over: Partial<PlanInput>): PlanInput => ({
  namespace: NS,
  logical: 'db',
  mode: 'blue-green',
  from: 'db',
  to: 'db-v2',
  workloads: [],
  pods: [],
  force: false,
  restartAll: false,
  ...over,
});

describe('planRotation, blue/green', () => {
  it('repoints every kind of rollout consumer, waiting on all but CronJobs', () => {
    const plan = planRotation(
      base({
        workloads: [
          workload('Deployment', 'api', podSpec('db', 'env')),
          workload('StatefulSet', 'pg', podSpec('db', 'projected')),
          workload('DaemonSet', 'agent', podSpec('db', 'pull')),
          workload('CronJob', 'backup', podSpec('db', 'envFrom')),
          workload('Deployment', 'unrelated', podSpec('other', 'env')),
        ],
      }),
    );
    expect(plan.consumers).toEqual([
      { kind: 'Deployment', name: 'api', uses: ['env'], action: 'repoint', wait: true },
      { kind: 'StatefulSet', name: 'pg', uses: ['projected'], action: 'repoint', wait: true },
      { kind: 'DaemonSet', name: 'agent', uses: ['imagePullSecret'], action: 'repoint', wait: true },
      { kind: 'CronJob', name: 'backup', uses: ['envFrom'], action: 'repoint', wait: false },
    ]);
    expect(plan.unrotatable).toEqual([]);
    expect(plan.problems).toEqual([]);
  });

  it('lists what it cannot switch: bare pods, foreign owners, Jobs, OnDelete, paused, managed', () => {
    const plan = planRotation(
      base({
        workloads: [
          workload('Deployment', 'helm-api', podSpec('db'), {
            meta: {
              labels: { 'app.kubernetes.io/managed-by': 'Helm' },
              annotations: { 'meta.helm.sh/release-name': 'shop' },
            },
          }),
          workload('Deployment', 'argo-api', podSpec('db'), {
            meta: { labels: { 'argocd.argoproj.io/instance': 'shop' } },
          }),
          workload('Deployment', 'paused', podSpec('db'), { spec: { paused: true } }),
          workload('StatefulSet', 'manual', podSpec('db'), { spec: { updateStrategy: { type: 'OnDelete' } } }),
          workload('Job', 'migrate', podSpec('db')),
          workload('ReplicaSet', 'bare-rs', podSpec('db')),
        ],
        pods: [
          pod('debug', podSpec('db', 'envFrom')),
          pod('rollout-x', podSpec('db'), { kind: 'Rollout', name: 'canary' }),
          pod('rollout-y', podSpec('db'), { kind: 'Rollout', name: 'canary' }),
        ],
      }),
    );
    expect(plan.consumers).toEqual([]);
    const rows = plan.unrotatable.map((u) => `${u.kind}/${u.name}: ${u.reason}`);
    expect(rows).toEqual([
      expect.stringMatching(/^Deployment\/argo-api: managed by Argo CD: change the Secret name in Git/),
      expect.stringMatching(/^Deployment\/helm-api: managed by Helm \(release shop\): point the chart's values/),
      expect.stringMatching(/^Deployment\/paused: the Deployment is paused/),
      expect.stringMatching(/^StatefulSet\/manual: updateStrategy OnDelete/),
      expect.stringMatching(/^Job\/migrate: a Job's pod template cannot change/),
      expect.stringMatching(/^ReplicaSet\/bare-rs: changing a ReplicaSet's template replaces no pods/),
      expect.stringMatching(/^Pod\/debug: bare pod: a pod spec cannot be repointed; recreate it with db-v2/),
      expect.stringMatching(/^Rollout\/canary: owns pods that use db/),
    ]);
    expect(plan.unrotatable.find((u) => u.name === 'debug')?.uses).toEqual(['envFrom']);
  });

  it('repoints managed workloads with --force', () => {
    const plan = planRotation(
      base({
        force: true,
        workloads: [
          workload('Deployment', 'helm-api', podSpec('db'), {
            meta: { annotations: { 'meta.helm.sh/release-name': 'shop' } },
          }),
        ],
      }),
    );
    expect(plan.consumers.map((c) => c.name)).toEqual(['helm-api']);
  });

  it('leaves owned ReplicaSets, Jobs and pods to their owner', () => {
    const deploy = workload('Deployment', 'api', podSpec('db'));
    const rs = workload('ReplicaSet', 'api-abc', podSpec('db'), {
      meta: {
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', uid: 'u', controller: true }],
      },
    });
    const cron = workload('CronJob', 'backup', podSpec('db'));
    const job = workload('Job', 'backup-1', podSpec('db'), {
      meta: {
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'backup', uid: 'u', controller: true }],
      },
    });
    const plan = planRotation(
      base({
        workloads: [deploy, rs, cron, job],
        pods: [pod('api-abc-1', podSpec('db'), { kind: 'ReplicaSet', name: 'api-abc' })],
      }),
    );
    expect(plan.consumers.map((c) => `${c.kind}/${c.name}`)).toEqual(['Deployment/api', 'CronJob/backup']);
    expect(plan.unrotatable).toEqual([]);
  });

  it('switches ServiceAccounts, Ingresses and Gateways of the namespace; keeps StorageClasses and says why', () => {
    const objects = [
      {
        kind: 'Ingress',
        metadata: { name: 'web', namespace: NS },
        spec: { tls: [{ hosts: ['a.example'], secretName: 'db' }] },
      },
      { kind: 'ServiceAccount', metadata: { name: 'puller', namespace: NS }, imagePullSecrets: [{ name: 'db' }] },
      {
        kind: 'Gateway',
        metadata: { name: 'edge', namespace: 'other' },
        spec: { listeners: [{ name: 'https', tls: { certificateRefs: [{ name: 'db', namespace: NS }] } }] },
      },
      {
        kind: 'StorageClass',
        metadata: { name: 'fast' },
        parameters: {
          'csi.storage.k8s.io/provisioner-secret-name': 'db',
          'csi.storage.k8s.io/provisioner-secret-namespace': NS,
        },
      },
    ] as ReferencingObject[];
    const plan = planRotation(base({ objects }));
    expect(plan.consumers).toEqual([
      { kind: 'ServiceAccount', name: 'puller', uses: ['serviceAccountPullSecret'], action: 'repoint', wait: false },
      { kind: 'Ingress', name: 'web', uses: ['ingressTLS'], action: 'repoint', wait: false },
    ]);
    expect(plan.unrotatable).toEqual([
      {
        kind: 'Gateway',
        name: 'edge',
        uses: ['gatewayCertificate'],
        reason: 'names db in namespace other (listener https): point it at db-v2 by hand',
      },
      {
        kind: 'StorageClass',
        name: 'fast',
        uses: ['storageClassParameter'],
        reason:
          'StorageClass parameters cannot change: it keeps db (provisioner), which is kept while it names it; create a StorageClass that names db-v2 for new volumes',
      },
    ]);
    const inPlace = planRotation(base({ objects, mode: 'in-place', to: 'db' }));
    expect(inPlace.consumers.map((c) => `${c.kind}/${c.name} ${c.action}`)).toEqual([
      'ServiceAccount/puller none',
      'Ingress/web none',
      'Gateway/edge none',
      'StorageClass/fast none',
    ]);
  });

  it('refuses when a consumer reads a key the new data lacks (unless optional)', () => {
    const optional = podSpec('db', 'env', 'gone');
    optional.containers[0]!.env![0]!.valueFrom!.secretKeyRef!.optional = true;
    const plan = planRotation(
      base({
        newKeys: new Set(['password']),
        workloads: [
          workload('Deployment', 'api', podSpec('db', 'env', 'user')),
          workload('Deployment', 'opt', optional),
        ],
      }),
    );
    expect(plan.problems).toEqual([
      'Deployment/api: env PW (container app) reads key "user", which the new data lacks',
    ]);
  });
});

describe('planRotation, in place', () => {
  it('restarts env, envFrom and subPath consumers, waits on file mounts, leaves CronJobs to their next run', () => {
    const plan = planRotation(
      base({
        mode: 'in-place',
        to: 'db',
        workloads: [
          workload('Deployment', 'env', podSpec('db', 'env')),
          workload('Deployment', 'files', podSpec('db', 'volume')),
          workload('StatefulSet', 'sub', podSpec('db', 'subPath')),
          workload('CronJob', 'backup', podSpec('db', 'env')),
          workload('Deployment', 'helm', podSpec('db', 'env'), {
            meta: { labels: { 'app.kubernetes.io/managed-by': 'Helm' } },
          }),
        ],
        pods: [pod('mounts', podSpec('db', 'volume')), pod('loads', podSpec('db', 'env'))],
      }),
    );
    expect(plan.consumers.map((c) => [c.name, c.action, c.wait])).toEqual([
      ['env', 'restart', true],
      ['files', 'wait', true],
      ['helm', 'restart', true],
      ['sub', 'restart', true],
      ['backup', 'none', false],
    ]);
    expect(plan.unrotatable.map((u) => `${u.kind}/${u.name}`)).toEqual(['Pod/loads']);
  });

  it('restarts file-mount consumers too with --restart-all', () => {
    const plan = planRotation(
      base({
        mode: 'in-place',
        to: 'db',
        restartAll: true,
        workloads: [workload('Deployment', 'files', podSpec('db', 'volume'))],
      }),
    );
    expect(plan.consumers[0]?.action).toBe('restart');
  });
});

describe('planRotation, a consumer not healthy now', () => {
  const sick = (name: string, how: 'env' | 'volume' = 'env') => {
    const w = workload('Deployment', name, podSpec('db', how), { spec: { replicas: 2 } });
    return { ...w, status: { observedGeneration: 1, replicas: 2, availableReplicas: 0 } };
  };
  const healthy = {
    ...workload('Deployment', 'api', podSpec('db')),
    status: { observedGeneration: 1, availableReplicas: 1 },
  };

  it('is refused by default, and only rollouts that are waited for are judged', () => {
    const plan = planRotation(
      base({ workloads: [healthy, sick('web'), workload('CronJob', 'backup', podSpec('db'))] }),
    );
    expect(plan.unhealthy).toEqual([{ kind: 'Deployment', name: 'web', why: '0/2 ready' }]);
    expect(plan.consumers.map((c) => c.name)).toEqual(['api', 'web', 'backup']);
  });

  it('--skip-unhealthy lists it NOT ROTATED, saying what it keeps', () => {
    const plan = planRotation(base({ workloads: [healthy, sick('web')], unhealthy: 'skip' }));
    expect(plan.unhealthy).toEqual([]);
    expect(plan.consumers.map((c) => c.name)).toEqual(['api']);
    expect(plan.unrotatable).toEqual([
      {
        kind: 'Deployment',
        name: 'web',
        uses: ['env'],
        reason:
          'not healthy now (0/2 ready): left on the old version (--skip-unhealthy); rotate again once it is healthy',
      },
    ]);
    const inPlace = planRotation(
      base({ workloads: [sick('web'), sick('files', 'volume')], unhealthy: 'skip', mode: 'in-place', to: 'db' }),
    );
    expect(inPlace.unrotatable.map((u) => u.reason)).toEqual([
      'not healthy now (0/2 ready): not waited for: its mounted files get the new values (--skip-unhealthy); rotate again once it is healthy',
      'not healthy now (0/2 ready): not restarted: it keeps the old value it loaded at start (--skip-unhealthy); rotate again once it is healthy',
    ]);
  });

  it('--rotate-unhealthy plans it with why, for its rollback', () => {
    const plan = planRotation(base({ workloads: [sick('web')], unhealthy: 'rotate' }));
    expect(plan.unhealthy).toEqual([]);
    expect(plan.consumers).toEqual([
      { kind: 'Deployment', name: 'web', uses: ['env'], action: 'repoint', wait: true, unhealthy: '0/2 ready' },
    ]);
  });
});
