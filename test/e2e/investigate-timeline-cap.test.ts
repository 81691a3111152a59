// investigate's timeline on a log full of unrelated RBAC writes: user late reads a Secret through a
// ClusterRoleBinding, 10,100 other ClusterRoleBindings are created, then late's binding is deleted.
// The timeline's limit (10,000 changes) is of the changes it lists: the unrelated creates neither
// push the binding-deleted out nor count as left out. On a cluster of its own: 10,100
// ClusterRoleBindings would slow every who-can of the files running beside it.
import { expect, it } from 'vitest';
import { KubeClient } from '../../src/kube/client.js';
import { realKubeconfigEnv, resolveKubeconfig } from '../../src/kube/kubeconfig.js';
import { assertNoLeak, makeCanary } from '../harness/canary.js';
import { ownCluster, waitFor, readAuditLog } from '../harness/cluster.js';
import { runCli } from '../harness/runCli.js';
import { apiRequest, makeUserKubeconfig } from '../cluster/cluster.mjs';

const cluster = ownCluster('investigate-cap');
const NOISE = 10_100;
const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const canary = makeCanary('timeline-cap');

const clusterRole = (name: string, rules: unknown[]) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name },
  rules,
});
const clusterRoleBinding = (name: string, role: string, user: string) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
  subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: user }],
});

it('a binding deleted after 10,100 unrelated ClusterRoleBindings is in the timeline; nothing is counted as left out', async () => {
  const c = cluster();
  const kube = new KubeClient(resolveKubeconfig({ kubeconfig: c.kubeconfig }, realKubeconfigEnv({})), {
    timeoutMs: 60_000,
    verbosity: 0,
    log: () => {},
  });
  try {
    // the window starts a second back: audit times are RFC3339 with microseconds, --since to the second
    const since = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000).toISOString();
    await kube.create('/api/v1/namespaces', { metadata: { name: 'canary' } });
    await kube.create('/api/v1/namespaces/canary/secrets', {
      metadata: { name: 'canary-app' },
      stringData: { password: canary },
    });
    await kube.create(
      `${RBAC}/clusterroles`,
      clusterRole('late-reader', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]),
    );
    await kube.create(`${RBAC}/clusterroles`, clusterRole('noise', []));
    await kube.create(`${RBAC}/clusterrolebindings`, clusterRoleBinding('late-binding', 'late-reader', 'late'));
    const late = await makeUserKubeconfig(c, { user: 'late' });
    const read = await waitFor(
      async () => {
        const { status } = await apiRequest(late, 'GET', '/api/v1/namespaces/canary/secrets/canary-app');
        return status === 200 || undefined;
      },
      { what: "late's read (RBAC caches the new binding)" },
    );
    expect(read).toBe(true);
    for (let i = 0; i < NOISE; i += 50)
      await Promise.all(
        Array.from({ length: Math.min(50, NOISE - i) }, (_, j) =>
          kube.create(
            `${RBAC}/clusterrolebindings`,
            clusterRoleBinding(`noise-${String(i + j).padStart(5, '0')}`, 'noise', 'noise'),
          ),
        ),
      );
    await kube.delete(`${RBAC}/clusterrolebindings/late-binding`);
    await waitFor(
      async () =>
        (await readAuditLog(c)).some(
          (e) => e.verb === 'delete' && e.stage === 'ResponseComplete' && e.objectRef?.name === 'late-binding',
        ) || undefined,
      { what: 'the delete in the audit log' },
    );

    const args = ['investigate', 'canary-app', '-n', 'canary', '--log', c.auditLog, '--since', since];
    const r = await runCli([...args, '-o', 'json'], { kubeconfig: c.kubeconfig });
    expect(r.code, r.stderr).toBe(0);
    assertNoLeak([canary], r);
    const doc = JSON.parse(r.stdout);
    expect(doc.subjects.find((s: any) => s.name === 'late')).toMatchObject({ verdict: 'not-authorised-now' });
    expect(
      doc.timeline.filter((t: any) => t.object?.kind === 'ClusterRoleBinding').map((t: any) => [t.kind, t.object.name]),
    ).toEqual([
      ['binding-created', 'late-binding'],
      ['binding-deleted', 'late-binding'],
    ]);
    expect(doc.metadata).toMatchObject({ timelineDropped: 0, timelineDroppedChanges: 0 });
    const table = await runCli(args, { kubeconfig: c.kubeconfig });
    expect(table.stdout).toMatch(/\sdelete clusterrolebinding\/late-binding\s+binding-deleted\s/);
    expect(table.stdout).not.toContain('not listed');
  } finally {
    kube.close();
  }
}, 300_000);
