import { secretManager } from '../consumers/owner.js';
import {
  collectConsumers,
  secretKey,
  type ConsumerDraft,
  type ExposureInputs,
  type SecretSelector,
} from './collect.js';
import { evaluateConsumer } from './evaluate.js';
import { valueInMetadataRisk } from './risks.js';
import type { Consumer, SecretFacts, SecretState, SecretSummary } from './types.js';

/** The consumers of each selected Secret, evaluated ("namespace/name" → consumers). */
export interface Analysis {
  consumers: Map<string, Consumer[]>;
  /** Existing Secrets in the selection (when readable), by "namespace/name". */
  facts: Map<string, SecretFacts> | undefined;
}

/** Finds and evaluates every consumer of the selected Secrets. */
export function analyzeExposure(inputs: ExposureInputs, selector: SecretSelector): Analysis {
  const drafts = collectConsumers(inputs, selector);
  const facts = inputs.secrets ? new Map(inputs.secrets.map((s) => [secretKey(s.namespace, s.name), s])) : undefined;
  const consumers = new Map<string, Consumer[]>();
  for (const [key, byConsumer] of drafts.bySecret) {
    const list = [...byConsumer.values()];
    const state = stateOf(facts, key);
    const producers = list.filter((d) => d.role === 'produces').map((d) => `${d.kind}/${d.name}`);
    consumers.set(
      key,
      list.sort(byKindAndName).map((d) => evaluateConsumer(d, state, { producers })),
    );
  }
  return { consumers, facts };
}

export function stateOf(facts: Map<string, SecretFacts> | undefined, key: string): SecretState {
  if (!facts) return { exists: 'unknown' };
  const found = facts.get(key);
  return found ? { exists: true, facts: found } : { exists: false };
}

export function summarize(namespace: string, name: string, state: SecretState): SecretSummary {
  if (state.exists === 'unknown') return { namespace, name, exists: null, keysKnown: false };
  if (state.exists === false) return { namespace, name, exists: false, keysKnown: true };
  const f = state.facts;
  const copies = valueInMetadataRisk(f.valueCopies);
  return {
    namespace,
    name,
    exists: true,
    ...(f.type !== undefined ? { type: f.type } : {}),
    ...(f.immutable ? { immutable: true } : {}),
    ...(f.keys ? { keys: f.keys } : {}),
    keysKnown: f.keys !== undefined,
    manager: secretManager({ metadata: { name, ...f.metadata }, ...(f.type !== undefined ? { type: f.type } : {}) }),
    ...(copies ? { risks: [copies] } : {}),
  };
}

/** By namespace (cluster-scoped objects last); workloads first, then pods, then other objects; by name within a kind. */
const KIND_ORDER = [
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'CronJob',
  'Job',
  'ReplicaSet',
  'ReplicationController',
  'Pod',
  'ServiceAccount',
  'Ingress',
  'Gateway',
  'StorageClass',
  'SecretProviderClass',
];
const kindRank = (kind: string): number => {
  const i = KIND_ORDER.indexOf(kind);
  return i < 0 ? KIND_ORDER.length : i;
};
function byKindAndName(a: ConsumerDraft, b: ConsumerDraft): number {
  const clusterScoped = Number(a.namespace === '') - Number(b.namespace === '');
  return (
    clusterScoped ||
    a.namespace.localeCompare(b.namespace) ||
    kindRank(a.kind) - kindRank(b.kind) ||
    a.name.localeCompare(b.name)
  );
}
