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
