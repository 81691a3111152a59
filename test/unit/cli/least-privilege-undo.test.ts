// The undo line --suggest prints: run as printed, before or after applying, it gives the bindings the suggestion
// changes, so it asks for the same window and scope, and the shell reads each path as one word.
import { describe, expect, it } from 'vitest';
import { undoCommand } from '../../../src/cli/least-privilege.js';
import { suggestionComments, undoComments } from '../../../src/cli/least-privilege-view.js';
import type { LeastPrivilegeMetadata } from '../../../src/leastpriv/run.js';

const plan = { logs: ['audit.log'], since: '90d', sinceGiven: false, includeSystem: false };

describe('least-privilege --suggest: its undo command', () => {
  it('asks for the same window and judgement as the suggestion', () => {
    expect(undoCommand({ ...plan, since: '30d', sinceGiven: true, includeSystem: true }, { namespace: 'shop' })).toBe(
      'kubectl secrets least-privilege -n shop --log audit.log --since 30d --include-system --suggest-undo | kubectl apply -f -',
    );
  });

  it('leaves out what was not given', () => {
    expect(undoCommand(plan, { allNamespaces: true })).toBe(
      'kubectl secrets least-privilege -A --log audit.log --suggest-undo | kubectl apply -f -',
    );
  });

  it('quotes paths and times for the shell', () => {
    const logs = ['my logs/a.log', "it's.log"];
    expect(undoCommand({ ...plan, logs, since: '2026-12-01T00:00:00Z', sinceGiven: true }, {})).toBe(
      `kubectl secrets least-privilege --log 'my logs/a.log' --log 'it'\\''s.log' --since 2026-12-01T00:00:00Z --suggest-undo | kubectl apply -f -`,
    );
  });

  it('names the cluster it ran against on both sides of the pipe (else it undoes the current context), and reads as it read', () => {
    const cluster = "--context prod --kubeconfig '/home/me/kube config'";
    expect(
      undoCommand(plan, { namespace: 'shop', context: 'prod', kubeconfig: '/home/me/kube config', as: 'auditor' }),
    ).toBe(
      `kubectl secrets least-privilege -n shop --log audit.log ${cluster} --as auditor --suggest-undo | kubectl apply -f - ${cluster}`,
    );
    expect(undoCommand(plan, { cluster: 'c1', user: 'u1', asGroup: ['ops', 'sre'] })).toBe(
      'kubectl secrets least-privilege --log audit.log --cluster c1 --user u1 --as-group ops --as-group sre --suggest-undo | kubectl apply -f - --cluster c1',
    );
  });
});

describe('least-privilege --suggest and --suggest-undo: the commands in their comments', () => {
  const metadata = {
    window: { since: '2026-12-01T00:00:00Z', until: '2026-12-05T00:00:00Z' },
    logs: { inputs: 1, bytes: 1, lines: 3, reads: 3, denied: 0, skipped: 0 },
    suggestion: { readsChecked: 3, removed: [], deletable: [], redeclared: [], created: ['Role shop/r1'] },
  } as unknown as LeastPrivilegeMetadata;
  const cluster = ['--context', 'prod'];

  it('name the cluster the suggestion is for: applied or deleted on the current context, they change another one', () => {
    expect(suggestionComments(metadata, 'undo', cluster)[0]).toContain('"kubectl apply -f - --context prod"');
    const undo = undoComments(metadata, cluster);
    expect(undo).toContain(
      '  kubectl delete roles,rolebindings,clusterroles,clusterrolebindings -A -l kubectl-secrets.dev/least-privilege=true --context prod',
    );
    expect(undo).toContain('  kubectl delete role r1 -n shop --context prod');
  });
});
