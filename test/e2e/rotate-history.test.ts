// rotate against the real local cluster and its controllers: a version that
// an old revision of a workload still names (a Deployment's ReplicaSet scaled
// to zero, a StatefulSet's ControllerRevision) is kept by --retire and by
// pruning, so that `kubectl rollout undo` brings back pods whose Secret
// exists; without the permission to see that history, nothing is deleted.
import { afterAll, describe, expect, it } from 'vitest';
import { api, applyYaml, asUser, canI, kubectl, waitFor } from '../harness/cluster.js';
import { runCli, type CliResult } from '../harness/runCli.js';
import {
  consumerYaml,
  createSecret,
  namespaces,
  podRefs,
  rolloutsComplete,
  secretNames,
  useCluster,
} from './rotate-harness.js';

const cli = (args: string[], kubeconfig = useCluster().kubeconfig): Promise<CliResult> => runCli(args, { kubeconfig });

const spaces = namespaces();
const clusterRoles: string[] = [];
afterAll(async () => {
  for (const name of clusterRoles) {
    await api('DELETE', `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${name}`);
    await api('DELETE', `/apis/rbac.authorization.k8s.io/v1/clusterroles/${name}`);
  }
  await spaces.cleanup();
});

/** The old revision (not the one running) of each workload: `Kind name` → object name, by revision number. */
async function history(ns: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const rs = await api('GET', `/apis/apps/v1/namespaces/${ns}/replicasets`);
  for (const r of rs.body.items as any[])
    out[`ReplicaSet ${r.metadata.annotations['deployment.kubernetes.io/revision']}`] = r.metadata.name;
  const cr = await api('GET', `/apis/apps/v1/namespaces/${ns}/controllerrevisions`);
  for (const c of cr.body.items as any[]) out[`ControllerRevision ${c.revision}`] = c.metadata.name;
  return out;
}

/** A blue/green rotation to `value`, read from stdin. */
async function rotateTo(ns: string, secret: string, value: string, extra: string[] = []): Promise<CliResult> {
  const args = ['rotate', secret, '-n', ns, '--from-file', 'password=-', '--yes', '--timeout', '60s', ...extra];
  const r = await runCli(args, { kubeconfig: useCluster().kubeconfig, stdin: value });
  expect(r.code, r.stderr).toBe(0);
  return r;
}

describe('rotate keeps the versions that rollout undo needs', () => {
  let ns: string;

  it('--retire keeps a version old ReplicaSets and ControllerRevisions name, and says why', async () => {
    ns = await spaces.fresh('rot-hist');
    await createSecret(ns, 'scratch', { password: 'old-password' });
    await applyYaml(
      [
        consumerYaml('Deployment', 'scratch-user', 'scratch', ['volume']),
        consumerYaml('StatefulSet', 'pg', 'scratch', ['envFrom']),
      ].join('---\n'),
      ns,
    );
    await rolloutsComplete(ns);
    await rotateTo(ns, 'scratch', 'new-password');
    const old = await history(ns);

    const dry = await cli(['rotate', 'scratch', '-n', ns, '--retire', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toBe(
      [
        'current version: scratch-v2',
        `  keep scratch: ReplicaSet ${old['ReplicaSet 1']} (revision 1 of Deployment scratch-user), ControllerRevision ${old['ControllerRevision 1']} (revision 1 of StatefulSet pg) reference it; \`kubectl rollout undo\` would need it`,
        '  nothing to delete',
        '',
      ].join('\n'),
    );

    // Nothing to delete, without --dry-run: retired (nothing), as docs/output.md says.
    const r = await cli(['rotate', 'scratch', '-n', ns, '--retire', '--yes', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).metadata).toMatchObject({
      operation: 'retire',
      dryRun: false,
      result: 'retired',
      current: 'scratch-v2',
      deleted: [],
      keptInUse: ['scratch'],
      keptForUndo: {
        scratch: [
          `ReplicaSet ${old['ReplicaSet 1']} (revision 1 of Deployment scratch-user)`,
          `ControllerRevision ${old['ControllerRevision 1']} (revision 1 of StatefulSet pg)`,
        ],
      },
    });
    expect(await secretNames(ns)).toEqual(['scratch', 'scratch-v2']);
  });

  it('so that kubectl rollout undo brings back pods whose Secret exists', async () => {
    await kubectl(['rollout', 'undo', 'deployment/scratch-user', '-n', ns]);
    await kubectl(['rollout', 'undo', 'statefulset/pg', '-n', ns]);
    await rolloutsComplete(ns);
    for (const [pod, refs] of Object.entries(await podRefs(ns))) expect(refs, pod).toEqual(['scratch']);
    const exposure = await cli(['exposure', 'scratch', '-n', ns, '-o', 'json']);
    expect(exposure.code, exposure.stderr).toBe(0);
    expect(exposure.stdout).not.toContain('missing-secret');
  });
});

describe('pruning beyond --keep', () => {
  let ns: string;

  it('keeps versions old ReplicaSets name, naming them', async () => {
    ns = await spaces.fresh('rot-hist-prune');
    await createSecret(ns, 'db', { password: 'old-password' });
    await applyYaml(consumerYaml('Deployment', 'web', 'db', ['volume']), ns);
    await rolloutsComplete(ns);
    await rotateTo(ns, 'db', 'pw-2');
    const r = await rotateTo(ns, 'db', 'pw-3', ['--keep', '1']);
    const old = await history(ns);
    expect(r.stderr).toContain(
      `db-v2: kept (version 2, ReplicaSet ${old['ReplicaSet 2']} (revision 2 of Deployment web) references it; \`kubectl rollout undo\` would need it)`,
    );
    expect(r.stderr).toContain(
      `db: kept (version 1, ReplicaSet ${old['ReplicaSet 1']} (revision 1 of Deployment web) references it; \`kubectl rollout undo\` would need it)`,
    );
    expect(await secretNames(ns)).toEqual(['db', 'db-v2', 'db-v3']);
  });

  it('without permission to list ControllerRevisions, keeps every version and warns naming it', async () => {
    // The Deployment keeps no history now: only the ControllerRevisions the tool may not list could name a version.
    await api('PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/web`, {
      body: { spec: { revisionHistoryLimit: 0 } },
      contentType: 'application/merge-patch+json',
    });
    await waitFor(async () => Object.keys(await history(ns)).length === 1, { what: 'old ReplicaSets deleted' });
    const user = `${ns}-no-history`;
    const rbac = 'rbac.authorization.k8s.io';
    await applyYaml(
      `apiVersion: ${rbac}/v1
kind: Role
metadata: {name: retire-without-history}
rules:
  - {apiGroups: [''], resources: [secrets, pods, serviceaccounts, replicationcontrollers], verbs: [get, list]}
  - {apiGroups: [apps], resources: [deployments, statefulsets, daemonsets, replicasets], verbs: [get, list]}
  - {apiGroups: [batch], resources: [cronjobs, jobs], verbs: [get, list]}
  - {apiGroups: [networking.k8s.io], resources: [ingresses], verbs: [list]}
  - {apiGroups: [coordination.k8s.io], resources: [leases], verbs: [get]}
---
apiVersion: ${rbac}/v1
kind: RoleBinding
metadata: {name: retire-without-history}
roleRef: {apiGroup: ${rbac}, kind: Role, name: retire-without-history}
subjects: [{kind: User, apiGroup: ${rbac}, name: ${user}}]
---
apiVersion: ${rbac}/v1
kind: ClusterRole
metadata: {name: ${user}}
rules: [{apiGroups: [storage.k8s.io], resources: [storageclasses], verbs: [list]}]
---
apiVersion: ${rbac}/v1
kind: ClusterRoleBinding
metadata: {name: ${user}}
roleRef: {apiGroup: ${rbac}, kind: ClusterRole, name: ${user}}
subjects: [{kind: User, apiGroup: ${rbac}, name: ${user}}]
`,
      ns,
    );
    clusterRoles.push(user);
    await waitFor(() => canI({ user, verb: 'list', resource: 'storageclasses', group: 'storage.k8s.io' }), {
      what: 'the role bindings in effect',
    });
    const limited = await asUser({ user });

    const text = await cli(['rotate', 'db', '-n', ns, '--retire', '--dry-run'], limited);
    expect(text.code, text.stderr).toBe(0);
    const gap = `cannot list controllerrevisions.apps in namespace ${ns} (forbidden)`;
    expect(text.stderr).toBe(`warning: ${gap}: users there are not seen, so no version is deleted\n`);
    expect(text.stdout).toContain(
      `  keep db-v2: cannot see every user (${gap})\n  keep db: cannot see every user (${gap})\n`,
    );
    const json = await cli(['rotate', 'db', '-n', ns, '--retire', '--dry-run', '-o', 'json'], limited);
    expect(JSON.parse(json.stdout).metadata).toMatchObject({
      result: 'planned',
      deleted: [],
      keptInUse: ['db-v2', 'db'],
      complete: false,
      warnings: [gap],
    });

    // Seeing everything, the tool deletes them: nothing names them any more.
    const r = await cli(['rotate', 'db', '-n', ns, '--retire', '--yes', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).metadata).toMatchObject({ result: 'retired', deleted: ['db-v2', 'db'] });
    expect(await secretNames(ns)).toEqual(['db-v3']);
  });
});

describe('a consumer made with kubectl apply', () => {
  it('is named in a warning: the next kubectl apply of its manifest would switch it back', async () => {
    const ns = await spaces.fresh('rot-applied');
    await createSecret(ns, 'db', { password: 'old-password' });
    await kubectl(['apply', '-n', ns, '-f', '-'], { input: consumerYaml('Deployment', 'applied', 'db', ['volume']) });
    await applyYaml(consumerYaml('Deployment', 'created', 'db', ['env']), ns);
    await rolloutsComplete(ns);
    const warning =
      'warning: Deployment/applied: its kubectl.kubernetes.io/last-applied-configuration names db, so the next "kubectl apply" of its manifest switches it back to db: change db to db-v2 in the manifest\n';

    const dry = await cli(['rotate', 'db', '-n', ns, '--from-literal', 'password=new', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain(warning);
    expect(dry.stderr).not.toContain('Deployment/created');
    expect(dry.stderr).not.toContain('apiVersion');

    const r = await rotateTo(ns, 'db', 'applied-new', ['-o', 'json']);
    expect(r.stderr).toContain(warning);
    expect(JSON.parse(r.stdout).metadata.warnings).toEqual([warning.replace(/^warning: |\n$/g, '')]);
    // And it is so: kubectl apply of the same manifest puts the Deployment back on db.
    await kubectl(['apply', '-n', ns, '-f', '-'], { input: consumerYaml('Deployment', 'applied', 'db', ['volume']) });
    const back = await api('GET', `/apis/apps/v1/namespaces/${ns}/deployments/applied`);
    expect(back.body.spec.template.spec.volumes[0].secret.secretName).toBe('db');
  });
});

describe('investigate an old version a rotation left holding a leaked value', () => {
  it('its next step, run as printed, shows it goes with --retire, and --retire --yes deletes it', async () => {
    const ns = await spaces.fresh('rot-leak');
    await createSecret(ns, 'leaky', { password: 'leaked-password' });
    await applyYaml(consumerYaml('CronJob', 'nightly', 'leaky', ['envFrom']), ns);
    await rotateTo(ns, 'leaky', 'fresh-password');

    const inv = await cli(['investigate', 'leaky', '-n', ns, '-o', 'json']);
    expect(inv.code, inv.stderr).toBe(0);
    const [step] = JSON.parse(inv.stdout).nextSteps;
    expect(step.command).toBe(`kubectl secrets rotate leaky -n ${ns} --retire --dry-run`);
    const dry = await cli(step.command.split(' ').slice(2));
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('delete leaky (version 1, previous)');
    expect(await secretNames(ns)).toContain('leaky');

    const retire = await cli([...step.command.split(' ').slice(2, -1), '--yes']);
    expect(retire.code, retire.stderr).toBe(0);
    expect(await secretNames(ns)).toEqual(['leaky-v2']);
  });
});
