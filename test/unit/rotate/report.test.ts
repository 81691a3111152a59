import { describe, expect, it } from 'vitest';
import type { Journal } from '../../../src/rotate/journal.js';
import { newJournal, transition } from '../../../src/rotate/lifecycle.js';
import type { Plan } from '../../../src/rotate/plan.js';
import { outcomeLine, resultOf, rotationRows, summaryOf } from '../../../src/rotate/report.js';
import { secretsInUse, secretUsers } from '../../../src/rotate/usage.js';
import { pod, podSpec, workload } from './builders.js';

const now = new Date('2030-01-01T00:00:00Z');
const plan: Plan = {
  namespace: 'shop',
  logical: 'db',
  mode: 'blue-green',
  from: 'db',
  to: 'db-v2',
  consumers: [{ kind: 'Deployment', name: 'api', uses: ['env'], action: 'repoint', wait: true }],
  unrotatable: [{ kind: 'Pod', name: 'debug', uses: ['envFrom'], reason: 'bare pod' }],
  problems: [],
  unhealthy: [],
};
const keys = { added: [], changed: ['password'], unchanged: [], carried: [], removed: [] };
const stepDone = (j: Journal, n: number): Journal => transition(j, { type: 'step-done', n }, now);
const journal = (): Journal =>
  newJournal(plan, { id: 'r1', holder: 'h', now, keep: 2, timeoutSeconds: 60, keys, version: 2 });

describe('rotation report', () => {
  it('rows: planned consumers and skipped ones for a plan', () => {
    expect(rotationRows(undefined, plan)).toEqual([
      {
        kind: 'Deployment',
        name: 'api',
        uses: ['env'],
        action: 'repoint',
        state: 'planned',
        message: 'waits for its rollout',
      },
      { kind: 'Pod', name: 'debug', uses: ['envFrom'], action: 'skip', state: 'skipped', message: 'bare pod' },
    ]);
  });

  it('marks the consumer that failed the gate, even once reverted', () => {
    let j = stepDone(stepDone(journal(), 1), 2);
    j = transition(j, { type: 'step-failed', n: 3, message: 'timed out', target: 'Deployment/api' }, now);
    j = transition(j, { type: 'roll-back', failure: { target: 'Deployment/api', message: 'timed out' } }, now);
    expect(rotationRows(j, undefined)[0]).toMatchObject({ state: 'failed', message: 'timed out' });
    expect(resultOf(j)).toBe('failed');
  });

  it('says that a consumer left in place still has the old values', () => {
    let j: Journal = { ...journal(), mode: 'in-place', to: 'db' };
    for (const s of j.steps) j = stepDone(j, s.n);
    expect(outcomeLine(j, plan)).toBe(
      'rotated db in place (1 consumer restarted; 1 not rotated automatically, may still use the old values: see SKIP rows)',
    );
  });

  it('names the cluster and identity to resume with', () => {
    let j = stepDone(stepDone(journal(), 1), 2);
    j = transition(j, { type: 'step-failed', n: 3, message: 'timed out', target: 'Deployment/api' }, now);
    j = transition(j, { type: 'roll-back', failure: { target: 'Deployment/api', message: 'timed out' } }, now);
    expect(outcomeLine(j, plan, ['--context', 'prod'])).toContain(
      `"kubectl secrets rotate db -n ${j.namespace} --resume --context prod"`,
    );
  });

  it('summarises the outcome in one line', () => {
    let j = journal();
    for (const s of j.steps) j = stepDone(j, s.n);
    expect(outcomeLine(j, plan)).toBe(
      'rotated db: db → db-v2 (1 consumer switched; 1 not rotated automatically, still on the old values: see SKIP rows)',
    );
    expect(summaryOf(j, false)).toMatchObject({
      result: 'rotated',
      from: 'db',
      to: 'db-v2',
      keys,
      steps: expect.arrayContaining([{ n: 1, action: 'create-version', status: 'done' }]),
    });
    expect(summaryOf(journal(), true)).not.toHaveProperty('steps');
  });
});

describe('secretsInUse', () => {
  it('counts pods, templates and other objects, not ReplicaSets a Deployment scaled to zero', () => {
    const oldRs = workload('ReplicaSet', 'api-old', podSpec('db-v1'), {
      meta: {
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', uid: 'u', controller: true }],
      },
      spec: { replicas: 0 },
    });
    const used = secretsInUse(
      {
        workloads: [
          workload('Deployment', 'api', podSpec('db-v2')),
          oldRs,
          workload('CronJob', 'backup', podSpec('db-v0', 'envFrom')),
        ],
        pods: [pod('debug', podSpec('db-legacy', 'pull'))],
        objects: [
          {
            kind: 'Ingress',
            metadata: { name: 'web', namespace: 'shop' },
            spec: { tls: [{ secretName: 'tls-db' }] },
          } as never,
        ],
      },
      'shop',
    );
    expect([...used].sort()).toEqual(['db-legacy', 'db-v0', 'db-v2', 'tls-db']);
  });

  it('counts StorageClasses and Gateways naming a Secret of this namespace, templates matched against the candidates', () => {
    const objects = [
      {
        kind: 'StorageClass',
        metadata: { name: 'fast' },
        parameters: {
          'csi.storage.k8s.io/provisioner-secret-name': 'c',
          'csi.storage.k8s.io/provisioner-secret-namespace': 'shop',
        },
      },
      {
        kind: 'StorageClass',
        metadata: { name: 'other' },
        parameters: {
          'csi.storage.k8s.io/provisioner-secret-name': 'd',
          'csi.storage.k8s.io/provisioner-secret-namespace': 'elsewhere',
        },
      },
      {
        kind: 'StorageClass',
        metadata: { name: 'per-claim' },
        parameters: { 'csi.storage.k8s.io/node-stage-secret-name': '${pvc.name}-v1' },
      },
      {
        kind: 'Gateway',
        metadata: { name: 'gw', namespace: 'edge' },
        spec: { listeners: [{ name: 'https', tls: { certificateRefs: [{ name: 'tls', namespace: 'shop' }] } }] },
      },
    ] as never[];
    const users = secretUsers({ workloads: [], pods: [], objects }, 'shop', ['c', 'd', 'data-v1', 'tls']);
    expect(Object.fromEntries(users)).toEqual({
      c: ['StorageClass/fast'],
      'data-v1': ['StorageClass/per-claim'],
      tls: ['Gateway/gw'],
    });
  });
});
