import type { V1PodSpec } from '@kubernetes/client-node';

export type PodSpec = V1PodSpec;

export type ContainerType = 'container' | 'initContainer' | 'ephemeralContainer';

/** How a pod spec gets at a Secret (the paths of Kubernetes' VisitPodSecretNames). */
export type RefKind =
  | 'env' // env[].valueFrom.secretKeyRef
  | 'envFrom' // envFrom[].secretRef
  | 'volume' // volumes[].secret
  | 'projected' // volumes[].projected.sources[].secret
  | 'csi' // volumes[].csi.nodePublishSecretRef
  | 'volumePlugin' // secretRef of azureFile, cephfs, cinder, flexVolume, iscsi, rbd, scaleIO, storageos
  | 'imagePullSecret'; // imagePullSecrets[]

export interface KeyItem {
  key: string;
  path: string;
  mode?: number;
}

export interface VolumeMountUse {
  container: string;
  containerType: ContainerType;
  mountPath: string;
  subPath?: string;
  readOnly: boolean;
}

/** One reference from a pod spec to a Secret, with everything risk and rotation need. */
export interface SecretRef {
  secret: string;
  kind: RefKind;
  /** JSON Pointer into the pod spec of the field that holds the Secret's name. */
  pointer: string;
  optional: boolean;
  /** env / envFrom: the container that loads it. */
  container?: string;
  containerType?: ContainerType;
  /** env: the variable name and the key it reads. */
  envName?: string;
  key?: string;
  /** envFrom: the prefix added to every key. */
  prefix?: string;
  /** Volume kinds: the volume, the keys it projects (all when absent), modes, and where it is mounted. */
  volume?: string;
  items?: KeyItem[];
  defaultMode?: number;
  mounts?: VolumeMountUse[];
  /** volumePlugin: which plugin (cephfs, rbd, ...). */
  plugin?: string;
}
