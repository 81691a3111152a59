// least-privilege -o name: lines kubectl takes as they are (kubectl describe $line).
import { describe, expect, it } from 'vitest';
import { leastPrivilegeView, notes, suggestionComments } from '../../../src/cli/least-privilege-view.js';
import type { LeastPrivilegeMetadata } from '../../../src/leastpriv/run.js';
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

describe('least-privilege notes', () => {
  it('counts one read and one denied attempt in the singular', () => {
    const metadata = {
      window: { since: '2026-09-01T00:00:00Z', until: '2026-12-01T00:00:00Z', requested: '90d', logsFrom: null },
      logs: { inputs: 1, bytes: 1, lines: 2, reads: 1, denied: 1, skipped: 0 },
      summary: { bindings: 0, judged: 0, notJudged: 0, findings: {} },
      hiddenControlPlane: { bindings: 0, subjects: [] },
      clusterBindingsOutOfScope: [],
    } as unknown as LeastPrivilegeMetadata;
    expect(notes(metadata)[0]).toBe(
      'note: window 2026-09-01T00:00:00Z to 2026-12-01T00:00:00Z: 1 read seen, 1 denied attempt (not use)',
    );
  });
});

describe('least-privilege --suggest comments', () => {
  it('says which reads it kept: those RBAC allowed, each subject, Secret and verb once, not every read seen', () => {
    // 6 reads seen, 4 of them by system:masters (no RBAC to keep) and 2 by one user of one Secret.
    const metadata = {
      window: { since: '2026-09-01T00:00:00Z', until: '2026-12-01T00:00:00Z', requested: '90d', logsFrom: null },
      logs: { inputs: 1, bytes: 1, lines: 12, reads: 6, denied: 0, skipped: 0 },
      suggestion: { readsChecked: 1, removed: [], deletable: [], created: [], redeclared: [] },
    } as unknown as LeastPrivilegeMetadata;
    expect(suggestionComments(metadata, 'undo')[1]).toBe(
      'window 2026-09-01T00:00:00Z to 2026-12-01T00:00:00Z: every read RBAC allowed stays allowed with this applied (checked with who-can: 1 distinct (subject, Secret, verb) of the 6 reads seen)',
    );
  });
});
