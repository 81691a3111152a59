import type { PodSpec } from './types.js';
import type { ServiceAccountLike } from './object-refs.js';

/** The ServiceAccount a pod runs as (`serviceAccount` is the deprecated alias). */
export function serviceAccountNameOf(spec: PodSpec | undefined): string {
  return spec?.serviceAccountName || spec?.serviceAccount || 'default';
}

/**
 * Image pull secrets a pod created from this spec gets from its
 * ServiceAccount: the ServiceAccount admission plugin copies them into pods
 * that list none of their own. Workload templates therefore depend on the
 * ServiceAccount; running pods already carry the copy in their spec.
 */
export function inheritedPullSecrets(spec: PodSpec | undefined, sa: ServiceAccountLike | undefined): string[] {
  if (!sa || (spec?.imagePullSecrets?.length ?? 0) > 0) return [];
  return (sa.imagePullSecrets ?? []).map((s) => s.name ?? '').filter((n) => n !== '');
}

export interface TokenAutomount {
  /** undefined when the ServiceAccount could not be read and the pod does not say. */
  mounted: boolean | undefined;
  /** Which setting decided: the pod, the ServiceAccount, or Kubernetes' default (true). */
  source: 'pod' | 'serviceAccount' | 'default' | 'unknown';
}

/** Whether pods of this spec get an API token mounted (pod field wins over the ServiceAccount's; default true). */
export function tokenAutomount(
  spec: PodSpec | undefined,
  sa: ServiceAccountLike | undefined,
  serviceAccountsKnown: boolean,
): TokenAutomount {
  if (typeof spec?.automountServiceAccountToken === 'boolean')
    return { mounted: spec.automountServiceAccountToken, source: 'pod' };
  if (sa && typeof sa.automountServiceAccountToken === 'boolean')
    return { mounted: sa.automountServiceAccountToken, source: 'serviceAccount' };
  if (sa || serviceAccountsKnown) return { mounted: true, source: 'default' };
  return { mounted: undefined, source: 'unknown' };
}
