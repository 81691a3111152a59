import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { ContainerType, RefKind } from '../consumers/types.js';
import type { ObjectRefKind } from '../consumers/object-refs.js';
import type { SecretManager } from '../consumers/owner.js';

export type Severity = 'low' | 'medium' | 'high';
export type Worst = Severity | 'none';

export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high'];
export const severityRank = (s: Worst): number => (s === 'none' ? 0 : SEVERITIES.indexOf(s) + 1);
export const worstOf = (list: Iterable<Worst>): Worst => {
  let worst: Worst = 'none';
  for (const s of list) if (severityRank(s) > severityRank(worst)) worst = s;
  return worst;
};

/** Risk flags: see docs/exposure-risks.md for what each means and why. */
export type RiskId =
  | 'missing-secret'
  | 'missing-key'
  | 'privileged'
  | 'host-pid'
  | 'host-path'
  | 'host-network'
  | 'env-var'
  | 'subpath'
  | 'file-mode'
  | 'not-read-only'
  | 'token-automount'
  | 'old-revision'
  | 'shared-pull-secret'
  | 'cross-namespace'
  | 'value-in-metadata';

export interface Risk {
  id: RiskId;
  severity: Severity;
  reason: string;
}

/**
 * When a consumer sees a new value: `live` files refresh within about a
 * minute; `restart` needs new containers (env, subPath); `next-use` is read
 * when used (image pulls, volume mounts, provisioning); `never` for
 * immutable Secrets; `none` when the reference carries no value (it produces
 * the Secret, or only lists it).
 */
export type UpdateVerdict = 'live' | 'restart' | 'next-use' | 'never' | 'none';

export interface UpdateInfo {
  verdict: UpdateVerdict;
  reason: string;
}

export type UseVia = RefKind | ObjectRefKind | 'inheritedPullSecret' | 'serviceAccountToken';

/** One way one consumer (and container) uses the Secret. */
export interface Use {
  via: UseVia;
  container?: string;
  containerType?: ContainerType;
  /** env: variable name; envFrom: prefix. */
  env?: string;
  prefix?: string;
  volume?: string;
  mountPath?: string;
  subPath?: string;
  readOnly?: boolean;
  /** Octal file mode of the files ("0644"), volume kinds only. */
  mode?: string;
  /** Projected files when the volume lists items: key → path (mode when set per item). */
  files?: Array<{ key: string; path: string; mode?: string }>;
  /** Keys used; `allKeys` when every key is (envFrom, volume without items). */
  keys: string[];
  allKeys: boolean;
  optional: boolean;
  plugin?: string;
  /** Object references: where in the object ("hosts a.example.com", "listener https"). */
  detail?: string;
  /** Inherited from the ServiceAccount (imagePullSecrets copied into new pods). */
  inheritedFrom?: string;
  /** `old`: only pods of an older revision use it; the current template does not. */
  revision?: 'current' | 'old';
  /** JSON Pointer into the consumer object (absent for inherited uses). */
  pointer?: string;
  update: UpdateInfo;
  risks: Risk[];
}

export interface SecretKeyRef {
  namespace: string;
  name: string;
}

/** A workload, pod or other object that uses (or produces) the Secret. */
export interface Consumer {
  kind: string;
  namespace: string;
  name: string;
  secret: SecretKeyRef;
  role: 'consumes' | 'produces';
  /** Pod-template owners and bare pods: desired (null when not fixed, e.g. CronJob), pods seen and Ready. */
  replicas?: { desired: number | null; current: number; ready: number };
  nodes?: string[];
  serviceAccount?: string;
  /** The pods' controller is of a kind the tool does not list (a CRD), or a list was refused. */
  foreignOwner?: { kind: string; name: string };
  /** Pods of older revisions that still use the Secret while the current template does not. */
  oldRevision?: { pods: number; from: string[] };
  uses: Use[];
  worstRisk: Worst;
}

/** What the tool knows of a Secret: never its values (keys, sizes and optional hashes only). */
export interface SecretFacts {
  namespace: string;
  name: string;
  type?: string;
  immutable?: boolean;
  /** Undefined when the data was not read (no permission, or --metadata-only). */
  keys?: KeyFacts[];
  /** Annotations that hold a copy of the data (kubectl apply's last-applied-configuration...): their names only. */
  valueCopies?: string[];
  metadata: Pick<V1ObjectMeta, 'labels' | 'annotations' | 'ownerReferences' | 'creationTimestamp' | 'resourceVersion'>;
}

export interface KeyFacts {
  name: string;
  /** Decoded size in bytes. */
  size: number;
  /** First 12 hex digits of the SHA-256 of the value, only with --show-hashes. */
  sha256?: string;
}

/** Existence of a Secret: known present, known absent, or not readable. */
export type SecretState = { exists: true; facts: SecretFacts } | { exists: false } | { exists: 'unknown' };

export interface SecretSummary {
  namespace: string;
  name: string;
  exists: boolean | null;
  type?: string;
  immutable?: boolean;
  keys?: KeyFacts[];
  keysKnown: boolean;
  manager?: SecretManager;
  /** Risks of the Secret itself, whoever consumes it (value-in-metadata). */
  risks?: Risk[];
}
