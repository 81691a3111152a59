// rotate against the real local cluster: blue/green across every kind of
// consumer and reference, in place, dry run, input errors, refusals, the
// lock, confirmation, retire, and the time a 20-consumer rotation takes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, applyYaml, asUser, waitFor } from '../harness/cluster.js';
import { runCli } from '../harness/runCli.js';
import {
  consumerYaml,
  createSecret,
  decode,
  JOURNAL,
  podRefs,
  readSecret,
  rolloutsComplete,
  rotationLease,
  secretNames,
  STAGE,
  templateRefs,
  namespaces,
  rotate,
} from './rotate-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'rotate-e2e-values-'));
const file = (name: string, content: string): string => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
/** Every kind of consumer, every kind of reference, and a bare pod. */
const EVERYTHING = [
  consumerYaml('Deployment', 'api', 'db', ['env', 'volume'], 2),
  consumerYaml('StatefulSet', 'pg', 'db', ['envFrom', 'projected'], 2),
  consumerYaml('DaemonSet', 'agent', 'db', ['subPath', 'imagePullSecret']),
  consumerYaml('CronJob', 'backup', 'db', ['env']),
  `apiVersion: v1
kind: Pod
metadata: {name: debug}
spec:
  containers: [{name: debug, image: example/debug, envFrom: [{secretRef: {name: db}}]}]
`,
].join('---\n');

const spaces = namespaces();
afterAll(() => spaces.cleanup());

async function setUp(
  prefix: string,
  yaml: string,
  data: Record<string, string> = { password: 'old-password', user: 'app' },
): Promise<string> {
  const ns = await spaces.fresh(prefix);
  await createSecret(ns, 'db', data);
  await applyYaml(yaml, ns);
  await rolloutsComplete(ns);
  return ns;
}

describe('rotate blue/green', () => {
  let ns: string;
  beforeAll(async () => {
    ns = await setUp('rot-bg', EVERYTHING);
  });

  it('repoints Deployments, StatefulSets, DaemonSets and CronJobs, waits for every rollout, promotes the new version', async () => {
    const r = await rotate([
      'db',
      '-n',
      ns,
      '--from-file',
      `password=${file('pw1', 'new-password-1')}`,
      '--yes',
      '--timeout',
      '60s',
      '-o',
      'json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      apiVersion: 'kubectl-secrets.dev/v1alpha1',
      kind: 'RotationReport',
      metadata: { result: 'rotated', from: 'db', to: 'db-v2', mode: 'blue-green' },
    });
    expect(doc.items.map((i: any) => `${i.kind}/${i.name} ${i.action} ${i.state}`)).toEqual([
      'Deployment/api repoint rolled-out',
      'StatefulSet/pg repoint rolled-out',
      'DaemonSet/agent repoint rolled-out',
      'CronJob/backup repoint updated',
      'Pod/debug skip skipped',
    ]);
    expect(doc.metadata.keys).toEqual({
      added: [],
      changed: ['password'],
      unchanged: [],
      carried: ['user'],
      removed: [],
    });
    // One progress line per consumer on stderr.
    expect(r.stderr).toMatch(/Deployment\/api: rolled out on db-v2/);
    expect(r.stderr).toMatch(/StatefulSet\/pg: rolled out on db-v2/);

    // The truth, from the API server and kubectl: every template on db-v2, every rollout complete.
    expect(await templateRefs(ns)).toEqual({
      'Deployment/api': ['db-v2'],
      'StatefulSet/pg': ['db-v2'],
      'DaemonSet/agent': ['db-v2'],
      'CronJob/backup': ['db-v2'],
    });
    await rolloutsComplete(ns, '5s');
    const pods = await podRefs(ns);
    expect(pods.debug).toEqual(['db']);
    for (const [pod, refs] of Object.entries(pods)) if (pod !== 'debug') expect(refs, pod).toEqual(['db-v2']);

    const v2 = await readSecret(ns, 'db-v2');
    expect(v2.immutable).toBe(true);
    expect(v2.type).toBe('Opaque');
    expect(decode(v2, 'password')).toBe('new-password-1');
    expect(decode(v2, 'user')).toBe('app');
    expect(v2.metadata.labels).toMatchObject({
      'secrets.kubectl-secrets.dev/name': 'db',
      'secrets.kubectl-secrets.dev/version': '2',
      [STAGE]: 'current',
    });
    expect(v2.metadata.annotations['secrets.kubectl-secrets.dev/predecessor']).toBe('db');
    expect(JSON.parse(v2.metadata.annotations[JOURNAL]).state).toBe('done');
    const v1 = await readSecret(ns, 'db');
    expect(v1.metadata.labels).toMatchObject({ 'secrets.kubectl-secrets.dev/version': '1', [STAGE]: 'previous' });
    expect(decode(v1, 'password')).toBe('old-password');
    expect(await rotationLease(ns, 'db')).toBeUndefined();
  });

  it('rotates again from env files and literals, keeps --keep versions, and never deletes one in use', async () => {
    const env = file('db.env', '# rotated\npassword=new-password-2\n');
    const r = await rotate([
      'db',
      '-n',
      ns,
      '--from-env-file',
      env,
      '--from-literal',
      'port=5432',
      '--yes',
      '--timeout',
      '60s',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: --from-literal leaves the value in your shell history/);
    // The bare pod uses db, not db-v2: it is no consumer of this rotation.
    expect(r.stdout).toContain('rotated db: db-v2 → db-v3 (4 consumers switched)\n');
    expect(Object.values(await templateRefs(ns))).toEqual([['db-v3'], ['db-v3'], ['db-v3'], ['db-v3']]);
    // keep 2: db-v3 current, db-v2 previous; db (version 1) is beyond it but the bare pod still uses it.
    expect(await secretNames(ns)).toEqual(['db', 'db-v2', 'db-v3']);
    expect((await readSecret(ns, 'db')).metadata.labels[STAGE]).toBe('deprecated');
    expect((await readSecret(ns, 'db-v2')).metadata.labels[STAGE]).toBe('previous');
  });

  it('retires the versions nothing uses any more, never the current one', async () => {
    // The workloads' revision history (rollout undo) names db and db-v2: both kept.
    const kept = await rotate(['db', '-n', ns, '--retire', '--dry-run']);
    expect(kept.stdout).toMatch(/keep db-v2: ReplicaSet \S+ \(revision 2 of Deployment api\), .*reference it/);
    expect(kept.stdout).toMatch(
      /keep db: still in use \(Pod\/debug\); ReplicaSet \S+ \(revision 1 of Deployment api\)/,
    );
    expect(kept.stdout).toContain('nothing to delete');
    for (const kind of ['deployments/api', 'statefulsets/pg', 'daemonsets/agent'])
      await api('PATCH', `/apis/apps/v1/namespaces/${ns}/${kind}`, {
        body: { spec: { revisionHistoryLimit: 0 } },
        contentType: 'application/merge-patch+json',
      });
    const dry = await rotate(['db', '-n', ns, '--retire', '--dry-run']);
    expect(dry.stdout).toMatch(/keep db: still in use \(Pod\/debug\)\n {2}delete db-v2 \(version 2, previous\)/);
    await api('DELETE', `/api/v1/namespaces/${ns}/pods/debug?gracePeriodSeconds=0`);
    await waitFor(async () => !(await podRefs(ns)).debug, { what: 'pod debug gone' });
    const r = await rotate(['db', '-n', ns, '--retire', '--yes', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).metadata).toMatchObject({
      operation: 'retire',
      result: 'retired',
      current: 'db-v3',
      deleted: ['db-v2', 'db'],
    });
    expect(await secretNames(ns)).toEqual(['db-v3']);
  });

  it('resolves a version name to its logical name', async () => {
    const r = await rotate(['db-v3', '-n', ns, '--from-literal', 'password=x', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: db-v3 is version 3 of db: rotating db/);
    expect(r.stdout).toMatch(/new Secret: db-v4 \(version 4, type Opaque, immutable\), replacing db-v3/);
  });
});

describe('rotate --in-place', () => {
  it('updates the Secret itself, restarts env/envFrom/subPath consumers only, keeps the old values for rollback', async () => {
    const ns = await setUp(
      'rot-ip',
      [
        consumerYaml('Deployment', 'env-user', 'db', ['env']),
        consumerYaml('Deployment', 'file-user', 'db', ['volume']),
        consumerYaml('StatefulSet', 'sub-user', 'db', ['subPath']),
      ].join('---\n'),
    );
    const before = await readSecret(ns, 'db');
    const r = await rotate([
      'db',
      '-n',
      ns,
      '--in-place',
      '--from-file',
      `password=${file('pw-ip', 'in-place-new')}`,
      '--yes',
      '--timeout',
      '60s',
      '-o',
      'yaml',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/result: rotated/);
    const after = await readSecret(ns, 'db');
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(decode(after, 'password')).toBe('in-place-new');
    expect(decode(await readSecret(ns, 'db-previous'), 'password')).toBe('old-password');
    const restartedAt = async (kind: string, name: string) =>
      (await api('GET', `/apis/apps/v1/namespaces/${ns}/${kind}/${name}`)).body.spec.template.metadata.annotations?.[
        'kubectl.kubernetes.io/restartedAt'
      ];
    expect(await restartedAt('deployments', 'env-user')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(await restartedAt('statefulsets', 'sub-user')).toBeDefined();
    expect(await restartedAt('deployments', 'file-user')).toBeUndefined();
    await rolloutsComplete(ns, '5s');

    // Immutable Secrets cannot change in place.
    await createSecret(ns, 'frozen', { a: 'b' }, { immutable: true });
    const frozen = await rotate(['frozen', '-n', ns, '--in-place', '--from-literal', 'a=c', '--yes']);
    expect(frozen.code).toBe(1);
    expect(frozen.stderr).toContain(
      'error: frozen is immutable, so its values cannot change in place: rotate it blue/green (without --in-place)',
    );
  });
});

describe('rotate before any change', () => {
  let ns: string;
  let snapshot: () => Promise<string>;
  beforeAll(async () => {
    ns = await setUp('rot-pre', consumerYaml('Deployment', 'api', 'db', ['env', 'volume']));
    snapshot = async () => {
      const secrets = (await api('GET', `/api/v1/namespaces/${ns}/secrets`)).body.items.map(
        (s: any) => `${s.metadata.name}@${s.metadata.resourceVersion}`,
      );
      const deploys = (await api('GET', `/apis/apps/v1/namespaces/${ns}/deployments`)).body.items.map(
        (d: any) => `${d.metadata.name}@${d.metadata.generation}`,
      );
      const leases = (await api('GET', `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`)).body.items.length;
      return JSON.stringify({ secrets, deploys, leases });
    };
  });

  it('--dry-run prints the plan and changes nothing', async () => {
    const before = await snapshot();
    const r = await rotate(['db', '-n', ns, '--from-literal', 'password=x', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Rotation plan for Secret db in namespace');
    expect(r.stdout).toMatch(/Deployment\/api\s+env, volume\s+repoint\s+planned/);
    expect(await snapshot()).toBe(before);
  });

  it('--in-place refuses before any change when NAME-previous is a Secret of someone else, and --dry-run says so', async () => {
    await createSecret(ns, 'db-previous', { theirs: 'keep-me' });
    try {
      const before = await snapshot();
      for (const extra of [['--dry-run'], ['--yes']]) {
        const r = await rotate(['db', '-n', ns, '--in-place', '--from-literal', 'password=x', ...extra]);
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr).toContain(
          'error: db-previous exists and is not a backup of db: rename or delete it (--in-place keeps the old values there)',
        );
        expect(await snapshot()).toBe(before);
      }
      expect(decode(await readSecret(ns, 'db-previous'), 'theirs')).toBe('keep-me');
    } finally {
      await api('DELETE', `/api/v1/namespaces/${ns}/secrets/db-previous`);
    }
  });

  it.each([
    [['--from-file', '/nonexistent/pw'], 'error: --from-file /nonexistent/pw: no such file'],
    [
      ['--from-file', 'pass word=/etc/hostname'],
      'error: --from-file pass word=/etc/hostname: invalid key "pass word": a key may only contain letters, digits, "-", "_" and "."',
    ],
    [['--from-file', '=/etc/hostname'], 'error: --from-file =/etc/hostname: empty key before "="'],
    [
      ['--from-literal', 'password=a', '--from-literal', 'password=b'],
      'error: key "password" is given twice (--from-literal #1 and --from-literal #2)',
    ],
    [['--from-env-file', 'ENV'], /error: --from-env-file .*bad\.env line 2: expected KEY=VALUE/],
    [[], 'error: no new values: give --from-file, --from-env-file or --from-literal (stdin: --from-file KEY=-)'],
    [
      ['--from-literal', 'user=x', '--replace-all'],
      'error: the rotation would break consumers: Deployment/api: env PW (container app) reads key "password", which the new data lacks',
    ],
    [
      ['--from-literal', 'password=x', '--keep', '0'],
      'error: invalid --keep 0: a whole number of versions, at least 1',
    ],
    [['--from-literal', 'password=x', '--restart-all'], 'error: --restart-all applies to --in-place rotations'],
  ] as Array<[string[], string | RegExp]>)('refuses %j with a clear error', async (args, message) => {
    const before = await snapshot();
    const resolved = args.map((a) =>
      a === 'ENV' ? file('bad.env', 'password=ok\nthis line has no equals sign\n') : a,
    );
    const r = await rotate(['db', '-n', ns, ...resolved, '--yes']);
    expect(r.code).toBe(1);
    if (typeof message === 'string') expect(r.stderr).toContain(message);
    else expect(r.stderr).toMatch(message);
    expect(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('error:')),
    ).toHaveLength(1);
    expect(await snapshot()).toBe(before);
  });

  it('asks on a terminal, and refuses without --yes elsewhere', async () => {
    const before = await snapshot();
    const noTty = await rotate(['db', '-n', ns, '--from-literal', 'password=x']);
    expect(noTty.code).toBe(1);
    expect(noTty.stderr).toContain(
      'error: refusing to rotate without confirmation: not a terminal; add --yes (or --dry-run to see the plan)',
    );
    const fromStdin = await rotate(['db', '-n', ns, '--from-file', 'password=-'], { stdin: 'piped' });
    expect(fromStdin.stderr).toContain(
      'error: the new value came from stdin, so no confirmation can be read: add --yes',
    );
    const declined = await rotate(['db', '-n', ns, '--from-literal', 'password=x'], { tty: true, stdin: 'n\n' });
    expect(declined.code).toBe(1);
    expect(declined.stderr).toContain('Rotation plan for Secret db');
    expect(declined.stderr).toContain('Rotate db? [y/N] ');
    expect(declined.stderr).toContain('error: not confirmed: nothing changed');
    expect(await snapshot()).toBe(before);
    const accepted = await rotate(['db', '-n', ns, '--from-literal', 'password=x', '--timeout', '60s'], {
      tty: true,
      stdin: 'y\n',
    });
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(await templateRefs(ns)).toEqual({ 'Deployment/api': ['db-v2'] });
  });

  it('refuses Secrets other tools manage, saying what to do instead, unless --force', async () => {
    await createSecret(
      ns,
      'chart-db',
      { password: 'p' },
      {
        metadata: {
          name: 'chart-db',
          labels: { 'app.kubernetes.io/managed-by': 'Helm' },
          annotations: { 'meta.helm.sh/release-name': 'shop' },
        },
      },
    );
    const refused = await rotate(['chart-db', '-n', ns, '--from-literal', 'password=x', '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /error: chart-db is managed by Helm \(release shop\), which would undo a rotation here: .*helm upgrade.*\(--force rotates it anyway\)/,
    );
    const forced = await rotate(['chart-db', '-n', ns, '--from-literal', 'password=x', '--yes', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/warning: chart-db is managed by Helm/);
    // The new version does not inherit the manager's labels.
    expect((await readSecret(ns, 'chart-db-v2')).metadata.labels['app.kubernetes.io/managed-by']).toBeUndefined();

    await api('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { body: { metadata: { name: 'builder' } } });
    await api('POST', `/api/v1/namespaces/${ns}/secrets`, {
      body: {
        metadata: { name: 'builder-token', annotations: { 'kubernetes.io/service-account.name': 'builder' } },
        type: 'kubernetes.io/service-account-token',
      },
    });
    const token = await rotate(['builder-token', '-n', ns, '--from-literal', 'token=x', '--yes']);
    expect(token.code).toBe(1);
    expect(token.stderr).toMatch(/error: builder-token is managed by the service-account token controller/);
  });

  it('names a permission it lacks as every command does, not as an internal error', async () => {
    const user = `${ns}-no-leases`;
    await applyYaml(
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: rotator-without-leases}
rules:
  - {apiGroups: [''], resources: [secrets, pods, serviceaccounts, replicationcontrollers], verbs: [get, list, create, update, patch, delete]}
  - {apiGroups: [apps], resources: [deployments, statefulsets, daemonsets, replicasets, controllerrevisions], verbs: [get, list, patch]}
  - {apiGroups: [batch], resources: [cronjobs, jobs], verbs: [get, list, patch]}
  - {apiGroups: [networking.k8s.io], resources: [ingresses], verbs: [list]}
  - {apiGroups: [coordination.k8s.io], resources: [leases], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rotator-without-leases}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: rotator-without-leases}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: ${user}}]
`,
      ns,
    );
    const before = await snapshot();
    const r = await runCli(['rotate', 'db', '-n', ns, '--from-literal', 'password=x', '--yes'], {
      kubeconfig: await asUser({ user }),
    });
    expect(r.code).toBe(1);
    expect(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('error:')),
    ).toEqual([
      // Checked before the first write (src/kube/permissions.ts): every missing permission named at once
      // (a Role cannot grant the cluster-scoped StorageClasses the consumer scan lists).
      expect.stringMatching(
        /^error: cannot rotate: missing permissions list storageclasses\.storage\.k8s\.io, create leases\.coordination\.k8s\.io in namespace \S+, update leases\.coordination\.k8s\.io in namespace \S+, delete leases\.coordination\.k8s\.io in namespace \S+ \(nothing changed/,
      ),
    ]);
    expect(await snapshot()).toBe(before);
  });

  it('says which Secret is missing', async () => {
    const r = await rotate(['nope', '-n', ns, '--from-literal', 'a=b', '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: secret "nope" not found in namespace "${ns}"`);
  });
});

describe('rotate concurrency', () => {
  it('refuses a second rotation of the same Secret while one runs', async () => {
    // 8 ordered replicas: the first rotation (watched, switching in batches) must still be running when the second starts.
    const ns = await setUp('rot-lock', consumerYaml('StatefulSet', 'slow', 'db', ['env'], 8));
    const first = rotate(['db', '-n', ns, '--from-literal', 'password=first', '--yes', '--timeout', '60s']);
    await waitFor(() => rotationLease(ns, 'db'), { what: 'the rotation lock', interval: 50 });
    const second = await rotate(['db', '-n', ns, '--from-literal', 'password=second', '--yes']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      /error: another rotation of db holds the lock \(Lease kubectl-secrets-rotate-db, kubectl-secrets\/\d+@.+ since .*\): wait for it, or if it died run "kubectl secrets rotate db -n .* --resume"/,
    );
    const resume = await rotate(['db', '-n', ns, '--resume']);
    expect(resume.code).toBe(1);
    expect(resume.stderr).toMatch(/error: the rotation of db is still running/);
    const done = await first;
    expect(done.code, done.stderr).toBe(0);
    expect(decode(await readSecret(ns, 'db-v2'), 'password')).toBe('first');
    expect(await secretNames(ns)).toEqual(['db', 'db-v2']);
  });
});

describe('rotate at scale', () => {
  it('rotates 20 consumers', async () => {
    const yaml = Array.from({ length: 20 }, (_, i) =>
      consumerYaml('Deployment', `svc-${i}`, 'db', i % 2 ? ['env'] : ['volume']),
    ).join('---\n');
    const ns = await setUp('rot-20', yaml);
    const started = Date.now();
    const r = await rotate(['db', '-n', ns, '--from-literal', 'password=x', '--yes', '--timeout', '90s']);
    const seconds = (Date.now() - started) / 1000;
    expect(r.code, r.stderr).toBe(0);
    expect(new Set(Object.values(await templateRefs(ns)).flat())).toEqual(new Set(['db-v2']));
    console.log(`rotation of 20 Deployments: ${seconds.toFixed(1)} s`);
    expect(seconds).toBeLessThan(60);
  });
});
