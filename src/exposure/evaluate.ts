import type { KeyItem, SecretRef } from '../consumers/types.js';
import type { ObjectSecretRef } from '../consumers/object-refs.js';
import type { ConsumerDraft, DraftRef } from './collect.js';
import type { PodContext } from './pod-context.js';
import {
  containerUseRisks,
  missingKeyRisks,
  missingSecretRisk,
  podContextRisks,
  reachesContainer,
  SHARED_PULL_SECRET_THRESHOLD,
} from './risks.js';
import { updateVerdict } from './update.js';
import { worstOf, type Consumer, type Risk, type SecretState, type Use } from './types.js';

type BareUse = Omit<Use, 'update' | 'risks'>;

const TLS_KEYS = ['tls.crt', 'tls.key'];

export interface EvaluateOptions {
  /** Names of the SecretProviderClasses that produce this Secret ("SecretProviderClass/x"). */
  producers?: readonly string[];
}

/** Turns a draft into a consumer: one use per container and mount, each with its update verdict and risks. */
export function evaluateConsumer(draft: ConsumerDraft, secret: SecretState, options: EvaluateOptions = {}): Consumer {
  const immutable = secret.exists === true && secret.facts.immutable === true;
  const uses: Use[] = [];
  for (const ref of draft.refs) {
    for (const bare of usesOf(ref, secret)) {
      const update = updateVerdict(bare.via, { subPath: bare.subPath !== undefined, immutable });
      uses.push({ ...bare, update, risks: risksOf(bare, ref, draft, secret, options.producers ?? []) });
    }
  }
  const { refs: _refs, ...rest } = draft;
  return { ...rest, uses: dedupe(uses), worstRisk: worstOf(uses.flatMap((u) => u.risks.map((r) => r.severity))) };
}

function usesOf(ref: DraftRef, secret: SecretState): BareUse[] {
  const allKeys = secret.exists === true && secret.facts.keys ? secret.facts.keys.map((k) => k.name) : [];
  switch (ref.source) {
    case 'pod':
      return podUses(ref.ref, allKeys).map((u) => ({
        ...u,
        revision: ref.revision,
        pointer: `${ref.specPointer}${ref.ref.pointer}`,
      }));
    case 'inherited':
      return [
        {
          via: 'inheritedPullSecret',
          keys: allKeys,
          allKeys: true,
          optional: false,
          inheritedFrom: `ServiceAccount/${ref.context.serviceAccount}`,
          revision: 'current',
        },
      ];
    case 'object':
      return [objectUse(ref.ref, allKeys, ref.usedBy)];
    case 'token':
      return [
        {
          via: 'serviceAccountToken',
          keys: allKeys,
          allKeys: true,
          optional: false,
          detail: `token of ServiceAccount ${ref.serviceAccount}`,
        },
      ];
  }
}

function podUses(ref: SecretRef, allKeys: string[]): BareUse[] {
  const container = ref.container !== undefined ? { container: ref.container, containerType: ref.containerType! } : {};
  switch (ref.kind) {
    case 'env':
      return [
        {
          via: 'env',
          ...container,
          env: ref.envName!,
          keys: ref.key ? [ref.key] : [],
          allKeys: false,
          optional: ref.optional,
        },
      ];
    case 'envFrom':
      return [
        {
          via: 'envFrom',
          ...container,
          ...(ref.prefix ? { prefix: ref.prefix } : {}),
          keys: allKeys,
          allKeys: true,
          optional: ref.optional,
        },
      ];
    case 'volume':
    case 'projected': {
      const mode = octal(ref.defaultMode ?? 0o644);
      const files = ref.items?.map((i) => ({
        key: i.key,
        path: i.path,
        ...(i.mode !== undefined ? { mode: octal(i.mode) } : {}),
      }));
      const base: BareUse = {
        via: ref.kind,
        volume: ref.volume!,
        mode,
        ...(files ? { files } : {}),
        keys: ref.items ? ref.items.map((i) => i.key) : allKeys,
        allKeys: !ref.items,
        optional: ref.optional,
      };
      if (!ref.mounts?.length) return [base];
      return ref.mounts.map((m) => {
        const use: BareUse = {
          ...base,
          container: m.container,
          containerType: m.containerType,
          mountPath: m.mountPath,
          readOnly: m.readOnly,
        };
        if (m.subPath === undefined) return use;
        return { ...use, subPath: m.subPath, ...subPathKeys(m.subPath, ref.items, mode) };
      });
    }
    case 'csi':
    case 'volumePlugin':
      return [
        {
          via: ref.kind,
          volume: ref.volume!,
          plugin: ref.plugin!,
          keys: allKeys,
          allKeys: true,
          optional: ref.optional,
        },
      ];
    case 'imagePullSecret':
      return [{ via: 'imagePullSecret', keys: allKeys, allKeys: true, optional: false }];
  }
}

/** The one key (and mode) a subPath mount of a secret volume exposes. */
function subPathKeys(
  subPath: string,
  items: KeyItem[] | undefined,
  mode: string,
): Pick<BareUse, 'keys' | 'allKeys' | 'files' | 'mode'> {
  if (subPath.includes('$(')) return { keys: [], allKeys: true }; // subPathExpr: resolved per pod
  const item = items?.find(
    (i) => i.path === subPath || subPath.startsWith(`${i.path}/`) || i.path.startsWith(`${subPath}/`),
  );
  if (items) {
    if (!item) return { keys: [], allKeys: false, files: [] };
    return {
      keys: [item.key],
      allKeys: false,
      files: [{ key: item.key, path: item.path, ...(item.mode !== undefined ? { mode: octal(item.mode) } : {}) }],
      mode,
    };
  }
  return { keys: [subPath.split('/')[0]!], allKeys: false };
}

function objectUse(ref: ObjectSecretRef, allKeys: string[], usedBy: number | undefined): BareUse {
  const tls = ref.kind === 'ingressTLS' || ref.kind === 'gatewayCertificate' || ref.kind === 'gatewayClientCertificate';
  const keys = ref.keys?.length ? ref.keys : tls ? TLS_KEYS : allKeys;
  const detail =
    usedBy !== undefined
      ? `${ref.detail} (inherited by ${usedBy} workload${usedBy === 1 ? '' : 's'})`
      : ref.template
        ? `${ref.detail} (templated per claim)`
        : ref.detail;
  return { via: ref.kind, keys, allKeys: !(ref.keys?.length || tls), optional: false, detail, pointer: ref.pointer };
}

function risksOf(
  use: BareUse,
  ref: DraftRef,
  draft: ConsumerDraft,
  secret: SecretState,
  producers: readonly string[],
): Risk[] {
  if (draft.role === 'produces') return [];
  const risks: Risk[] = [];
  const missing = missingSecretRisk(use, secret, producers);
  if (missing) risks.push(missing);
  const forKeys =
    use.via === 'ingressTLS' || use.via === 'gatewayCertificate' || use.via === 'gatewayClientCertificate'
      ? { ...use, optional: false }
      : use;
  if (use.via !== 'secretProviderClassSync') risks.push(...missingKeyRisks(forKeys, secret));
  const context: PodContext | undefined = ref.source === 'pod' || ref.source === 'inherited' ? ref.context : undefined;
  risks.push(...containerUseRisks(use, context));
  if (context && reachesContainer(use)) risks.push(...podContextRisks(context));
  if (use.revision === 'old' && draft.oldRevision) {
    const pods = `${draft.oldRevision.pods} pod${draft.oldRevision.pods === 1 ? '' : 's'}`;
    risks.push({
      id: 'old-revision',
      severity: 'low',
      reason: `only ${pods} of an older revision (${draft.oldRevision.from.join(', ')}) still use it; the current template does not: they keep the old value until replaced`,
    });
  }
  if (ref.source === 'object') {
    if (ref.usedBy !== undefined && ref.usedBy >= SHARED_PULL_SECRET_THRESHOLD) {
      risks.push({
        id: 'shared-pull-secret',
        severity: 'low',
        reason: `${ref.usedBy} workloads run as ServiceAccount ${ref.ref.from.name} and inherit this pull secret: rotating or revoking it affects all of them`,
      });
    }
    if (ref.ref.namespace !== ref.ref.from.namespace && ref.ref.from.namespace !== '' && ref.ref.namespace !== '') {
      const grant =
        ref.ref.kind === 'gatewayCertificate' || ref.ref.kind === 'gatewayClientCertificate'
          ? ` (needs a ReferenceGrant in namespace ${ref.ref.namespace})`
          : '';
      risks.push({
        id: 'cross-namespace',
        severity: 'low',
        reason: `${ref.ref.from.kind} in namespace ${ref.ref.from.namespace} reads it across namespaces${grant}`,
      });
    }
  }
  return risks;
}

/** Two template refs can describe the same use (e.g. one volume listed twice): keep one. */
function dedupe(uses: Use[]): Use[] {
  const seen = new Set<string>();
  return uses.filter((u) => {
    const k = JSON.stringify([
      u.via,
      u.container,
      u.env,
      u.prefix,
      u.volume,
      u.mountPath,
      u.subPath,
      u.pointer,
      u.inheritedFrom,
      u.revision,
      u.detail,
    ]);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const octal = (mode: number): string => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
