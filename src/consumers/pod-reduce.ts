// A pod as the consumer scan reads it (exposure, rotate and who-can all do):
// listed pods are reduced to this page by page, so that 50,000 of them are
// not held whole. Kept: what pod-refs.ts, pod-context.ts, service-accounts.ts,
// rollup.ts and exposure's replica tally read. Array positions that a
// SecretRef's JSON Pointer names (containers, env, envFrom, volumes, projected
// sources) are kept, their uninteresting entries emptied rather than removed.
// test/unit/consumers/pod-reduce.test.ts runs the scans on whole and reduced
// pods (generated and real manifests) and requires the same answers.
import type {
  V1Container,
  V1EnvFromSource,
  V1EnvVar,
  V1ObjectMeta,
  V1PodCondition,
  V1PodSpec,
  V1PodStatus,
  V1Volume,
  V1VolumeProjection,
} from '@kubernetes/client-node';
import { PLUGIN_SECRET_FIELDS } from './pod-refs.js';
import type { PodLike } from './rollup.js';

/** Volume sources that may name a Secret (pod-refs.ts). */
const SECRET_VOLUME_SOURCES = ['secret', 'csi', ...PLUGIN_SECRET_FIELDS.map(([plugin]) => plugin)] as Array<
  keyof V1Volume
>;
/** Those, and hostPath (a risk of the pod: pod-context.ts). */
const KEPT_VOLUME_SOURCES: Array<keyof V1Volume> = [...SECRET_VOLUME_SOURCES, 'hostPath'];
const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;
const SPEC_SCALARS = [
  'nodeName',
  'serviceAccountName',
  'serviceAccount',
  'automountServiceAccountToken',
  'hostPID',
  'hostNetwork',
] as const;

interface RawPod {
  metadata?: V1ObjectMeta;
  spec?: V1PodSpec;
  status?: V1PodStatus;
}

/** The pod with only what the consumer scan reads; the raw object can then be let go. */
export function reducePod(raw: unknown): PodLike {
  const pod = (raw ?? {}) as RawPod;
  return {
    kind: 'Pod',
    metadata: reduceMetadata(pod.metadata ?? {}),
    ...(pod.spec ? { spec: reduceSpec(pod.spec) } : {}),
    ...(pod.status ? { status: reduceStatus(pod.status) } : {}),
  };
}

function reduceMetadata(m: V1ObjectMeta): V1ObjectMeta {
  return {
    ...(m.name !== undefined ? { name: m.name } : {}),
    ...(m.namespace !== undefined ? { namespace: m.namespace } : {}),
    ...(m.uid !== undefined ? { uid: m.uid } : {}),
    ...(m.ownerReferences ? { ownerReferences: m.ownerReferences } : {}),
  };
}

function reduceSpec(spec: V1PodSpec): V1PodSpec {
  const out: Partial<V1PodSpec> = {};
  for (const key of SPEC_SCALARS) if (spec[key] !== undefined) (out as Record<string, unknown>)[key] = spec[key];
  const fsGroup = spec.securityContext?.fsGroup;
  if (fsGroup !== undefined) out.securityContext = { fsGroup };
  if (spec.imagePullSecrets) out.imagePullSecrets = spec.imagePullSecrets;
  const volumes = spec.volumes?.map(reduceVolume);
  // Mounts matter only for volumes that carry a Secret (pod-refs.ts mountsOf).
  const secretVolumes = new Set(
    (volumes ?? []).filter((v) => v.projected || SECRET_VOLUME_SOURCES.some((k) => v[k])).map((v) => v.name),
  );
  if (volumes?.some((v) => Object.keys(v).length > 1)) out.volumes = volumes;
  for (const list of CONTAINER_LISTS) {
    const containers = spec[list] as V1Container[] | undefined;
    if (containers) (out as Record<string, unknown>)[list] = containers.map((c) => reduceContainer(c, secretVolumes));
  }
  return out as V1PodSpec;
}

function reduceVolume(v: V1Volume): V1Volume {
  const out: V1Volume = { name: v.name };
  for (const key of KEPT_VOLUME_SOURCES)
    if (v[key] !== undefined) (out as unknown as Record<string, unknown>)[key] = v[key];
  const sources = v.projected?.sources;
  if (sources?.some((s) => s.secret)) {
    out.projected = {
      ...(v.projected!.defaultMode !== undefined ? { defaultMode: v.projected!.defaultMode } : {}),
      sources: sources.map((s): V1VolumeProjection => (s.secret ? { secret: s.secret } : {})),
    };
  }
  return out;
}

function reduceContainer(c: V1Container, secretVolumes: ReadonlySet<string>): V1Container {
  const out: V1Container = { name: c.name };
  if (c.env?.some((e) => e.valueFrom?.secretKeyRef))
    out.env = c.env.map((e): V1EnvVar => (e.valueFrom?.secretKeyRef ? e : { name: e.name }));
  if (c.envFrom?.some((e) => e.secretRef)) out.envFrom = c.envFrom.map((e): V1EnvFromSource => (e.secretRef ? e : {}));
  const mounts = c.volumeMounts?.filter((m) => secretVolumes.has(m.name));
  if (mounts && mounts.length > 0) out.volumeMounts = mounts;
  const privileged = c.securityContext?.privileged;
  if (privileged !== undefined) out.securityContext = { privileged };
  return out;
}

function reduceStatus(s: V1PodStatus): V1PodStatus {
  const ready = s.conditions?.filter((c) => c.type === 'Ready');
  return {
    ...(s.phase !== undefined ? { phase: s.phase } : {}),
    ...(ready ? { conditions: ready.map((c): V1PodCondition => ({ type: c.type, status: c.status })) } : {}),
  };
}
