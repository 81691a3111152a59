// A reader who never read the Secret is taken out of a RoleBinding only when the binding existed for the whole
// window the logs were read for: one created since (someone was just given access) had no time to be used, and
// deleting it would undo that. As least-privilege judges bindings, with "not-judged" for young ones.
import { describe, expect, it } from 'vitest';
import { nextSteps } from '../../../src/investigate/next-steps.js';
import type { Binding } from '../../../src/whocan/types.js';
import { subject } from './subjects.js';

const rb = { kind: 'RoleBinding' as const, name: 'dave-reads', namespace: 'shop' };
const binding: Binding = {
  metadata: { name: 'dave-reads', namespace: 'shop' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
  subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'dave' }],
};
const WINDOW = Date.parse('2026-12-01T00:00:00Z');

function stepsFor(created: string | null | undefined, windowStart: number | null = WINDOW) {
  return nextSteps({
    secret: { namespace: 'shop', name: 'db' },
    subjects: [
      subject({
        name: 'dave',
        verdict: 'unused',
        reads: 0,
        paths: [{ path: 'direct', verbs: ['get'], via: 'x', bindings: [rb], grantsOnlyIt: [rb] }],
      }),
    ],
    consumers: [],
    bindings: [binding],
    manager: null,
    auditLogs: true,
    consumerPods: [],
    consumersKnown: true,
    windowStart,
    bindingCreated: (namespace, name) => (namespace === 'shop' && name === 'dave-reads' ? created : undefined),
  }).filter((s) => s.kind !== 'rotate');
}

describe('taking an unused reader out of a binding, by the binding’s age', () => {
  it('a binding older than the window: delete it (its only subject never read)', () => {
    expect(stepsFor('2026-11-01T00:00:00Z')).toEqual([
      expect.objectContaining({ kind: 'remove-subject', command: 'kubectl delete rolebinding dave-reads -n shop' }),
    ]);
  });

  it('one created the second before the window began is old enough', () => {
    expect(stepsFor('2026-11-30T23:59:59Z')[0]!.kind).toBe('remove-subject');
    expect(stepsFor('2026-12-01T00:00:00.000Z')[0]!.kind).toBe('remove-subject');
  });

  it('one created in the second the window began, after it (a creationTimestamp has whole seconds), is not', () => {
    // the window begins at .500: a binding stamped 00:00:00Z was created at any time up to 00:00:00.999
    expect(stepsFor('2026-12-01T00:00:00Z', WINDOW + 500)[0]!.kind).toBe('review-binding');
    expect(stepsFor('2026-12-01T00:00:00Z')[0]!.kind).toBe('review-binding');
  });

  it('one created after the window began: too new to judge, review it', () => {
    expect(stepsFor('2026-12-03T10:00:00Z')).toEqual([
      {
        kind: 'review-binding',
        command: 'kubectl describe rolebinding dave-reads -n shop',
        reason:
          'User dave can read it through RoleBinding/dave-reads and never did, but the binding was created 2026-12-03T10:00:00Z, after the window began (2026-12-01T00:00:00.000Z): too new to judge: review it',
      },
    ]);
  });

  it('its creation unknown (the binding could not be listed again): review it', () => {
    expect(stepsFor(null)).toEqual([
      expect.objectContaining({
        kind: 'review-binding',
        reason: expect.stringContaining('never did in the window, but when the binding was created is unknown'),
      }),
    ]);
    expect(stepsFor(undefined)[0]!.kind).toBe('review-binding');
  });

  it('where the window began unknown (the logs’ first records carry no time, whether or not --since is given): review it', () => {
    expect(stepsFor('2026-11-01T00:00:00Z', null)).toEqual([
      expect.objectContaining({
        kind: 'review-binding',
        reason: expect.stringContaining(
          'never did, but where the logs begin is unknown (their first records carry no time)',
        ),
      }),
    ]);
  });
});
