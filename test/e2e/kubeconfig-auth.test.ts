// The kube layer against the real API server: every way a kubeconfig can
// authenticate (client certificate, bearer token, exec credential plugin),
// several KUBECONFIG files merged, context/cluster/user overrides, impersonation,
// and one-line errors for the tool's own missing permissions.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, applyYaml, asServiceAccount, asUser, freshNamespace, ownStderr, useCluster } from '../harness/cluster.js';
import { ensureBundle, runBuilt, runCli } from '../harness/runCli.js';

let ns: string;
let dir: string;
const admin = () => useCluster().kubeconfig;
const bindingName = () => `kubeconfig-auth-${ns}`;

beforeAll(async () => {
  ns = await freshNamespace('kcauth');
  dir = mkdtempSync(join(tmpdir(), 'kcauth-'));
  await applyYaml(
    `apiVersion: v1
kind: ServiceAccount
metadata: {name: auditor}
---
apiVersion: v1
kind: Secret
metadata: {name: db}
stringData: {password: not-shown}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ${bindingName()}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: auditor, namespace: ${ns}}]
`,
    ns,
  );
});

afterAll(async () => {
  await api('DELETE', `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${bindingName()}`);
});

const whoCan = (kubeconfig: string, extra: string[] = [], env: Record<string, string> = {}) =>
  runCli(['who-can', 'db', '-n', ns, '--direct-only', '-o', 'json', ...extra], { kubeconfig, env });

const subjects = (stdout: string): string[] =>
  (JSON.parse(stdout).items as Array<{ subject: string }>).map((r) => r.subject);

describe('authentication', () => {
  it('client certificate (the admin kubeconfig)', async () => {
    const r = await whoCan(admin());
    expect(ownStderr(r.stderr)).toEqual([]);
    expect(r.code).toBe(0);
    expect(subjects(r.stdout)).toContain('system:masters');
  });

  it('bearer token of a real ServiceAccount', async () => {
    const r = await whoCan(await asServiceAccount(ns, 'auditor'));
    expect(r.code).toBe(0);
    expect(subjects(r.stdout)).toContain('auditor');
  });

  /** A kubeconfig whose user gets the token of a real ServiceAccount from an exec credential plugin. */
  async function execKubeconfig(name: string): Promise<string> {
    const token = JSON.parse(readFileSync(await asServiceAccount(ns, 'auditor'), 'utf8')).users[0].user.token as string;
    const plugin = join(dir, `${name}-plugin.sh`);
    writeFileSync(
      plugin,
      `#!/bin/sh\necho "$KUBERNETES_EXEC_INFO" > ${join(dir, 'exec-info.json')}\ncat <<'EOT'\n{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${token}"}}\nEOT\n`,
    );
    chmodSync(plugin, 0o755);
    const base = JSON.parse(readFileSync(admin(), 'utf8'));
    const kubeconfig = join(dir, `${name}.kubeconfig`);
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        ...base,
        users: [
          {
            name: 'exec-user',
            user: {
              exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' },
            },
          },
        ],
        contexts: [{ name: 'exec', context: { cluster: base.clusters[0].name, user: 'exec-user' } }],
        'current-context': 'exec',
      }),
    );
    return kubeconfig;
  }

  it('an exec credential plugin', async () => {
    const r = await whoCan(await execKubeconfig('exec'));
    expect(ownStderr(r.stderr)).toEqual([]);
    expect(r.code).toBe(0);
    expect(subjects(r.stdout)).toContain('auditor');
  });

  it('an exec credential plugin with the bundle as shipped, where client-node is compiled only when needed', async () => {
    ensureBundle();
    const kubeconfig = await execKubeconfig('exec-bundle');
    const r = await runBuilt(['who-can', 'db', '-n', ns, '--direct-only', '-o', 'json'], { kubeconfig });
    expect(ownStderr(r.stderr)).toEqual([]);
    expect(r.code).toBe(0);
    expect(subjects(r.stdout)).toContain('auditor');
  });
});

describe('kubeconfig resolution on a real cluster', () => {
  it('merges several KUBECONFIG files: cluster and context in one, the user in another', async () => {
    const base = JSON.parse(readFileSync(admin(), 'utf8'));
    const first = join(dir, 'clusters.yaml');
    const second = join(dir, 'users.yaml');
    writeFileSync(
      first,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: base.clusters,
        contexts: base.contexts,
        'current-context': base['current-context'],
      }),
    );
    writeFileSync(second, JSON.stringify({ apiVersion: 'v1', kind: 'Config', users: base.users }));
    const r = await runCli(['who-can', 'db', '-n', ns, '--direct-only', '-o', 'name'], {
      env: { KUBECONFIG: `${first}:${join(dir, 'missing.yaml')}:${second}` },
    });
    expect(ownStderr(r.stderr)).toEqual([]);
    expect(r.stdout).toContain('group/system:masters');
  });

  it("kubectl's --server, --token and --certificate-authority, with no kubeconfig at all (as CI scripts pass them)", async () => {
    const base = JSON.parse(readFileSync(admin(), 'utf8'));
    const { server, 'certificate-authority': ca } = base.clusters[0].cluster;
    const token = JSON.parse(readFileSync(await asServiceAccount(ns, 'auditor'), 'utf8')).users[0].user.token as string;
    const flags = ['--server', server, '--token', token];
    const env = { KUBECONFIG: join(dir, 'none.yaml'), HOME: dir };
    const r = await runCli(
      ['who-can', 'db', '-n', ns, '--direct-only', '-o', 'json', ...flags, '--certificate-authority', ca],
      {
        env,
      },
    );
    expect(ownStderr(r.stderr)).toEqual([]);
    expect(r.code).toBe(0);
    expect(subjects(r.stdout)).toContain('auditor');
    // the token is the identity: --insecure-skip-tls-verify instead of the CA, and a wrong token is refused
    const insecure = await runCli(['who-can', 'db', '-n', ns, '-o', 'name', ...flags, '--insecure-skip-tls-verify'], {
      env,
    });
    expect(insecure.code, insecure.stderr).toBe(0);
    const wrong = await runCli(
      ['who-can', 'db', '-n', ns, '--server', server, '--token', 'nope', '--insecure-skip-tls-verify'],
      {
        env,
      },
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe(
      `error: unauthorized: the API server at ${server} rejected the credentials of the --token or client certificate given; log in again or refresh the token\n`,
    );
    expect(`${r.stdout}${r.stderr}${insecure.stdout}${insecure.stderr}${wrong.stderr}`).not.toContain(token);
  });

  it('--context and --user pick entries; a wrong --context is one error line', async () => {
    const base = JSON.parse(readFileSync(admin(), 'utf8'));
    const sa = JSON.parse(readFileSync(await asServiceAccount(ns, 'auditor'), 'utf8'));
    const file = join(dir, 'two-users.yaml');
    writeFileSync(
      file,
      JSON.stringify({ ...base, users: [...base.users, { name: 'auditor', user: sa.users[0].user }] }),
    );
    expect((await whoCan(file, ['--user', 'auditor'])).code).toBe(0);
    const wrong = await whoCan(file, ['--context', 'nope']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe(`error: context "nope" not found in kubeconfig ${file}\n`);
  });

  it('--as impersonates: a user without permissions gets a partial answer naming what was forbidden', async () => {
    const r = await whoCan(admin(), ['--as', `nobody-${ns}`]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.metadata.complete).toBe(false);
    expect(r.stderr).toMatch(
      /^warning: cannot list rolebindings\.rbac\.authorization\.k8s\.io in namespace .* \(forbidden\)/m,
    );
  });

  it('an identity with no permission at all for a required request gets one error line', async () => {
    const nobody = await asUser({ user: `nobody-${ns}` });
    const r = await runCli(['rotate', 'db', '-n', ns, '--from-literal', 'password=x', '--dry-run'], {
      kubeconfig: nobody,
    });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('error: '))).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: .*forbidden/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
