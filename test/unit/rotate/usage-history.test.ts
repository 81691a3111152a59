// Which versions the retained revision history of workloads names: the
// ReplicaSets a Deployment scaled to zero and the ControllerRevisions of
// StatefulSets and DaemonSets, within each owner's revisionHistoryLimit.
import { describe, expect, it } from 'vitest';
import type { WorkloadLike } from '../../../src/consumers/rollup.js';
import { describeHistoryUse, secretHistory, secretUsers, undoReason } from '../../../src/rotate/usage.js';
import { NS, podSpec, workload } from './builders.js';

const owned = (kind: string, name: string) => ({
  ownerReferences: [{ apiVersion: 'apps/v1', kind, name, uid: `uid-${kind}-${name}`, controller: true }],
});

function replicaSet(deployment: string, revision: number, secret: string, replicas = 0): WorkloadLike {
  return workload('ReplicaSet', `${deployment}-r${revision}`, podSpec(secret, 'volume'), {
    meta: {
      ...owned('Deployment', deployment),
      annotations: { 'deployment.kubernetes.io/revision': String(revision) },
    },
    spec: { replicas },
  });
}

function controllerRevision(kind: string, owner: string, revision: number, secret: string): WorkloadLike {
  return {
    kind: 'ControllerRevision',
    metadata: { name: `${owner}-c${revision}`, namespace: NS, ...owned(kind, owner) },
    data: { spec: { template: { $patch: 'replace', spec: podSpec(secret, 'envFrom') } } },
    revision,
  } as WorkloadLike;
}

const deployment = (name: string, secret: string, revision: number, limit?: number): WorkloadLike =>
  workload('Deployment', name, podSpec(secret, 'volume'), {
    meta: { annotations: { 'deployment.kubernetes.io/revision': String(revision) } },
    spec: limit === undefined ? {} : { revisionHistoryLimit: limit },
  });

const described = (m: Map<string, ReturnType<typeof secretHistory> extends Map<string, infer V> ? V : never>) =>
  Object.fromEntries([...m].map(([k, v]) => [k, v.map(describeHistoryUse)]));

describe('secretHistory', () => {
  it("names the versions a Deployment's old ReplicaSets use, not the current one's", () => {
    const workloads = [deployment('web', 'db-v2', 2), replicaSet('web', 1, 'db'), replicaSet('web', 2, 'db-v2', 1)];
    expect(described(secretHistory({ workloads }, NS))).toEqual({
      db: ['ReplicaSet web-r1 (revision 1 of Deployment web)'],
    });
    // The live users are what they were: history is no user.
    expect([...secretUsers({ workloads, pods: [], objects: [] }, NS).keys()]).toEqual(['db-v2']);
  });

  it('a Deployment scaled to zero: its current ReplicaSet is no history', () => {
    const workloads = [deployment('web', 'db-v2', 2), replicaSet('web', 1, 'db'), replicaSet('web', 2, 'db-v2', 0)];
    expect([...secretHistory({ workloads }, NS).keys()]).toEqual(['db']);
  });

  it('counts only the newest revisionHistoryLimit old revisions (the controller deletes the rest)', () => {
    const workloads = [
      deployment('web', 'db-v4', 4, 2),
      replicaSet('web', 1, 'db'),
      replicaSet('web', 2, 'db-v2'),
      replicaSet('web', 3, 'db-v3'),
    ];
    expect([...secretHistory({ workloads }, NS).keys()].sort()).toEqual(['db-v2', 'db-v3']);
    expect(secretHistory({ workloads: [deployment('web', 'db-v2', 2, 0), replicaSet('web', 1, 'db')] }, NS).size).toBe(
      0,
    );
  });

  it('keeps every old revision of an owner it does not know (another tool, or not listed)', () => {
    const workloads = [replicaSet('gone', 1, 'db'), replicaSet('gone', 2, 'db-v2')];
    expect([...secretHistory({ workloads }, NS).keys()].sort()).toEqual(['db', 'db-v2']);
  });

  it('names the versions ControllerRevisions of StatefulSets and DaemonSets use, the current one counted in the limit', () => {
    const revisions = [
      controllerRevision('StatefulSet', 'pg', 1, 'db'),
      controllerRevision('StatefulSet', 'pg', 2, 'db-v2'),
      controllerRevision('DaemonSet', 'agent', 1, 'beyond-limit'),
      controllerRevision('DaemonSet', 'agent', 2, 'within-limit'),
      controllerRevision('DaemonSet', 'agent', 3, 'db-v2'),
    ];
    const workloads = [
      workload('StatefulSet', 'pg', podSpec('db-v2', 'envFrom')),
      workload('DaemonSet', 'agent', podSpec('db-v2', 'envFrom'), { spec: { revisionHistoryLimit: 1 } }),
    ];
    const found = described(secretHistory({ workloads, revisions }, NS));
    expect(found).toEqual({
      db: ['ControllerRevision pg-c1 (revision 1 of StatefulSet pg)'],
      'db-v2': [
        'ControllerRevision pg-c2 (revision 2 of StatefulSet pg)',
        'ControllerRevision agent-c3 (revision 3 of DaemonSet agent)',
      ],
      'within-limit': ['ControllerRevision agent-c2 (revision 2 of DaemonSet agent)'],
    });
  });
});

describe('undoReason', () => {
  it('names the first three old revisions, then how many more', () => {
    expect(undoReason(['ReplicaSet a (revision 1 of Deployment a)'])).toBe(
      'ReplicaSet a (revision 1 of Deployment a) references it; `kubectl rollout undo` would need it',
    );
    expect(undoReason(['w', 'x', 'y', 'z', 'zz'])).toBe(
      'w, x, y and 2 more reference it; `kubectl rollout undo` would need it',
    );
  });
});

describe('secretUsers', () => {
  it('names each Secret’s users in name order, whatever order the scan lists them in (pods have random names)', () => {
    const workloads = [deployment('web', 'db', 1), deployment('api', 'db', 1), deployment('cron', 'db', 1)];
    expect(secretUsers({ workloads, pods: [], objects: [] }, NS).get('db')).toEqual([
      'Deployment/api',
      'Deployment/cron',
      'Deployment/web',
    ]);
  });
});
