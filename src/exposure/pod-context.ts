import type { V1Container, V1EphemeralContainer } from '@kubernetes/client-node';
import type { PodSpec } from '../consumers/types.js';
import type { ServiceAccountLike } from '../consumers/object-refs.js';
import { serviceAccountNameOf, tokenAutomount, type TokenAutomount } from '../consumers/service-accounts.js';

/** What about a pod makes a Secret inside it more exposed. */
export interface PodContext {
  privileged: string[];
  hostPID: boolean;
  hostNetwork: boolean;
  /** hostPath volumes as "name:path". */
  hostPaths: string[];
  fsGroup?: number;
  serviceAccount: string;
  automount: TokenAutomount;
}

export function podContextOf(
  spec: PodSpec | undefined,
  sa: ServiceAccountLike | undefined,
  serviceAccountsKnown: boolean,
): PodContext {
  const containers: Array<V1Container | V1EphemeralContainer> = [
    ...(spec?.initContainers ?? []),
    ...(spec?.containers ?? []),
    ...(spec?.ephemeralContainers ?? []),
  ];
  const fsGroup = spec?.securityContext?.fsGroup;
  return {
    privileged: containers.filter((c) => c.securityContext?.privileged === true).map((c) => c.name),
    hostPID: spec?.hostPID === true,
    hostNetwork: spec?.hostNetwork === true,
    hostPaths: (spec?.volumes ?? []).filter((v) => v.hostPath).map((v) => `${v.name}:${v.hostPath!.path}`),
    ...(typeof fsGroup === 'number' ? { fsGroup } : {}),
    serviceAccount: serviceAccountNameOf(spec),
    automount: tokenAutomount(spec, sa, serviceAccountsKnown),
  };
}
