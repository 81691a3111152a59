// investigate's next steps name the cluster it investigated, with the --context, --cluster and --kubeconfig it ran
// with: pasted later, after a `kubectl config use-context`, a `kubectl delete rolebinding` of the same name would
// otherwise change another cluster. They come after the command's words (kubectl refuses flags before a plugin's
// name) and before any `--`.
import { describe, expect, it } from 'vitest';
import { nextSteps } from '../../../src/investigate/next-steps.js';
import type { Binding } from '../../../src/whocan/types.js';
import { BINDINGS_OLDER_THAN_WINDOW, subject } from './subjects.js';

const rb = { kind: 'RoleBinding' as const, name: 'readers', namespace: 'shop' };
const direct = [{ path: 'direct' as const, verbs: ['get'], via: 'x', bindings: [rb], grantsOnlyIt: [rb] }];
const binding: Binding = {
  metadata: { name: 'readers', namespace: 'shop' },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'reader' },
  subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'dave' }],
};

const steps = (clusterFlags?: string[]) =>
  nextSteps({
    secret: { namespace: 'shop', name: 'db' },
    subjects: [
      subject({ name: 'alice', paths: direct }),
      subject({ name: 'bob', verdict: 'unknown' }),
      subject({ name: 'dave', verdict: 'unused', reads: 0, paths: direct }),
      subject({
        kind: 'ServiceAccount',
        name: 'gone',
        namespace: 'shop',
        verdict: 'not-authorised-now',
        pods: ['shop/-p'],
      }),
      subject({ kind: 'ServiceAccount', name: 'thief', namespace: 'shop', pods: ['shop/p1'], nodes: ['n1'] }),
    ],
    consumers: [],
    bindings: [binding],
    manager: null,
    auditLogs: false,
    ...BINDINGS_OLDER_THAN_WINDOW,
    consumerPods: [],
    consumersKnown: true,
    ...(clusterFlags ? { clusterFlags } : {}),
  });

describe('next steps on the cluster investigated', () => {
  it('every kubectl command names it, after its words and before any --', () => {
    const commands = steps(['--context', 'prod', '--kubeconfig', '/home/me/kube config'])
      .map((s) => s.command)
      .filter((c): c is string => c !== null && c.startsWith('kubectl '));
    expect(commands.length).toBeGreaterThanOrEqual(8);
    for (const c of commands) {
      const line = c.split('\n')[0]!;
      const flags = line.indexOf("--context prod --kubeconfig '/home/me/kube config'");
      expect(flags, c).toBeGreaterThan(0);
      const dashes = line.indexOf(' -- ');
      if (dashes !== -1) expect(flags, c).toBeLessThan(dashes);
    }
    expect(commands).toContain(
      "kubectl secrets rotate db -n shop --dry-run --context prod --kubeconfig '/home/me/kube config'",
    );
  });

  it('the command a missing Secret points to (a search of every namespace) names it too', () => {
    const [step] = nextSteps({
      secret: { namespace: 'shop', name: 'db' },
      exists: false,
      subjects: [],
      consumers: [],
      bindings: [],
      manager: null,
      auditLogs: false,
      ...BINDINGS_OLDER_THAN_WINDOW,
      consumerPods: [],
      consumersKnown: true,
      clusterFlags: ['--context', 'prod'],
    });
    expect(step!.reason).toContain('kubectl secrets investigate --value-from-file FILE -A --context prod');
  });

  it('without those flags, the commands are as a person types them', () => {
    expect(steps().map((s) => s.command)).toContain('kubectl describe rolebinding readers -n shop');
  });
});
