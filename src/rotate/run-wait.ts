import { indexWorkloads, type PodLike } from '../consumers/rollup.js';
import { evaluateRollout, rolloutPods } from './health.js';
import type { ConsumerRecord } from './journal.js';
import type { RolloutObserver, RotationCluster } from './port.js';
import { isRolloutKind, workloadRef, type RolloutKind } from './types.js';

export interface WaitOptions {
  cluster: RotationCluster;
  clock: { now(): Date; sleep(ms: number): Promise<void> };
  timeoutMs: number;
  pollMs: number;
  /** Transient status text (spinner). */
  status(text: string): void;
  /** A consumer's rollout completed. */
  onDone(consumer: ConsumerRecord, message: string): void;
  /** Called once per poll (keeps the lock alive). */
  tick(): Promise<void>;
  /** When a consumer's template was changed (its step's time), if it was. */
  changedAt?: (consumer: ConsumerRecord) => Date | undefined;
}

/**
 * Follows the consumers' rollouts until all are complete, or until the first
 * fails the health gate (failing fast, so a rollback starts at once). Watched
 * when the cluster port can (one list and one watch per kind for the whole
 * wait), else polled: one list per kind and one of pods per poll, whatever
 * the number of consumers. Either way re-evaluated at least every `pollMs`.
 */
export async function waitForRollouts(
  consumers: readonly ConsumerRecord[],
  isNew: (consumer: ConsumerRecord, pod: PodLike) => boolean,
  opts: WaitOptions,
): Promise<{ failed?: { target: string; message: string } }> {
  const pending = new Map(consumers.map((c) => [workloadRef(c.kind, c.name), c]));
  const since = opts.clock.now();
  const kinds = [...new Set(consumers.map((c) => c.kind).filter(isRolloutKind))];
  const observer = opts.cluster.watchRollouts?.(kinds) ?? polling(opts, kinds);
  try {
    return await gate(pending, observer, since, isNew, opts);
  } finally {
    observer.close();
  }
}

/** Without watches: list everything every `pollMs`. */
function polling(opts: WaitOptions, kinds: readonly RolloutKind[]): RolloutObserver {
  let first = true;
  return {
    async next() {
      if (!first) await opts.clock.sleep(opts.pollMs);
      first = false;
      return opts.cluster.observe(kinds);
    },
    close() {},
  };
}

async function gate(
  pending: Map<string, ConsumerRecord>,
  observer: RolloutObserver,
  since: Date,
  isNew: (consumer: ConsumerRecord, pod: PodLike) => boolean,
  opts: WaitOptions,
): Promise<{ failed?: { target: string; message: string } }> {
  while (pending.size > 0) {
    const { workloads, pods } = await observer.next(opts.pollMs);
    const known = indexWorkloads(workloads);
    const now = opts.clock.now();
    let waitingOn = '';
    for (const [ref, c] of pending) {
      const workload = workloads.find((w) => w.kind === c.kind && w.metadata.name === c.name);
      const own = workload ? rolloutPods(workload, known, pods, (pod) => isNew(c, pod)) : [];
      const changedAt = opts.changedAt?.(c);
      const status = evaluateRollout({
        workload,
        pods: own,
        since,
        now,
        timeoutMs: opts.timeoutMs,
        ...(changedAt ? { changedAt } : {}),
      });
      if (status.phase === 'failed') return { failed: { target: ref, message: status.message } };
      if (status.phase === 'complete') {
        pending.delete(ref);
        opts.onDone(c, status.message);
      } else if (!waitingOn) {
        waitingOn = `${ref}: ${status.message}`;
      }
    }
    if (pending.size === 0) break;
    opts.status(`waiting for ${pending.size} rollout${pending.size > 1 ? 's' : ''}: ${waitingOn}`);
    await opts.tick();
  }
  return {};
}
