// least-privilege -o name: lines kubectl takes as they are (kubectl describe $line).
import { describe, expect, it } from 'vitest';
import { leastPrivilegeView } from '../../../src/cli/least-privilege-view.js';
import type { LeastPrivilegeItem } from '../../../src/leastpriv/types.js';

const item = (binding: LeastPrivilegeItem['binding']): LeastPrivilegeItem =>
  ({ binding, role: { kind: 'ClusterRole', name: 'r' } }) as LeastPrivilegeItem;

describe('least-privilege -o name', () => {
  it('names a binding as kubectl does, with -n for a RoleBinding', () => {
    const { name } = leastPrivilegeView();
    expect(name(item({ kind: 'RoleBinding', namespace: 'shop', name: 'alice-reads' }))).toBe(
      'rolebinding.rbac.authorization.k8s.io/alice-reads -n shop',
    );
    expect(name(item({ kind: 'ClusterRoleBinding', name: 'auditors' }))).toBe(
      'clusterrolebinding.rbac.authorization.k8s.io/auditors',
    );
  });
});
