import { secretNamesOfPodSpec } from '../consumers/pod-refs.js';
import { objectRefMatches, secretRefsOfObject } from '../consumers/object-refs.js';
import { podSpecOf } from '../consumers/workloads.js';
import {
  controllerOf,
  indexWorkloads,
  objectKey,
  topOwner,
  type PodLike,
  type WorkloadLike,
} from '../consumers/rollup.js';
import type { ConsumerScan } from './port.js';

type Scan = Pick<ConsumerScan, 'workloads' | 'pods' | 'objects'>;

/** A ReplicaSet its owner scaled to zero: an old revision, kept as history. */
const isOldReplicaSet = (w: WorkloadLike): boolean =>
  w.kind === 'ReplicaSet' &&
  (w.metadata.ownerReferences ?? []).length > 0 &&
  Number((w.spec as { replicas?: number } | undefined)?.replicas ?? 1) === 0;

/**
 * Who still names each Secret of `namespace` (`Kind/name`, cluster-scoped
 * objects such as StorageClasses included): pods, workload templates,
 * ServiceAccounts, Ingresses, Gateways, StorageClasses, SecretProviderClasses.
 * Templated references (StorageClass `${pvc.name}`) are matched against
 * `candidates`. A Deployment's ReplicaSets scaled to zero are history, not
 * users: `secretHistory` says which versions they keep.
 */
export function secretUsers(scan: Scan, namespace: string, candidates: readonly string[] = []): Map<string, string[]> {
  const users = new Map<string, string[]>();
  const add = (secret: string, who: string): void => {
    const list = users.get(secret) ?? [];
    if (!list.includes(who)) list.push(who);
    users.set(secret, list);
  };
  // Pods and ReplicaSets are named by their top owner: what a human would edit.
  const known = indexWorkloads(scan.workloads);
  const nameOf = (o: { kind: string; metadata: PodLike['metadata'] }): string => {
    const { owner } = topOwner(o, known);
    return `${owner.kind}/${owner.name}`;
  };
  for (const pod of scan.pods) for (const n of secretNamesOfPodSpec(pod.spec)) add(n, nameOf(pod));
  for (const w of scan.workloads) {
    if (isOldReplicaSet(w)) continue;
    for (const n of secretNamesOfPodSpec(podSpecOf(w))) add(n, nameOf(w));
  }
  for (const obj of scan.objects) {
    for (const ref of secretRefsOfObject(obj)) {
      const who = `${ref.from.kind}/${ref.from.name}`;
      if (ref.template) {
        for (const c of candidates) if (objectRefMatches(ref, namespace, c)) add(c, who);
      } else if (ref.secret && ref.namespace === namespace) {
        add(ref.secret, who);
      }
    }
  }
  // In name order: the scan's follows the pods' random names, and messages and documents would change from run to run.
  for (const list of users.values()) list.sort();
  return users;
}

/** Names of the Secrets of `namespace` something still uses. */
export function secretsInUse(scan: Scan, namespace: string, candidates: readonly string[] = []): Set<string> {
  return new Set(secretUsers(scan, namespace, candidates).keys());
}

/** An old revision of a workload, kept by its controller, whose pod template names a Secret. */
export interface HistoryUse {
  kind: 'ReplicaSet' | 'ControllerRevision';
  name: string;
  revision: number | undefined;
  owner: { kind: string; name: string };
}

const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** What the controllers keep when revisionHistoryLimit is not set. */
const DEFAULT_HISTORY_LIMIT = 10;

/**
 * Which Secrets the retained revision history names: ReplicaSets a Deployment
 * scaled to zero and ControllerRevisions of StatefulSets and DaemonSets, the
 * objects `kubectl rollout undo` restores a template from. Only the newest
 * `revisionHistoryLimit` old revisions of a known owner count (its controller
 * deletes the others); those of an owner not in the scan all count.
 */
export function secretHistory(
  scan: Pick<ConsumerScan, 'workloads' | 'revisions'>,
  namespace: string,
): Map<string, HistoryUse[]> {
  const known = indexWorkloads(scan.workloads);
  const byOwner = new Map<
    string,
    { owner: WorkloadLike | undefined; old: Array<HistoryUse & { names: Set<string> }> }
  >();
  const history = [
    ...scan.workloads.filter(isOldReplicaSet),
    ...(scan.revisions ?? []).filter((r) => r.kind === 'ControllerRevision'),
  ];
  for (const h of history) {
    const controller = controllerOf(h.metadata);
    if (!controller) continue;
    const key = objectKey(controller.kind, h.metadata.namespace ?? namespace, controller.name);
    const entry = byOwner.get(key) ?? { owner: known.get(key), old: [] };
    const use: HistoryUse = {
      kind: h.kind as HistoryUse['kind'],
      name: h.metadata.name ?? '',
      revision: revisionOf(h),
      owner: { kind: controller.kind, name: controller.name },
    };
    if (isCurrentReplicaSet(use, entry.owner)) continue;
    entry.old.push({ ...use, names: secretNamesOfPodSpec(podSpecOf(h)) });
    byOwner.set(key, entry);
  }
  const out = new Map<string, HistoryUse[]>();
  for (const { owner, old } of byOwner.values()) {
    old.sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0));
    // ControllerRevisions include the current one (the newest, for a DaemonSet): one more is kept.
    const limit = owner ? historyLimit(owner) + (old[0]?.kind === 'ControllerRevision' ? 1 : 0) : Infinity;
    const retained = old.slice(0, limit);
    for (const { names, ...use } of retained) {
      for (const secret of names) out.set(secret, [...(out.get(secret) ?? []), use]);
    }
  }
  return out;
}

/** "ReplicaSet web-5d4f (revision 3 of Deployment web)". */
export function describeHistoryUse(h: HistoryUse): string {
  const which = h.revision === undefined ? 'an old revision' : `revision ${h.revision}`;
  return `${h.kind} ${h.name} (${which} of ${h.owner.kind} ${h.owner.name})`;
}

const UNDO_REASONS_SHOWN = 3;

/** Why a version named by old revisions is kept, from their descriptions (the first few: there may be thousands). */
export function undoReason(described: readonly string[]): string {
  const shown = described.slice(0, UNDO_REASONS_SHOWN).join(', ');
  const more = described.length > UNDO_REASONS_SHOWN ? ` and ${described.length - UNDO_REASONS_SHOWN} more` : '';
  return `${shown}${more} reference${described.length === 1 ? 's' : ''} it; \`kubectl rollout undo\` would need it`;
}

function revisionOf(h: WorkloadLike): number | undefined {
  const raw =
    h.kind === 'ControllerRevision'
      ? (h as { revision?: unknown }).revision
      : h.metadata.annotations?.[REVISION_ANNOTATION];
  const n = Number(raw);
  return raw !== undefined && Number.isInteger(n) ? n : undefined;
}

/** A Deployment names the ReplicaSet it runs now in its revision annotation: its template is the owner's, no history. */
function isCurrentReplicaSet(use: HistoryUse, owner: WorkloadLike | undefined): boolean {
  return use.kind === 'ReplicaSet' && !!owner && use.revision !== undefined && revisionOf(owner) === use.revision;
}

function historyLimit(owner: WorkloadLike): number {
  const limit = (owner.spec as { revisionHistoryLimit?: unknown } | undefined)?.revisionHistoryLimit;
  return typeof limit === 'number' && limit >= 0 ? limit : DEFAULT_HISTORY_LIMIT;
}
