import type { V1Container, V1EphemeralContainer, V1KeyToPath } from '@kubernetes/client-node';
import type { ContainerType, KeyItem, PodSpec, SecretRef, VolumeMountUse } from './types.js';

const CONTAINER_LISTS: ReadonlyArray<[keyof PodSpec & string, ContainerType]> = [
  ['initContainers', 'initContainer'],
  ['containers', 'container'],
  ['ephemeralContainers', 'ephemeralContainer'],
];

/** Volume plugins whose credentials come from a Secret, and the field naming it. */
export const PLUGIN_SECRET_FIELDS: ReadonlyArray<[string, string]> = [
  ['azureFile', 'secretName'],
  ['cephfs', 'secretRef/name'],
  ['cinder', 'secretRef/name'],
  ['flexVolume', 'secretRef/name'],
  ['iscsi', 'secretRef/name'],
  ['rbd', 'secretRef/name'],
  ['scaleIO', 'secretRef/name'],
  ['storageos', 'secretRef/name'],
];

type AnyContainer = V1Container | V1EphemeralContainer;

/** Every Secret reference in a pod spec; `only` limits the answer to one Secret. */
export function secretRefsOfPodSpec(spec: PodSpec | undefined, only?: string): SecretRef[] {
  if (!spec) return [];
  const refs: SecretRef[] = [];
  const keep = (ref: SecretRef): void => {
    if (ref.secret && (only === undefined || ref.secret === only)) refs.push(ref);
  };

  for (const [list, containerType] of CONTAINER_LISTS) {
    ((spec[list] as AnyContainer[] | undefined) ?? []).forEach((c, ci) => {
      const base = `/${list}/${ci}`;
      (c.env ?? []).forEach((e, ei) => {
        const ref = e.valueFrom?.secretKeyRef;
        if (!ref) return;
        keep({
          secret: ref.name ?? '',
          kind: 'env',
          pointer: `${base}/env/${ei}/valueFrom/secretKeyRef/name`,
          optional: ref.optional === true,
          container: c.name,
          containerType,
          envName: e.name,
          key: ref.key,
        });
      });
      (c.envFrom ?? []).forEach((e, ei) => {
        if (!e.secretRef) return;
        keep({
          secret: e.secretRef.name ?? '',
          kind: 'envFrom',
          pointer: `${base}/envFrom/${ei}/secretRef/name`,
          optional: e.secretRef.optional === true,
          container: c.name,
          containerType,
          ...(e.prefix ? { prefix: e.prefix } : {}),
        });
      });
    });
  }

  (spec.volumes ?? []).forEach((v, vi) => {
    const base = `/volumes/${vi}`;
    const mounts = mountsOf(spec, v.name);
    if (v.secret) {
      keep({
        secret: v.secret.secretName ?? '',
        kind: 'volume',
        pointer: `${base}/secret/secretName`,
        optional: v.secret.optional === true,
        volume: v.name,
        ...itemsOf(v.secret.items),
        defaultMode: v.secret.defaultMode ?? 0o644,
        mounts,
      });
    }
    (v.projected?.sources ?? []).forEach((s, si) => {
      if (!s.secret) return;
      keep({
        secret: s.secret.name ?? '',
        kind: 'projected',
        pointer: `${base}/projected/sources/${si}/secret/name`,
        optional: s.secret.optional === true,
        volume: v.name,
        ...itemsOf(s.secret.items),
        defaultMode: v.projected?.defaultMode ?? 0o644,
        mounts,
      });
    });
    if (v.csi?.nodePublishSecretRef) {
      keep({
        secret: v.csi.nodePublishSecretRef.name ?? '',
        kind: 'csi',
        pointer: `${base}/csi/nodePublishSecretRef/name`,
        optional: false,
        volume: v.name,
        plugin: `csi:${v.csi.driver}`,
        mounts,
      });
    }
    for (const [plugin, field] of PLUGIN_SECRET_FIELDS) {
      const source = (v as unknown as Record<string, Record<string, unknown> | undefined>)[plugin];
      const name = source ? dig(source, field) : undefined;
      if (typeof name !== 'string') continue;
      keep({
        secret: name,
        kind: 'volumePlugin',
        pointer: `${base}/${plugin}/${field}`,
        optional: false,
        volume: v.name,
        plugin,
        mounts,
      });
    }
  });

  (spec.imagePullSecrets ?? []).forEach((s, i) => {
    keep({ secret: s.name ?? '', kind: 'imagePullSecret', pointer: `/imagePullSecrets/${i}/name`, optional: false });
  });
  return refs;
}

/** Names of every Secret a pod spec references (what the Node authorizer lets its node read). */
export function secretNamesOfPodSpec(spec: PodSpec | undefined): Set<string> {
  return new Set(secretRefsOfPodSpec(spec).map((r) => r.secret));
}

function mountsOf(spec: PodSpec, volume: string): VolumeMountUse[] {
  const mounts: VolumeMountUse[] = [];
  for (const [list, containerType] of CONTAINER_LISTS) {
    for (const c of (spec[list] as AnyContainer[] | undefined) ?? []) {
      for (const m of c.volumeMounts ?? []) {
        if (m.name !== volume) continue;
        mounts.push({
          container: c.name,
          containerType,
          mountPath: m.mountPath,
          ...(m.subPath || m.subPathExpr ? { subPath: m.subPath || m.subPathExpr! } : {}),
          readOnly: m.readOnly === true,
        });
      }
    }
  }
  return mounts;
}

function itemsOf(items: V1KeyToPath[] | undefined): { items?: KeyItem[] } {
  if (!items || items.length === 0) return {};
  return { items: items.map((i) => ({ key: i.key, path: i.path, ...(i.mode !== undefined ? { mode: i.mode } : {}) })) };
}

function dig(obj: Record<string, unknown>, path: string): unknown {
  return path
    .split('/')
    .reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}
