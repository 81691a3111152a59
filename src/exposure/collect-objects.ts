import { objectRefMatches, secretRefsOfObject } from '../consumers/object-refs.js';
import { objectKey, type CollectScope, type SecretSelector } from './drafts.js';

/**
 * ServiceAccounts, Ingresses, Gateways, StorageClasses and SecretProviderClasses
 * naming the selected Secrets, and legacy ServiceAccount tokens (which name
 * their ServiceAccount themselves). Templated StorageClass parameters are
 * matched against the Secrets known to exist, and the one asked about.
 */
export function collectObjects(scope: CollectScope, selector: SecretSelector): void {
  const { inputs, index, want } = scope;
  const candidates = (inputs.secrets ?? []).filter((s) => want(s.namespace, s.name));
  if (
    selector.namespace !== undefined &&
    selector.name !== undefined &&
    !candidates.some((s) => s.name === selector.name)
  ) {
    candidates.push({ namespace: selector.namespace, name: selector.name, metadata: {} });
  }
  for (const obj of [...inputs.serviceAccounts, ...inputs.objects]) {
    for (const ref of secretRefsOfObject(obj)) {
      const targets = ref.template
        ? candidates
            .filter((c) => objectRefMatches(ref, c.namespace, c.name))
            .map((c) => ({ namespace: c.namespace, name: c.name }))
        : want(ref.namespace, ref.secret)
          ? [{ namespace: ref.namespace, name: ref.secret }]
          : [];
      for (const target of targets) {
        const draft = index.draft(ref.from, target, () =>
          ref.kind === 'secretProviderClassSync' ? { role: 'produces' as const } : {},
        );
        const usedBy =
          ref.kind === 'serviceAccountPullSecret'
            ? (scope.serviceAccountUsage.get(objectKey('', ref.from.namespace, ref.from.name)) ?? 0)
            : undefined;
        draft.refs.push({ source: 'object', ref, ...(usedBy !== undefined ? { usedBy } : {}) });
      }
    }
  }
  for (const s of candidates) {
    const sa = s.metadata.annotations?.['kubernetes.io/service-account.name'];
    if (s.type !== 'kubernetes.io/service-account-token' || !sa) continue;
    index
      .draft({ kind: 'ServiceAccount', namespace: s.namespace, name: sa }, { namespace: s.namespace, name: s.name })
      .refs.push({ source: 'token', serviceAccount: sa });
  }
}
