import type { V1Pod } from '@kubernetes/client-node';
import { secretRefsOfPodSpec } from '../consumers/pod-refs.js';
import { controllerOf, podSpecOf, topOwner, type WorkloadLike } from '../consumers/rollup.js';
import { inheritedPullSecrets, serviceAccountNameOf } from '../consumers/service-accounts.js';
import { POD_TEMPLATE_POINTERS, isWorkloadKind } from '../consumers/workloads.js';
import { countServiceAccount, objectKey, type CollectScope } from './drafts.js';
import { podContextOf, type PodContext } from './pod-context.js';

/** Top-level workloads: their template is what new pods get (a Deployment scaled to 0 still counts). */
export function collectTemplates(scope: CollectScope): void {
  const { inputs, index, want } = scope;
  for (const w of inputs.workloads) {
    const ns = w.metadata.namespace ?? '';
    const name = w.metadata.name ?? '';
    const top = topOwner(w, scope.known);
    if (top.owner.kind !== w.kind || top.owner.name !== name) {
      scope.intermediates.push(w);
      continue;
    }
    const spec = podSpecOf(w);
    countServiceAccount(scope, ns, spec);
    const sa = scope.serviceAccountOf(ns, spec);
    let ctx: PodContext | undefined;
    const context = (): PodContext => (ctx ??= podContextOf(spec, sa, inputs.serviceAccountsKnown));
    const used = new Set<string>();
    scope.templateSecrets.set(objectKey(w.kind, ns, name), used);
    const owner = { kind: w.kind, namespace: ns, name };
    const init = () => (top.foreignOwner ? { foreignOwner: top.foreignOwner } : {});
    const specPointer = isWorkloadKind(w.kind) ? POD_TEMPLATE_POINTERS[w.kind] : '/spec/template/spec';
    for (const ref of secretRefsOfPodSpec(spec)) {
      used.add(ref.secret);
      if (!want(ns, ref.secret)) continue;
      index
        .draft(owner, { namespace: ns, name: ref.secret }, init)
        .refs.push({ source: 'pod', ref, context: context(), specPointer, revision: 'current' });
    }
    for (const secret of inheritedPullSecrets(spec, sa)) {
      used.add(secret);
      if (!want(ns, secret)) continue;
      index
        .draft(owner, { namespace: ns, name: secret }, init)
        .refs.push({ source: 'inherited', secret, context: context() });
    }
  }
}

/** Pods: replicas, nodes and old revisions of their owners; bare pods (or pods of unknown controllers) as themselves. */
export function collectPods(scope: CollectScope): void {
  const { inputs, index, want } = scope;
  for (const pod of inputs.pods) {
    const ns = pod.metadata.namespace ?? '';
    const top = topOwner(pod, scope.known);
    const active = isActive(pod);
    const refs = secretRefsOfPodSpec(pod.spec).filter((r) => want(ns, r.secret));
    if (top.owner.kind === 'Pod') {
      countServiceAccount(scope, ns, pod.spec);
      if (refs.length === 0) continue;
      const context = podContextOf(pod.spec, scope.serviceAccountOf(ns, pod.spec), inputs.serviceAccountsKnown);
      const init = () => ({
        replicas: { desired: 1, current: active ? 1 : 0, ready: active && isReady(pod) ? 1 : 0 },
        nodes: pod.spec?.nodeName && active ? [pod.spec.nodeName] : [],
        serviceAccount: context.serviceAccount,
        ...(top.foreignOwner ? { foreignOwner: top.foreignOwner } : {}),
      });
      for (const ref of refs) {
        index
          .draft(top.owner, { namespace: ns, name: ref.secret }, init)
          .refs.push({ source: 'pod', ref, context, specPointer: '/spec', revision: 'current' });
      }
      continue;
    }
    const okey = objectKey(top.owner.kind, top.owner.namespace, top.owner.name);
    if (active) tally(scope, okey, pod);
    const current = scope.templateSecrets.get(okey);
    const oldSecrets = new Set(refs.map((r) => r.secret).filter((s) => !current?.has(s)));
    if (!active || oldSecrets.size === 0) continue;
    const context = podContextOf(pod.spec, scope.serviceAccountOf(ns, pod.spec), inputs.serviceAccountsKnown);
    for (const secret of oldSecrets) {
      const draft = index.draft(top.owner, { namespace: ns, name: secret });
      const old = (draft.oldRevision ??= { pods: 0, from: [] });
      old.pods++;
      const controller = controllerOf(pod.metadata);
      const from = controller ? `${controller.kind}/${controller.name}` : `Pod/${pod.metadata.name}`;
      if (!old.from.includes(from)) old.from.push(from);
      if (old.pods > 1) continue; // one pod shows how the old revision uses it
      for (const ref of refs.filter((r) => r.secret === secret)) {
        draft.refs.push({ source: 'pod', ref, context, specPointer: '/spec', revision: 'old' });
      }
    }
  }
}

function tally(scope: CollectScope, ownerKey: string, pod: { spec?: V1Pod['spec']; status?: V1Pod['status'] }): void {
  let t = scope.tallies.get(ownerKey);
  if (!t) scope.tallies.set(ownerKey, (t = { current: 0, ready: 0, nodes: new Set() }));
  t.current++;
  if (isReady(pod)) t.ready++;
  if (pod.spec?.nodeName) t.nodes.add(pod.spec.nodeName);
}

/** Without a pod list: ReplicaSets and Jobs under a top owner that still run pods using a Secret the owner's template dropped. */
export function oldRevisionsFromStatus(scope: CollectScope): void {
  for (const w of scope.intermediates) {
    const running = replicasFromStatus(w).current;
    if (running === 0) continue;
    const ns = w.metadata.namespace ?? '';
    const top = topOwner(w, scope.known).owner;
    const current = scope.templateSecrets.get(objectKey(top.kind, top.namespace, top.name));
    const spec = podSpecOf(w);
    const context = podContextOf(spec, undefined, scope.inputs.serviceAccountsKnown);
    const refs = secretRefsOfPodSpec(spec).filter((r) => !current?.has(r.secret) && scope.want(ns, r.secret));
    for (const secret of new Set(refs.map((r) => r.secret))) {
      const draft = scope.index.draft(top, { namespace: ns, name: secret });
      const old = (draft.oldRevision ??= { pods: 0, from: [] });
      old.from.push(`${w.kind}/${w.metadata.name}`);
      old.pods += running;
      if (old.from.length > 1) continue; // one revision shows how old pods use it
      for (const ref of refs.filter((r) => r.secret === secret)) {
        draft.refs.push({ source: 'pod', ref, context, specPointer: '/spec/template/spec', revision: 'old' });
      }
    }
  }
}

/** Replicas, nodes and ServiceAccount of every workload consumer. */
export function fillReplicas(scope: CollectScope): void {
  for (const consumers of scope.index.bySecret.values()) {
    for (const draft of consumers.values()) {
      const key = objectKey(draft.kind, draft.namespace, draft.name);
      const w = draft.kind === 'Pod' ? undefined : scope.known.get(key);
      if (!w) continue;
      const t = scope.tallies.get(key);
      const seen = scope.inputs.podsKnown ? { current: t?.current ?? 0, ready: t?.ready ?? 0 } : replicasFromStatus(w);
      draft.replicas = { desired: desiredReplicas(w), ...seen };
      draft.nodes = [...(t?.nodes ?? [])].sort();
      draft.serviceAccount = serviceAccountNameOf(podSpecOf(w));
    }
  }
}

function desiredReplicas(w: WorkloadLike): number | null {
  const spec = w.spec ?? {};
  const status = w.status ?? {};
  switch (w.kind) {
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'ReplicationController':
      return typeof spec.replicas === 'number' ? spec.replicas : 1;
    case 'DaemonSet':
      return typeof status.desiredNumberScheduled === 'number' ? status.desiredNumberScheduled : 0;
    default:
      return null; // Jobs and CronJobs run to completion
  }
}

function replicasFromStatus(w: WorkloadLike): { current: number; ready: number } {
  const s = (w.status ?? {}) as Record<string, unknown>;
  const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
  switch (w.kind) {
    case 'DaemonSet':
      return { current: num(s.currentNumberScheduled), ready: num(s.numberReady) };
    case 'Job':
      return { current: num(s.active), ready: num(s.ready) };
    case 'CronJob':
      return { current: Array.isArray(s.active) ? s.active.length : 0, ready: 0 };
    default:
      return { current: num(s.replicas), ready: num(s.readyReplicas) };
  }
}

function isActive(pod: { status?: V1Pod['status'] }): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

function isReady(pod: { status?: V1Pod['status'] }): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}
