// A reader whose only way to the value is indirect (impersonating a reader, creating a pod...) and who used it:
// the binding that lets it is the one to review.
import { describe, expect, it } from 'vitest';
import { nextSteps } from '../../../src/investigate/next-steps.js';
import { BINDINGS_OLDER_THAN_WINDOW, subject } from './subjects.js';

const crb = { kind: 'ClusterRoleBinding' as const, name: 'ivan-imp' };
const input = {
  secret: { namespace: 'shop', name: 'db' },
  consumers: [],
  bindings: [],
  manager: null,
  auditLogs: true,
  ...BINDINGS_OLDER_THAN_WINDOW,
  consumerPods: [],
  consumersKnown: true,
};
const ivan = (reads: number) =>
  subject({
    name: 'ivan',
    direct: false,
    reads,
    verdict: reads > 0 ? 'authorised' : 'unused',
    paths: [{ path: 'impersonate', verbs: ['impersonate'], via: 'x', bindings: [crb], grantsOnlyIt: [] }],
    impersonation: ['as system:serviceaccount:shop:web'],
  });

describe('a reader through an indirect path', () => {
  it('that read: the binding that lets it impersonate is to be reviewed', () => {
    const steps = nextSteps({ ...input, subjects: [ivan(2)] });
    expect(steps).toContainEqual({
      kind: 'review-binding',
      command: 'kubectl describe clusterrolebinding ivan-imp',
      reason:
        'User ivan read it (2 reads) through its impersonate path, which ClusterRoleBinding/ivan-imp grants, and is not a consumer: confirm it should',
    });
  });

  it('that never read: no step (an indirect path is not taken out on one Secret unread)', () => {
    expect(nextSteps({ ...input, subjects: [ivan(0)] }).filter((s) => s.kind !== 'rotate')).toEqual([]);
  });
});
