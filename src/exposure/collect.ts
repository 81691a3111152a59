import { indexWorkloads } from '../consumers/rollup.js';
import { serviceAccountNameOf } from '../consumers/service-accounts.js';
import { secretRefsOfObject } from '../consumers/object-refs.js';
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
 * the other objects (Ingresses, Gateways, StorageClasses...) go to the namespaces of the Secrets
 * they name, and to every part when a name is a template (StorageClass parameters). A namespace
 * where only such objects name a Secret has a part too. Each object's references are read once.
 */
export function inputsByNamespace(inputs: ExposureInputs): Array<[string, ExposureInputs]> {
  const parts = new Map<string, ExposureInputs>();
  const part = (ns: string): ExposureInputs => {
    let p = parts.get(ns);
    if (!p) {
      p = {
        ...inputs,
        pods: [],
        workloads: [],
        serviceAccounts: [],
        objects: [],
        ...(inputs.secrets ? { secrets: [] } : {}),
      };
      parts.set(ns, p);
    }
    return p;
  };
  for (const p of inputs.pods) part(p.metadata.namespace ?? '').pods.push(p);
  for (const w of inputs.workloads) part(w.metadata.namespace ?? '').workloads.push(w);
  for (const sa of inputs.serviceAccounts) part(sa.metadata?.namespace ?? '').serviceAccounts.push(sa);
  for (const s of inputs.secrets ?? []) part(s.namespace).secrets!.push(s);
  const targets = inputs.objects.map((obj) => {
    const refs = secretRefsOfObject(obj);
    if (refs.some((r) => r.template)) return 'every';
    const namespaces = new Set(refs.map((r) => r.namespace));
    for (const ns of namespaces) part(ns);
    return namespaces;
  });
  // in their order, once every part exists: an object in every part is also in the parts made after it
  inputs.objects.forEach((obj, i) => {
    const to = targets[i]!;
    for (const p of to === 'every' ? parts.values() : [...to].map(part)) p.objects.push(obj);
  });
  return [...parts].sort(([a], [b]) => a.localeCompare(b));
}
