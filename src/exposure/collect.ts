import { indexWorkloads } from '../consumers/rollup.js';
import { serviceAccountNameOf } from '../consumers/service-accounts.js';
import { collectObjects } from './collect-objects.js';
import { collectPods, collectTemplates, fillReplicas, oldRevisionsFromStatus } from './collect-pods.js';
import { DraftIndex, objectKey, type CollectScope, type ExposureInputs, type SecretSelector } from './drafts.js';

export { DraftIndex, objectKey, secretKey } from './drafts.js';
export type { ConsumerDraft, DraftRef, ExposureInputs, SecretSelector } from './drafts.js';

/**
 * Finds every consumer of the selected Secrets: pod templates of top-level
 * workloads (so a Deployment scaled to 0 counts), running pods rolled up to
 * their top owner (pods whose template no longer uses the Secret mark an old
 * revision), bare pods, ServiceAccounts, Ingresses, Gateways, StorageClasses
 * and SecretProviderClasses (which produce the Secret).
 */
export function collectConsumers(inputs: ExposureInputs, selector: SecretSelector): DraftIndex {
  const serviceAccounts = new Map(
    inputs.serviceAccounts.map((sa) => [objectKey('', sa.metadata?.namespace ?? '', sa.metadata?.name ?? ''), sa]),
  );
  const scope: CollectScope = {
    inputs,
    index: new DraftIndex(),
    want: (ns, name) =>
      (selector.namespace === undefined || ns === selector.namespace) &&
      (selector.name === undefined || name === selector.name),
    known: indexWorkloads(inputs.workloads),
    serviceAccountOf: (ns, spec) => serviceAccounts.get(objectKey('', ns, serviceAccountNameOf(spec))),
    serviceAccountUsage: new Map(),
    templateSecrets: new Map(),
    tallies: new Map(),
    intermediates: [],
  };
  collectTemplates(scope);
  collectPods(scope);
  if (!inputs.podsKnown) oldRevisionsFromStatus(scope);
  fillReplicas(scope);
  collectObjects(scope, selector);
  return scope.index;
}

/**
 * The inputs split by namespace, for an analysis one namespace at a time: pods, workloads,
 * ServiceAccounts and Secrets go to their own namespace (they name Secrets of their own only);
 * the other objects, which may name Secrets elsewhere (Gateways, StorageClasses), go to every
 * part. A namespace where only such objects name a Secret has a part too.
 */
export function inputsByNamespace(inputs: ExposureInputs): Array<[string, ExposureInputs]> {
  const parts = new Map<string, ExposureInputs>();
  const part = (ns: string): ExposureInputs => {
    let p = parts.get(ns);
    if (!p) {
      p = { ...inputs, pods: [], workloads: [], serviceAccounts: [], ...(inputs.secrets ? { secrets: [] } : {}) };
      parts.set(ns, p);
    }
    return p;
  };
  for (const p of inputs.pods) part(p.metadata.namespace ?? '').pods.push(p);
  for (const w of inputs.workloads) part(w.metadata.namespace ?? '').workloads.push(w);
  for (const sa of inputs.serviceAccounts) part(sa.metadata?.namespace ?? '').serviceAccounts.push(sa);
  for (const s of inputs.secrets ?? []) part(s.namespace).secrets!.push(s);
  const byObjects = collectConsumers({ ...inputs, pods: [], workloads: [], serviceAccounts: [] }, {});
  for (const key of byObjects.bySecret.keys()) part(key.slice(0, key.indexOf('/')));
  return [...parts].sort(([a], [b]) => a.localeCompare(b));
}
