// Next steps on a partial view: what the tool could not list is not taken to be absent.
import { describe, expect, it } from 'vitest';
import { nextSteps } from '../../../src/investigate/next-steps.js';
import { BINDINGS_OLDER_THAN_WINDOW, subject } from './subjects.js';

const input = {
  secret: { namespace: 'shop', name: 'db' },
  subjects: [],
  consumers: [],
  bindings: [],
  manager: null,
  auditLogs: true,
  ...BINDINGS_OLDER_THAN_WINDOW,
  consumerPods: [],
};

describe('next steps on a partial view', () => {
  it('no consumer found among the pods and workloads it could list: not "no consumers"', () => {
    const [rotate] = nextSteps({ ...input, consumersKnown: false });
    expect(rotate!.reason).toContain('consumers unknown: not every pod and workload could be listed');
    expect(nextSteps({ ...input, consumersKnown: true })[0]!.reason).toContain('no consumers found');
  });

  it('consumers found, others maybe not', () => {
    const consumers = [
      { kind: 'Deployment', namespace: 'shop', name: 'web', serviceAccount: null, nodes: [], replicas: null, uses: [] },
    ];
    const [rotate] = nextSteps({ ...input, consumers, consumersKnown: false });
    expect(rotate!.reason).toContain('consumers to repoint: Deployment/web, maybe more');
  });
});

describe('an unused reader through a ClusterRoleBinding', () => {
  const crb = { kind: 'ClusterRoleBinding' as const, name: 'cert-manager-controller' };
  const unused = subject({
    kind: 'ServiceAccount',
    name: 'cert-manager',
    namespace: 'cert-manager',
    paths: [{ path: 'direct', verbs: ['get'], via: 'x', bindings: [crb], grantsOnlyIt: [crb] }],
    verdict: 'unused',
    reads: 0,
  });
  const binding = {
    metadata: { name: crb.name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cert-manager-controller' },
    subjects: [{ kind: 'ServiceAccount', name: 'cert-manager', namespace: 'cert-manager' }],
  };

  it('is not told to delete or patch it: it grants every namespace, and one Secret unread says little', () => {
    const steps = nextSteps({ ...input, consumersKnown: true, subjects: [unused], bindings: [binding] });
    expect(steps.filter((s) => s.kind === 'remove-subject')).toEqual([]);
    const review = steps.find((s) => s.kind === 'review-binding');
    expect(review?.command).toBe('kubectl describe clusterrolebinding cert-manager-controller');
    expect(review?.reason).toContain('kubectl secrets least-privilege');
  });
});

describe("an unused reader through a RoleBinding that grants the namespace's other Secrets too", () => {
  const rb = { kind: 'RoleBinding' as const, name: 'r1', namespace: 'shop' };
  const binding = {
    metadata: { name: rb.name, namespace: rb.namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'secret-reader' },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'rita' }],
  };
  const rita = (grantsOnlyIt: (typeof rb)[]) =>
    subject({
      name: 'rita',
      paths: [{ path: 'direct', verbs: ['get', 'list'], via: 'x', bindings: [rb], grantsOnlyIt }],
      verdict: 'unused',
      reads: 0,
    });

  it('is not told to delete it: she may read the others through it, which one Secret unread does not show', () => {
    const steps = nextSteps({ ...input, consumersKnown: true, subjects: [rita([])], bindings: [binding] });
    expect(steps.filter((s) => s.kind === 'remove-subject')).toEqual([]);
    const review = steps.find((s) => s.kind === 'review-binding');
    expect(review?.command).toBe('kubectl describe rolebinding r1 -n shop');
    expect(review?.reason).toContain('kubectl secrets least-privilege -n shop');
  });

  it('is, when its rules name this Secret alone', () => {
    const steps = nextSteps({ ...input, consumersKnown: true, subjects: [rita([rb])], bindings: [binding] });
    expect(steps.find((s) => s.kind === 'remove-subject')?.command).toBe('kubectl delete rolebinding r1 -n shop');
  });
});

describe('without audit logs', () => {
  const rb = { kind: 'RoleBinding' as const, name: 'argo-binding', namespace: 'argo' };
  const reader = subject({
    kind: 'ServiceAccount',
    name: 'argo',
    namespace: 'argo',
    paths: [{ path: 'direct', verbs: ['get'], via: 'x', bindings: [rb], grantsOnlyIt: [rb] }],
    verdict: 'unused',
    reads: 0,
  });
  const binding = {
    metadata: { name: rb.name, namespace: rb.namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'argo-role' },
    subjects: [{ kind: 'ServiceAccount', name: 'argo', namespace: 'argo' }],
  };

  it('a reader it saw no read of is not told to be taken out: no log was read, so "never did" is unknown', () => {
    const steps = nextSteps({
      ...input,
      auditLogs: false,
      ...BINDINGS_OLDER_THAN_WINDOW,
      consumersKnown: true,
      subjects: [reader],
      bindings: [binding],
    });
    expect(steps.filter((s) => s.kind === 'remove-subject' || s.kind === 'review-binding')).toEqual([]);
    // with a log that has no read of it, it is
    const judged = nextSteps({
      ...input,
      auditLogs: true,
      ...BINDINGS_OLDER_THAN_WINDOW,
      consumersKnown: true,
      subjects: [reader],
      bindings: [binding],
    });
    expect(judged.find((s) => s.kind === 'remove-subject')?.command).toBe(
      'kubectl delete rolebinding argo-binding -n argo',
    );
  });
});

describe('a Secret that does not exist', () => {
  it('is not planned for rotation: rotate would answer not found', () => {
    const [step] = nextSteps({ ...input, exists: false, consumersKnown: true });
    expect(step).toMatchObject({ kind: 'rotate', command: null });
    expect(step!.reason).toContain('does not exist');
    expect(nextSteps({ ...input, exists: null, consumersKnown: true })[0]!.command).toContain('secrets rotate db');
  });
});

describe('an old version a rotation left behind', () => {
  const old = { ...input, secret: { namespace: 'shop', name: 'db' }, consumersKnown: true };

  it('is retired, not rotated again: a new rotation would replace the current version, which does not hold it', () => {
    for (const stage of ['previous', 'deprecated', 'failed']) {
      const [step] = nextSteps({ ...old, rotation: { name: 'db', version: '1', stage } });
      expect(step).toMatchObject({ kind: 'rotate', command: 'kubectl secrets rotate db -n shop --retire --dry-run' });
      expect(step!.reason).toContain(`version 1 of db (${stage})`);
    }
    const [v2] = nextSteps({
      ...old,
      secret: { namespace: 'shop', name: 'db-v2' },
      rotation: { name: 'db', version: '2', stage: 'previous' },
    });
    expect(v2!.command).toBe('kubectl secrets rotate db -n shop --retire --dry-run');
  });

  it('the current version is rotated as any Secret', () => {
    const [step] = nextSteps({ ...old, rotation: { name: 'db', version: '2', stage: 'current' } });
    expect(step!.command).toBe('kubectl secrets rotate db -n shop --dry-run');
  });
});

describe('a leaked long-lived ServiceAccount token', () => {
  it('is revoked by deleting its Secret: the step is that command, not only words', () => {
    const [step] = nextSteps({
      ...input,
      secret: { namespace: 'ci', name: 'builder-token' },
      consumersKnown: true,
      manager: { manager: 'service-account-token', hint: 'a long-lived ServiceAccount token ...' },
    });
    expect(step).toMatchObject({ kind: 'manager', command: 'kubectl delete secret builder-token -n ci' });
    expect(step!.reason).toContain('revoke');
  });
});
