import { describe, expect, it } from 'vitest';
import { inheritedPullSecrets, serviceAccountNameOf, tokenAutomount } from '../../../src/consumers/service-accounts.js';
import type { ServiceAccountLike } from '../../../src/consumers/object-refs.js';

const sa = (extra: Partial<ServiceAccountLike> = {}): ServiceAccountLike => ({
  kind: 'ServiceAccount',
  metadata: { name: 'sa', namespace: 'ns' },
  ...extra,
});

describe('ServiceAccount inheritance', () => {
  it('names the ServiceAccount (serviceAccount is the deprecated alias; default otherwise)', () => {
    expect(serviceAccountNameOf({ containers: [], serviceAccountName: 'a', serviceAccount: 'b' })).toBe('a');
    expect(serviceAccountNameOf({ containers: [], serviceAccount: 'b' })).toBe('b');
    expect(serviceAccountNameOf({ containers: [] })).toBe('default');
  });

  it('copies imagePullSecrets only into pods that list none (ServiceAccount admission)', () => {
    const withPull = sa({ imagePullSecrets: [{ name: 'regcred' }] });
    expect(inheritedPullSecrets({ containers: [] }, withPull)).toEqual(['regcred']);
    expect(inheritedPullSecrets({ containers: [], imagePullSecrets: [{ name: 'own' }] }, withPull)).toEqual([]);
    expect(inheritedPullSecrets({ containers: [] }, undefined)).toEqual([]);
  });

  it.each([
    [
      'pod says false',
      { automountServiceAccountToken: false },
      sa({ automountServiceAccountToken: true }),
      true,
      { mounted: false, source: 'pod' },
    ],
    [
      'pod says true',
      { automountServiceAccountToken: true },
      sa({ automountServiceAccountToken: false }),
      true,
      { mounted: true, source: 'pod' },
    ],
    [
      'ServiceAccount says false',
      {},
      sa({ automountServiceAccountToken: false }),
      true,
      { mounted: false, source: 'serviceAccount' },
    ],
    ['nobody says: default true', {}, sa(), true, { mounted: true, source: 'default' }],
    ['ServiceAccounts not readable', {}, undefined, false, { mounted: undefined, source: 'unknown' }],
  ] as const)('token automount: %s', (_case, spec, account, known, expected) => {
    expect(tokenAutomount({ containers: [], ...spec }, account, known)).toEqual(expected);
  });
});
