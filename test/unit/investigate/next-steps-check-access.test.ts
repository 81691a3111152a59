// The check-access step of a reader who-can found no path for: `kubectl auth can-i --as USER` impersonates the
// user alone (the API server adds only system:authenticated, and a ServiceAccount's fixed groups), so a user
// who read through a group binding must be asked about with the groups the log saw it carry, or the answer is
// a false "no", which the step reads as "its access was removed since: revoke its credentials".
import { describe, expect, it } from 'vitest';
import { nextSteps } from '../../../src/investigate/next-steps.js';
import { BINDINGS_OLDER_THAN_WINDOW, subject } from './subjects.js';

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

const checkOf = (s: ReturnType<typeof subject>, groups: Record<string, string[]>) =>
  nextSteps({
    ...input,
    subjects: [s],
    loggedGroups: (id) => (id.kind === s.kind && id.namespace === s.namespace ? (groups[id.name] ?? []) : []),
  }).find((step) => step.kind === 'check-access');

describe('check-access asks about the reader as the log saw it', () => {
  it('a user, with the groups its reads carried (system:authenticated the API server adds itself)', () => {
    const step = checkOf(subject({ name: 'alice', verdict: 'unknown' }), { alice: ['devs', 'system:authenticated'] });
    expect(step?.command).toBe('kubectl auth can-i get secret/db -n shop --as alice --as-group devs');
  });

  it('a kubelet, with system:nodes, which the node authorizer needs', () => {
    const step = checkOf(subject({ name: 'system:node:n1', verdict: 'unknown' }), {
      'system:node:n1': ['system:nodes', 'system:authenticated'],
    });
    expect(step?.command).toBe('kubectl auth can-i get secret/db -n shop --as system:node:n1 --as-group system:nodes');
  });

  it('a ServiceAccount: its username alone (the API server adds its groups)', () => {
    const sa = subject({ kind: 'ServiceAccount', name: 'app', namespace: 'shop', verdict: 'unknown' });
    const step = checkOf(sa, {
      app: ['system:serviceaccounts', 'system:serviceaccounts:shop', 'system:authenticated'],
    });
    expect(step?.command).toBe('kubectl auth can-i get secret/db -n shop --as system:serviceaccount:shop:app');
  });

  it('a user the log saw with no groups: --as alone', () => {
    const step = checkOf(subject({ name: 'bob', verdict: 'unknown' }), {});
    expect(step?.command).toBe('kubectl auth can-i get secret/db -n shop --as bob');
  });
});
