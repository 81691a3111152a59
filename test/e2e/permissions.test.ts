// Issue 14 item 10: the README's permission table is exact. Each command runs
// as a user bound to exactly its row (src/kube/permissions.ts, which the README
// is rendered from) and succeeds completely; then, for each permission taken
// away, as a user without it: a partial answer with a warning that names it
// (or, for an optional one, a note and key checks skipped), and for rotate a
// clear refusal before any change.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, applyYaml, asUser } from '../harness/cluster.js';
import { assertNoLeak, makeCanary } from '../harness/canary.js';
import { runCli, type CliResult } from '../harness/runCli.js';
import { grantsOf, grantText, type Grant, type PermissionCommand } from '../../src/kube/permissions.js';
import { consumerYaml, createSecret, namespaces, rolloutsComplete } from './rotate-harness.js';

const suffix = randomBytes(3).toString('hex');
const spaces = namespaces();
const canaries: string[] = [makeCanary('perm')];
const outputs: CliResult[] = [];
const clusterRoles: string[] = [];
let ns: string;

/** A user bound to exactly these grants: a Role in ns for namespaced ones, a ClusterRole for the rest. */
async function userWith(label: string, grants: readonly Grant[]): Promise<string> {
  const user = `perm-${label}-${suffix}`.slice(0, 60);
  const rule = (g: Grant) => ({ apiGroups: [g.group], resources: [g.resource], verbs: [g.verb] });
  const namespaced = grants.filter((g) => g.scope === 'namespace').map(rule);
  const cluster = grants.filter((g) => g.scope === 'cluster').map(rule);
  const subjects = [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }];
  const rbac = 'rbac.authorization.k8s.io';
  const name = user;
  if (namespaced.length) {
    await applyYaml(
      JSON.stringify({ apiVersion: `${rbac}/v1`, kind: 'Role', metadata: { name }, rules: namespaced }),
      ns,
    );
    await applyYaml(
      JSON.stringify({
        apiVersion: `${rbac}/v1`,
        kind: 'RoleBinding',
        metadata: { name },
        roleRef: { apiGroup: rbac, kind: 'Role', name },
        subjects,
      }),
      ns,
    );
  }
  if (cluster.length) {
    clusterRoles.push(name);
    await applyYaml(
      JSON.stringify({ apiVersion: `${rbac}/v1`, kind: 'ClusterRole', metadata: { name }, rules: cluster }),
    );
    await applyYaml(
      JSON.stringify({
        apiVersion: `${rbac}/v1`,
        kind: 'ClusterRoleBinding',
        metadata: { name },
        roleRef: { apiGroup: rbac, kind: 'ClusterRole', name },
        subjects,
      }),
    );
  }
  return asUser({ user });
}

async function run(kubeconfig: string, args: string[]): Promise<CliResult> {
  const r = await runCli([...args, '-n', ns], { kubeconfig });
  outputs.push(r);
  return r;
}

/** The command's row but one permission. */
const without = (command: PermissionCommand, taken: Grant) =>
  grantsOf(command).filter((g) => grantText(g) !== grantText(taken));
const label = (g: Grant) => `no-${g.verb}-${g.resource}`;
/** Grants an e2e run can take away: APIs this cluster does not serve are never asked for. */
const testable = (command: PermissionCommand) => grantsOf(command).filter((g) => !g.servedOnly);

beforeAll(async () => {
  ns = await spaces.fresh('perm');
  await createSecret(ns, 'db', { password: canaries[0]! });
  await applyYaml(consumerYaml('Deployment', 'web', 'db', ['env']), ns);
  await rolloutsComplete(ns);
}, 180_000);

afterAll(async () => {
  assertNoLeak(
    canaries,
    outputs.flatMap((r, i) => [
      { name: `run ${i} stdout`, text: r.stdout },
      { name: `run ${i} stderr`, text: r.stderr },
    ]),
  );
  await Promise.all(
    clusterRoles.flatMap((name) => [
      api('DELETE', `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${name}`),
      api('DELETE', `/apis/rbac.authorization.k8s.io/v1/clusterroles/${name}`),
    ]),
  );
  await spaces.cleanup();
});

const READ_COMMANDS: Array<{ command: PermissionCommand; args: string[] }> = [
  { command: 'who-can', args: ['who-can', 'db', '--verify'] },
  { command: 'exposure', args: ['exposure', 'db'] },
  { command: 'exposure -A', args: ['exposure', '-A'] },
];

for (const { command, args } of READ_COMMANDS) {
  describe(`${command} with exactly its row of the table`, () => {
    it('succeeds completely', async () => {
      const kubeconfig = await userWith(`${command.replace(/ -A$/, '-all')}-full`, grantsOf(command));
      const r = await run(kubeconfig, [...args, '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc.metadata.complete, r.stderr).toBe(true);
      expect(doc.metadata.warnings).toEqual([]);
      expect(r.stderr).not.toMatch(/forbidden/);
    });

    for (const taken of testable(command)) {
      it(`without ${grantText(taken)}: ${taken.optional ? 'a note, keys not read' : 'a partial answer with a warning naming it'}`, async () => {
        const kubeconfig = await userWith(
          `${command.replace(/ -A$/, '-all')}-${label(taken)}`,
          without(command, taken),
        );
        const r = await run(kubeconfig, [...args, '-o', 'json']);
        expect(r.code, r.stderr).toBe(0);
        const doc = JSON.parse(r.stdout);
        const resource = taken.group ? `${taken.resource}.${taken.group}` : taken.resource;
        const named = new RegExp(`^warning: .*(${taken.verb}|verify).*\\b${resource.replace(/\./g, '\\.')}\\b`, 'm');
        expect(r.stderr, r.stderr).toMatch(named);
        if (taken.optional) expect(doc.metadata.keysKnown ?? doc.metadata.secret?.exists ?? null).not.toBe(true);
        else expect(doc.metadata.complete).toBe(false);
      });
    }
  });
}

describe('rotate with exactly its row of the table', () => {
  let version = 1;
  const state = async () => {
    const list = async (path: string) =>
      ((await api('GET', path)).body.items as Array<{ metadata: { name: string; resourceVersion: string } }>)
        .map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`)
        .sort();
    return {
      secrets: await list(`/api/v1/namespaces/${ns}/secrets`),
      deployments: await list(`/apis/apps/v1/namespaces/${ns}/deployments`),
      leases: await list(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`),
    };
  };

  it('rotates', async () => {
    const kubeconfig = await userWith('rotate-full', grantsOf('rotate'));
    const value = makeCanary('perm-new');
    canaries.push(value);
    const file = join(mkdtempSync(join(tmpdir(), 'perm-')), 'password');
    writeFileSync(file, value);
    const r = await run(kubeconfig, ['rotate', 'db', '--from-file', `password=${file}`, '--yes', '--timeout', '90s']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/^warning:/m);
    version = 2;
    expect((await api('GET', `/api/v1/namespaces/${ns}/secrets/db-v${version}`)).status).toBe(200);
  }, 150_000);

  for (const taken of testable('rotate').filter((g) => g.optional)) {
    it(`without ${grantText(taken)}: rotates, with a warning naming it, and deletes no version`, async () => {
      const kubeconfig = await userWith(`rotate-${label(taken)}`, without('rotate', taken));
      const versions = async () =>
        ((await api('GET', `/api/v1/namespaces/${ns}/secrets`)).body.items as Array<{ metadata: { name: string } }>)
          .map((s) => s.metadata.name)
          .filter((n) => /^db(-v\d+)?$/.test(n));
      const before = await versions();
      const r = await run(kubeconfig, ['rotate', 'db', '--from-literal', 'password=not-used', '--yes', '--keep', '1']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`^warning: .*${taken.resource}.*no version is deleted`, 'm'));
      expect(r.stderr).toMatch(/not pruned: cannot see every user \(.*controllerrevisions/);
      const after = await versions();
      // the new version is added, and none of the old ones is pruned, whatever --keep says
      for (const v of before) expect(after).toContain(v);
      expect(after.length).toBe(before.length + 1);
    }, 150_000);
  }

  for (const taken of testable('rotate').filter((g) => !g.optional)) {
    it(`without ${grantText(taken)}: refused before any change, naming it`, async () => {
      const kubeconfig = await userWith(`rotate-${label(taken)}`, without('rotate', taken));
      const before = await state();
      const r = await run(kubeconfig, ['rotate', 'db', '--from-literal', 'password=not-used', '--yes']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(
          `^error: cannot rotate: missing permission ${grantText(taken).replace(/\./g, '\\.')}${taken.scope === 'namespace' ? ` in namespace ${ns}` : ''} \\(nothing changed`,
          'm',
        ),
      );
      expect(await state()).toEqual(before);
    });
  }
});
