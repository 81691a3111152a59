import { describe, expect, it } from 'vitest';
import { indexWorkloads, type PodLike, type WorkloadLike } from '../../../src/consumers/rollup.js';
import {
  evaluateRollout,
  podProblems,
  rolloutPods,
  unhealthyNow,
  workloadRolloutStatus,
} from '../../../src/rotate/health.js';
import { pod, podSpec, workload } from './builders.js';

/** A pod of `app` whose container is in CrashLoopBackOff. */
function crashLooping(name: string, message?: string): PodLike {
  const p = pod(name, podSpec('db-v2'), undefined, false);
  const waiting = { reason: 'CrashLoopBackOff', ...(message ? { message } : {}) };
  p.status!.containerStatuses = [
    { name: 'app', image: 'x', imageID: '', ready: false, restartCount: 3, state: { waiting } },
  ];
  return p;
}

const since = new Date('2030-01-01T00:00:10Z');
const at = (seconds: number): Date => new Date(since.getTime() + seconds * 1000);

function withStatus(
  kind: string,
  status: Record<string, unknown>,
  spec: Record<string, unknown> = {},
  generation = 2,
): WorkloadLike {
  const w = workload(kind, 'w', podSpec('db-v2'), { spec: { replicas: 2, ...spec } });
  return { ...w, metadata: { ...w.metadata, generation }, status };
}

describe('workloadRolloutStatus (kubectl rollout status semantics)', () => {
  it('Deployment: waits for the controller, new replicas, old ones gone, availability', () => {
    const d = (s: Record<string, unknown>) => workloadRolloutStatus(withStatus('Deployment', s), since);
    expect(d({ observedGeneration: 1 })).toMatchObject({
      phase: 'progressing',
      message: 'waiting for the controller to see the change',
    });
    expect(d({ observedGeneration: 2, updatedReplicas: 1, replicas: 3 })).toMatchObject({
      phase: 'progressing',
      message: '1 of 2 new replicas have been updated',
    });
    expect(d({ observedGeneration: 2, updatedReplicas: 2, replicas: 3 })).toMatchObject({
      message: '1 old replicas are pending termination',
    });
    expect(d({ observedGeneration: 2, updatedReplicas: 2, replicas: 2, availableReplicas: 1 })).toMatchObject({
      message: '1 of 2 updated replicas are available',
    });
    expect(d({ observedGeneration: 2, updatedReplicas: 2, replicas: 2, availableReplicas: 2 })).toMatchObject({
      phase: 'complete',
    });
  });

  it('Deployment: ProgressDeadlineExceeded fails, unless it predates the change', () => {
    const cond = (time: string) => ({
      observedGeneration: 2,
      updatedReplicas: 1,
      replicas: 3,
      conditions: [
        {
          type: 'Progressing',
          status: 'False',
          reason: 'ProgressDeadlineExceeded',
          message: 'ReplicaSet "w-1" has timed out progressing.',
          lastUpdateTime: time,
        },
      ],
    });
    expect(workloadRolloutStatus(withStatus('Deployment', cond('2030-01-01T00:00:30Z')), since)).toEqual({
      phase: 'failed',
      message: 'ReplicaSet "w-1" has timed out progressing.',
    });
    expect(workloadRolloutStatus(withStatus('Deployment', cond('2030-01-01T00:00:05Z')), since).phase).toBe(
      'progressing',
    );
  });

  it('Deployment: a ProgressDeadlineExceeded stamped in the second the change was made is the rollout before it', () => {
    // Seen in e2e: a rollback repointed a Deployment in the very second its forward rollout timed out.
    const midSecond = new Date('2030-01-01T00:00:10.400Z');
    const cond = (time: string) =>
      withStatus('Deployment', {
        observedGeneration: 2,
        updatedReplicas: 1,
        replicas: 3,
        conditions: [{ type: 'Progressing', reason: 'ProgressDeadlineExceeded', lastUpdateTime: time }],
      });
    expect(workloadRolloutStatus(cond('2030-01-01T00:00:10Z'), midSecond).phase).toBe('progressing');
    expect(workloadRolloutStatus(cond('2030-01-01T00:00:11Z'), midSecond).phase).toBe('failed');
  });

  it('the health gate judges a deadline against when the change was made, not when the wait began', () => {
    // Restarted at 10.2 s with progressDeadlineSeconds 1; the wait began at 11.3 s (after a batch of others).
    const timedOut = withStatus('Deployment', {
      observedGeneration: 2,
      updatedReplicas: 1,
      replicas: 3,
      conditions: [{ type: 'Progressing', reason: 'ProgressDeadlineExceeded', lastUpdateTime: '2030-01-01T00:00:11Z' }],
    });
    const check = {
      workload: timedOut,
      pods: [],
      since: new Date('2030-01-01T00:00:11.300Z'),
      now: new Date('2030-01-01T00:00:12Z'),
      timeoutMs: 60_000,
    };
    expect(evaluateRollout({ ...check, changedAt: new Date('2030-01-01T00:00:10.200Z') }).phase).toBe('failed');
  });

  it('StatefulSet: ready replicas, then the update revision becomes current', () => {
    const s = (st: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
      workloadRolloutStatus(withStatus('StatefulSet', st, spec), since);
    expect(s({ observedGeneration: 2, readyReplicas: 1 })).toMatchObject({ message: '1 of 2 pods are ready' });
    expect(
      s({ observedGeneration: 2, readyReplicas: 2, updatedReplicas: 1, currentRevision: 'a', updateRevision: 'b' }),
    ).toMatchObject({ message: '1 of 2 pods at the new revision' });
    expect(
      s({ observedGeneration: 2, readyReplicas: 2, updatedReplicas: 2, currentRevision: 'b', updateRevision: 'b' })
        .phase,
    ).toBe('complete');
    expect(
      s(
        { observedGeneration: 2, readyReplicas: 2, updatedReplicas: 1, currentRevision: 'a', updateRevision: 'b' },
        { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } },
      ).phase,
    ).toBe('complete');
    // The pods below the partition still run the old template: said, not hidden behind "complete".
    expect(
      s(
        { observedGeneration: 2, readyReplicas: 3, updatedReplicas: 1, currentRevision: 'a', updateRevision: 'b' },
        { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } },
      ),
    ).toMatchObject({
      phase: 'complete',
      message: 'partitioned rollout complete: 1 of 3 pods updated; 2 below partition 2 keep the old template',
    });
  });

  it('DaemonSet: updated and available on every node; CronJob: no rollout', () => {
    const ds = (st: Record<string, unknown>) => workloadRolloutStatus(withStatus('DaemonSet', st), since);
    expect(ds({ observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 2 })).toMatchObject({
      message: '2 of 3 updated pods scheduled',
    });
    expect(
      ds({ observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 }),
    ).toMatchObject({ message: '2 of 3 updated pods are available' });
    expect(
      ds({ observedGeneration: 2, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 }).phase,
    ).toBe('complete');
    expect(workloadRolloutStatus(withStatus('CronJob', {}), since).phase).toBe('complete');
  });
});

describe('health gate', () => {
  const progressing = withStatus('Deployment', {
    observedGeneration: 2,
    updatedReplicas: 2,
    replicas: 2,
    availableReplicas: 1,
  });

  it('fails at once on a crash loop or a config error, naming pod, container and reason', () => {
    const p = crashLooping('w-1', 'back-off 40s restarting failed container');
    expect(evaluateRollout({ workload: progressing, pods: [p], since, now: at(1), timeoutMs: 60_000 })).toEqual({
      phase: 'failed',
      message:
        '1 of 2 updated replicas are available; pod w-1: container app CrashLoopBackOff (back-off 40s restarting failed container)',
    });
  });

  it('fails NotReady pods only after the timeout', () => {
    const p = pod('w-1', podSpec('db-v2'), undefined, false);
    expect(evaluateRollout({ workload: progressing, pods: [p], since, now: at(5), timeoutMs: 20_000 }).phase).toBe(
      'progressing',
    );
    expect(evaluateRollout({ workload: progressing, pods: [p], since, now: at(20), timeoutMs: 20_000 })).toEqual({
      phase: 'failed',
      message:
        'not complete after 20s: 1 of 2 updated replicas are available; pod w-1: Running, not ready (ContainersNotReady)',
    });
  });

  it('names why no new pod could be created (a ReplicaFailure condition, such as a quota), there being no pod to name', () => {
    const quota =
      'pods "w-7d9c-x2x" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=4, limited: pods=4';
    const stuck = withStatus('Deployment', {
      observedGeneration: 2,
      updatedReplicas: 0,
      replicas: 2,
      availableReplicas: 2,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
        { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: quota },
      ],
    });
    expect(evaluateRollout({ workload: stuck, pods: [], since, now: at(20), timeoutMs: 20_000 })).toEqual({
      phase: 'failed',
      message: `not complete after 20s: 0 of 2 new replicas have been updated (FailedCreate: ${quota})`,
    });
  });

  it('fails when the workload disappears', () => {
    expect(evaluateRollout({ workload: undefined, pods: [], since, now: at(1), timeoutMs: 1000 }).phase).toBe('failed');
  });

  it('describes unscheduled pods and ignores terminating ones', () => {
    const pending = pod('w-2', podSpec('db-v2'), undefined, false);
    pending.status = {
      phase: 'Pending',
      conditions: [
        { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/2 nodes are available' },
      ],
    };
    const leaving = pod('w-3', podSpec('db-v2'), undefined, false);
    leaving.metadata.deletionTimestamp = new Date();
    expect(podProblems([pending, leaving])).toEqual({
      fatal: [],
      notReady: ['pod w-2: not scheduled (Unschedulable: 0/2 nodes are available)'],
    });
  });

  it("finds a Deployment's pods through its ReplicaSets", () => {
    const deploy = workload('Deployment', 'api', podSpec('db-v2'));
    const rs = workload('ReplicaSet', 'api-1', podSpec('db-v2'), {
      meta: {
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', uid: 'u', controller: true }],
      },
    });
    const mine = pod('api-1-a', podSpec('db-v2'), { kind: 'ReplicaSet', name: 'api-1' });
    const old = pod('api-0-a', podSpec('db'), { kind: 'ReplicaSet', name: 'api-1' });
    const other = pod('web-1-a', podSpec('db-v2'), { kind: 'ReplicaSet', name: 'web-1' });
    const found = rolloutPods(
      deploy,
      indexWorkloads([deploy, rs]),
      [mine, old, other],
      (p) => p.spec?.containers[0]?.env?.[0]?.valueFrom?.secretKeyRef?.name === 'db-v2',
    );
    expect(found.map((p) => p.metadata.name)).toEqual(['api-1-a']);
  });
});

describe('unhealthyNow (before the rotation)', () => {
  const deploy = (status: Record<string, unknown>, generation = 2) => withStatus('Deployment', status, {}, generation);

  it('counts what the health gate counts: available replicas against the wanted ones', () => {
    expect(unhealthyNow(deploy({ observedGeneration: 2, replicas: 2, availableReplicas: 0 }), [])).toBe('0/2 ready');
    expect(unhealthyNow(deploy({ observedGeneration: 2, replicas: 2, availableReplicas: 1 }), [])).toBe('1/2 ready');
    expect(unhealthyNow(deploy({ observedGeneration: 2, replicas: 2, availableReplicas: 2 }), [])).toBeUndefined();
    expect(unhealthyNow(withStatus('StatefulSet', { observedGeneration: 2, readyReplicas: 1 }), [])).toBe('1/2 ready');
    expect(
      unhealthyNow(
        withStatus('DaemonSet', { observedGeneration: 2, desiredNumberScheduled: 3, numberAvailable: 3 }),
        [],
      ),
    ).toBeUndefined();
  });

  it('does not judge a workload its controller has not seen yet, nor a CronJob', () => {
    expect(unhealthyNow(deploy({}), [])).toBeUndefined();
    expect(unhealthyNow(deploy({ observedGeneration: 1, availableReplicas: 0 }), [])).toBeUndefined();
    expect(unhealthyNow(withStatus('CronJob', { observedGeneration: 2 }), [])).toBeUndefined();
  });

  it('a rollout that already failed, or a pod that does not heal, even with every replica available', () => {
    const stuck = deploy({
      observedGeneration: 2,
      replicas: 3,
      updatedReplicas: 1,
      availableReplicas: 2,
      conditions: [
        {
          type: 'Progressing',
          reason: 'ProgressDeadlineExceeded',
          message: 'ReplicaSet "w-2" has timed out progressing.',
          lastUpdateTime: '2020-01-01T00:00:00Z',
        },
      ],
    });
    expect(unhealthyNow(stuck, [])).toBe('2/2 ready; ReplicaSet "w-2" has timed out progressing.');
    const crashing = crashLooping('w-2-a');
    expect(unhealthyNow(deploy({ observedGeneration: 2, replicas: 3, availableReplicas: 2 }), [crashing])).toBe(
      '2/2 ready; pod w-2-a: container app CrashLoopBackOff',
    );
  });
});
