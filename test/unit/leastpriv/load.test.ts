import { describe, expect, it } from 'vitest';
import { loadLeastPrivilegeSnapshot } from '../../../src/kube/least-privilege.js';
import { FakeKube } from '../whocan/fake-kube.js';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';

describe('loadLeastPrivilegeSnapshot', () => {
  it('lists RBAC in five requests whatever the size, ServiceAccounts as metadata only, with creation times', async () => {
    const kube = new FakeKube({
      [`${RBAC}/namespaces/shop/rolebindings`]: [
        {
          metadata: { name: 'rb', namespace: 'shop', creationTimestamp: '2026-01-01T00:00:00Z' },
          roleRef: { kind: 'Role', name: 'r' },
          subjects: [],
        },
      ],
      '/api/v1/serviceaccounts': [
        { metadata: { name: 'robot', namespace: 'shop', creationTimestamp: '2026-02-01T00:00:00Z' } },
      ],
    });
    const snapshot = await loadLeastPrivilegeSnapshot(kube, 'shop');
    expect(kube.requests.sort()).toEqual([
      'LIST /api/v1/serviceaccounts (metadata)',
      `LIST ${RBAC}/clusterrolebindings`,
      `LIST ${RBAC}/clusterroles`,
      `LIST ${RBAC}/namespaces/shop/rolebindings`,
      `LIST ${RBAC}/namespaces/shop/roles`,
    ]);
    expect(snapshot.rbac.roleBindings[0]!.metadata.creationTimestamp).toBe('2026-01-01T00:00:00Z');
    expect(snapshot.serviceAccounts).toEqual([
      { namespace: 'shop', name: 'robot', creationTimestamp: '2026-02-01T00:00:00Z' },
    ]);
    expect(snapshot.gaps).toEqual([]);
  });

  it('a forbidden list is a gap that names it, not an error', async () => {
    const kube = new FakeKube({}, [`${RBAC}/rolebindings`]);
    const snapshot = await loadLeastPrivilegeSnapshot(kube, undefined);
    expect(snapshot.gaps).toEqual(['cannot list rolebindings.rbac.authorization.k8s.io in all namespaces (forbidden)']);
  });
});
