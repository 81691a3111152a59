import { objectKey, type PodLike, type WorkloadLike } from '../consumers/rollup.js';
import type { ObjectSecretRef, ReferencingObject, ServiceAccountLike } from '../consumers/object-refs.js';
import { serviceAccountNameOf } from '../consumers/service-accounts.js';
import type { PodSpec, SecretRef } from '../consumers/types.js';
import type { PodContext } from './pod-context.js';
import type { Consumer, SecretFacts, SecretKeyRef } from './types.js';

/** Everything exposure looks at, already listed (plain objects, no values of Secrets). */
export interface ExposureInputs {
  pods: PodLike[];
  workloads: WorkloadLike[];
  serviceAccounts: ServiceAccountLike[];
  /** Ingresses, Gateways, StorageClasses, SecretProviderClasses. */
  objects: ReferencingObject[];
  /** Secrets that exist (facts only), when they could be read. */
  secrets?: SecretFacts[];
  /** False when pods could not be listed: old revisions then come from ReplicaSet and Job status. */
  podsKnown: boolean;
  serviceAccountsKnown: boolean;
}

/** Which Secrets to answer for: a namespace, a name, both, or (neither) all. */
export interface SecretSelector {
  namespace?: string;
  name?: string;
}

export type DraftRef =
  | { source: 'pod'; ref: SecretRef; context: PodContext; specPointer: string; revision: 'current' | 'old' }
  | { source: 'inherited'; secret: string; context: PodContext }
  | { source: 'object'; ref: ObjectSecretRef; usedBy?: number }
  | { source: 'token'; serviceAccount: string };

/** A consumer of one Secret before its uses are evaluated against the Secret. */
export interface ConsumerDraft extends Omit<Consumer, 'uses' | 'worstRisk'> {
  refs: DraftRef[];
}

export const secretKey = (namespace: string, name: string): string => `${namespace}/${name}`;
export { objectKey };

/** Groups consumers by Secret ("namespace/name" → drafts). */
export class DraftIndex {
  readonly bySecret = new Map<string, Map<string, ConsumerDraft>>();

  draft(
    owner: { kind: string; namespace: string; name: string },
    secret: SecretKeyRef,
    init: () => Partial<ConsumerDraft> = () => ({}),
  ): ConsumerDraft {
    const sk = secretKey(secret.namespace, secret.name);
    let consumers = this.bySecret.get(sk);
    if (!consumers) this.bySecret.set(sk, (consumers = new Map()));
    const ck = objectKey(owner.kind, owner.namespace, owner.name);
    let draft = consumers.get(ck);
    if (!draft) {
      draft = {
        kind: owner.kind,
        namespace: owner.namespace,
        name: owner.name,
        secret,
        role: 'consumes',
        refs: [],
        ...init(),
      };
      consumers.set(ck, draft);
    }
    return draft;
  }
}

/** Pods seen per top-level owner. */
export interface PodTally {
  current: number;
  ready: number;
  nodes: Set<string>;
}

/** What the collecting steps share. */
export interface CollectScope {
  inputs: ExposureInputs;
  index: DraftIndex;
  want: (namespace: string, name: string) => boolean;
  known: Map<string, WorkloadLike>;
  serviceAccountOf: (namespace: string, spec: PodSpec | undefined) => ServiceAccountLike | undefined;
  /** Top-level workloads and bare pods per ServiceAccount ("/ns/name"). */
  serviceAccountUsage: Map<string, number>;
  /** Secrets each top-level workload's template uses (to spot old revisions). */
  templateSecrets: Map<string, Set<string>>;
  tallies: Map<string, PodTally>;
  /** ReplicaSets and Jobs under a known top owner. */
  intermediates: WorkloadLike[];
}

/** Counts one more top-level workload or bare pod running as the spec's ServiceAccount. */
export function countServiceAccount(scope: CollectScope, namespace: string, spec: PodSpec | undefined): void {
  const k = objectKey('', namespace, serviceAccountNameOf(spec));
  scope.serviceAccountUsage.set(k, (scope.serviceAccountUsage.get(k) ?? 0) + 1);
}
