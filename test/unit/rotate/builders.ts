// Small object builders for the rotate unit tests.
import type { V1PodSpec } from '@kubernetes/client-node';
import type { PodLike, WorkloadLike } from '../../../src/consumers/rollup.js';
import type { SecretObject } from '../../../src/rotate/types.js';

export const NS = 'shop';

export function secret(
  name: string,
  extra: Partial<SecretObject['metadata']> = {},
  data: Record<string, string> = { password: b64('old') },
): SecretObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: NS, uid: `uid-${name}`, resourceVersion: '1', ...extra },
    type: 'Opaque',
    data,
  };
}

export const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** A pod spec using `secretName` through env, envFrom, a volume, or an image pull secret. */
export function podSpec(
  secretName: string,
  how: 'env' | 'envFrom' | 'volume' | 'subPath' | 'pull' | 'projected' = 'env',
  key = 'password',
): V1PodSpec {
  const container: V1PodSpec['containers'][number] = { name: 'app', image: 'example/app' };
  const spec: V1PodSpec = { containers: [container] };
  switch (how) {
    case 'env':
      container.env = [{ name: 'PW', valueFrom: { secretKeyRef: { name: secretName, key } } }];
      break;
    case 'envFrom':
      container.envFrom = [{ secretRef: { name: secretName } }];
      break;
    case 'volume':
    case 'subPath':
      spec.volumes = [{ name: 'creds', secret: { secretName } }];
      container.volumeMounts = [{ name: 'creds', mountPath: '/creds', ...(how === 'subPath' ? { subPath: key } : {}) }];
      break;
    case 'projected':
      spec.volumes = [{ name: 'p', projected: { sources: [{ secret: { name: secretName } }] } }];
      container.volumeMounts = [{ name: 'p', mountPath: '/p' }];
      break;
    case 'pull':
      spec.imagePullSecrets = [{ name: secretName }];
      break;
  }
  return spec;
}

export function workload(
  kind: string,
  name: string,
  spec: V1PodSpec,
  extra: { meta?: Partial<WorkloadLike['metadata']>; spec?: Record<string, unknown> } = {},
): WorkloadLike {
  const template = { metadata: { labels: { app: name } }, spec };
  const body: Record<string, unknown> =
    kind === 'CronJob'
      ? { schedule: '0 3 * * *', jobTemplate: { spec: { template } } }
      : { replicas: 1, selector: { matchLabels: { app: name } }, template };
  return {
    kind,
    metadata: { name, namespace: NS, uid: `uid-${kind}-${name}`, generation: 1, ...extra.meta },
    spec: { ...body, ...extra.spec },
    status: {},
  };
}

export function pod(name: string, spec: V1PodSpec, owner?: { kind: string; name: string }, ready = true): PodLike {
  return {
    kind: 'Pod',
    metadata: {
      name,
      namespace: NS,
      ...(owner
        ? {
            ownerReferences: [
              {
                apiVersion: 'v1',
                kind: owner.kind,
                name: owner.name,
                uid: `uid-${owner.kind}-${owner.name}`,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec,
    status: {
      phase: 'Running',
      conditions: [
        { type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? undefined : 'ContainersNotReady' },
      ],
    },
  };
}
