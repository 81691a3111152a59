// Small builders of API-shaped objects for exposure's unit tests.
import type { V1PodSpec } from '@kubernetes/client-node';
import type { PodLike, WorkloadLike } from '../../../src/consumers/rollup.js';
import type { ReferencingObject, ServiceAccountLike } from '../../../src/consumers/object-refs.js';
import type { ExposureInputs } from '../../../src/exposure/collect.js';
import type { SecretFacts } from '../../../src/exposure/types.js';

export const NS = 'prod';

export const container = (name: string, extra: Partial<V1PodSpec['containers'][number]> = {}) => ({
  name,
  image: 'app',
  ...extra,
});
export const envRef = (env: string, secret: string, key: string, optional?: boolean) => ({
  name: env,
  valueFrom: { secretKeyRef: { name: secret, key, ...(optional !== undefined ? { optional } : {}) } },
});

const owner = (kind: string, name: string) => ({
  apiVersion: kind === 'Job' || kind === 'CronJob' ? 'batch/v1' : 'apps/v1',
  kind,
  name,
  uid: `${kind}-${name}`,
  controller: true,
});

export function workload(
  kind: string,
  name: string,
  spec: V1PodSpec,
  opts: { replicas?: number; owner?: [string, string]; status?: Record<string, unknown>; ns?: string } = {},
): WorkloadLike {
  const template = { metadata: { labels: { app: name } }, spec };
  const body: Record<string, unknown> =
    kind === 'CronJob'
      ? { schedule: '@hourly', jobTemplate: { spec: { template } } }
      : { template, ...(opts.replicas !== undefined ? { replicas: opts.replicas } : {}) };
  return {
    kind,
    metadata: {
      name,
      namespace: opts.ns ?? NS,
      uid: `${kind}-${name}`,
      ...(opts.owner ? { ownerReferences: [owner(...opts.owner)] } : {}),
    },
    spec: body,
    status: opts.status ?? {},
  };
}

export function pod(
  name: string,
  spec: V1PodSpec,
  opts: { owner?: [string, string]; node?: string; ready?: boolean; phase?: string; ns?: string } = {},
): PodLike {
  return {
    kind: 'Pod',
    metadata: { name, namespace: opts.ns ?? NS, ...(opts.owner ? { ownerReferences: [owner(...opts.owner)] } : {}) },
    spec: { ...spec, ...(opts.node ? { nodeName: opts.node } : {}) },
    status: {
      phase: opts.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  };
}

export const serviceAccount = (name: string, extra: Partial<ServiceAccountLike> = {}, ns = NS): ServiceAccountLike => ({
  kind: 'ServiceAccount',
  metadata: { name, namespace: ns },
  ...extra,
});

export function facts(
  name: string,
  keys: string[] = ['password'],
  extra: Partial<SecretFacts> = {},
  ns = NS,
): SecretFacts {
  return { namespace: ns, name, type: 'Opaque', keys: keys.map((k) => ({ name: k, size: 8 })), metadata: {}, ...extra };
}

export function inputs(parts: Partial<ExposureInputs> & { objects?: ReferencingObject[] }): ExposureInputs {
  return {
    pods: [],
    workloads: [],
    serviceAccounts: [serviceAccount('default')],
    objects: [],
    podsKnown: true,
    serviceAccountsKnown: true,
    ...parts,
  };
}
