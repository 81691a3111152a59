// No value leaks: canary values go in through every input (file, env file,
// literal, stdin) and sit in the old versions; no run's stdout or stderr
// (-v=6 included), no journal, no object the tool created or modified
// (Secrets apart from their data, workloads, pods, Leases, events) may
// contain them, in clear or base64.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, applyYaml } from '../harness/cluster.js';
import { assertNoLeak, findLeaks, makeCanary, type LeakSource } from '../harness/canary.js';
import { runCli, type CliResult } from '../harness/runCli.js';
import {
  consumerYaml,
  createSecret,
  decode,
  namespaces,
  neverReadyWith,
  quickDeadline,
  readSecret,
  rolloutsComplete,
  runBundle,
  useCluster,
} from './rotate-harness.js';

const canaries = {
  old: makeCanary('old'),
  oldCache: makeCanary('old-cache'),
  file: makeCanary('file'),
  envFile: makeCanary('envfile'),
  literal: makeCanary('literal'),
  stdin: makeCanary('stdin'),
  inPlace: makeCanary('inplace'),
  failing: makeCanary('failing'),
  crashed: makeCanary('crashed'),
  badLine: makeCanary('badline'),
};
const all = Object.values(canaries);
const dir = mkdtempSync(join(tmpdir(), 'rotate-canary-'));
const file = (name: string, content: string): string => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

describe('rotate never leaks a value', () => {
  let ns: string;
  const outputs: LeakSource[] = [];
  const spaces = namespaces();
  const cleanups: Array<() => Promise<void>> = [spaces.cleanup];
  const run = async (name: string, args: string[], opts: { stdin?: string } = {}): Promise<CliResult> => {
    const r = await runCli(['rotate', ...args], { kubeconfig: useCluster().kubeconfig, ...opts });
    outputs.push({ name: `${name} stdout`, text: r.stdout }, { name: `${name} stderr`, text: r.stderr });
    return r;
  };

  beforeAll(async () => {
    ns = await spaces.fresh('rot-canary');
    await createSecret(ns, 'db', { password: canaries.old, user: 'app' });
    await createSecret(ns, 'cache', { password: canaries.oldCache });
    await applyYaml(
      [
        consumerYaml('Deployment', 'web', 'db', ['volume', 'env']),
        consumerYaml('StatefulSet', 'pg', 'db', ['envFrom']),
        consumerYaml('DaemonSet', 'agent', 'db', ['imagePullSecret']),
        consumerYaml('CronJob', 'backup', 'db', ['env']),
        consumerYaml('Deployment', 'cache-user', 'cache', ['env']),
      ].join('---\n'),
      ns,
    );
    await rolloutsComplete(ns);
  });
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  it('through dry runs, rotations, failures, crashes, resumes, input errors and retire', async () => {
    const inputs = [
      '--from-file',
      `password=${file('password', canaries.file)}`,
      '--from-env-file',
      file('api.env', `API_KEY=${canaries.envFile}\n`),
      '--from-literal',
      `token=${canaries.literal}`,
      '--from-file',
      'cert=-',
    ];

    const dry = await run('dry-run', ['db', '-n', ns, ...inputs, '--dry-run', '-o', 'yaml', '-v=6'], {
      stdin: canaries.stdin,
    });
    expect(dry.code, dry.stderr).toBe(0);

    const rotated = await run(
      'blue/green',
      ['db', '-n', ns, ...inputs, '--yes', '--timeout', '60s', '-o', 'json', '-v=6'],
      { stdin: canaries.stdin },
    );
    expect(rotated.code, rotated.stderr).toBe(0);
    const v2 = await readSecret(ns, 'db-v2');
    expect([
      decode(v2, 'password'),
      decode(v2, 'API_KEY'),
      decode(v2, 'token'),
      decode(v2, 'cert'),
      decode(v2, 'user'),
    ]).toEqual([canaries.file, canaries.envFile, canaries.literal, canaries.stdin, 'app']);
    // The detector itself works: the new version's data holds four canaries.
    for (const c of [canaries.file, canaries.envFile, canaries.literal, canaries.stdin]) {
      expect(findLeaks([c], [{ name: 'db-v2 with its data', text: JSON.stringify(v2) }])).not.toEqual([]);
    }

    const inPlace = await run('in-place', [
      'cache',
      '-n',
      ns,
      '--in-place',
      '--from-literal',
      `password=${canaries.inPlace}`,
      '--yes',
      '--timeout',
      '60s',
      '-v=6',
    ]);
    expect(inPlace.code, inPlace.stderr).toBe(0);

    await quickDeadline(ns, 'web');
    cleanups.push(await neverReadyWith(ns, 'db-v3'));
    const failed = await run('failing', [
      'db',
      '-n',
      ns,
      '--from-literal',
      `password=${canaries.failing}`,
      '--yes',
      '--timeout',
      '20s',
      '-o',
      'yaml',
      '-v=6',
    ]);
    expect(failed.code, failed.stderr).toBe(3);

    const crashed = await runBundle(
      ['rotate', 'db', '-n', ns, '--from-literal', `password=${canaries.crashed}`, '--yes', '-v=6'],
      { env: { KUBECTL_SECRETS_CRASH_AT_STEP: '3' } },
    );
    outputs.push({ name: 'crashed bundle', text: crashed.stdout + crashed.stderr });
    expect(crashed.code).toBe(137);
    const resumed = await run('resume', ['db', '-n', ns, '--resume', '-o', 'json', '-v=6']);
    expect(resumed.code, resumed.stderr).toBe(0);

    const badEnv = await run('bad env file', [
      'db',
      '-n',
      ns,
      '--from-env-file',
      file('bad.env', `OK=1\n${canaries.badLine}\n`),
      '--yes',
    ]);
    expect(badEnv.stderr).toContain('line 2: expected KEY=VALUE');
    const badKey = await run('bad env key', [
      'db',
      '-n',
      ns,
      '--from-env-file',
      file('bad-key.env', `${canaries.badLine}+/x=1\n`),
      '--yes',
    ]);
    expect(badKey.stderr).toContain('line 1: invalid key');
    const badLiteral = await run('bad literal', ['db', '-n', ns, '--from-literal', canaries.badLine, '--yes']);
    expect(badLiteral.stderr).toContain('error: --from-literal #1: expected KEY=VALUE');

    const retired = await run('retire', ['db', '-n', ns, '--retire', '--yes', '-o', 'yaml', '-v=6']);
    expect(retired.code, retired.stderr).toBe(0);

    for (const o of outputs) assertNoLeak(all, [o]);

    // Every object in the namespace: Secrets without their data (journals and labels included), workloads, pods, Leases, events.
    const objects: LeakSource[] = [];
    const collections = [
      '/api/v1/namespaces/NS/secrets',
      '/api/v1/namespaces/NS/pods',
      '/api/v1/namespaces/NS/events',
      '/apis/apps/v1/namespaces/NS/deployments',
      '/apis/apps/v1/namespaces/NS/replicasets',
      '/apis/apps/v1/namespaces/NS/statefulsets',
      '/apis/apps/v1/namespaces/NS/daemonsets',
      '/apis/apps/v1/namespaces/NS/controllerrevisions',
      '/apis/batch/v1/namespaces/NS/cronjobs',
      '/apis/coordination.k8s.io/v1/namespaces/NS/leases',
    ];
    let journals = 0;
    for (const path of collections) {
      const { body } = await api('GET', path.replace('NS', ns));
      for (const item of body.items as any[]) {
        const { data: _values, ...rest } = item;
        if (item.metadata.annotations?.['secrets.kubectl-secrets.dev/rotation']) journals++;
        objects.push({ name: `${path.split('/').at(-1)}/${item.metadata.name}`, text: JSON.stringify(rest) });
      }
    }
    expect(journals).toBeGreaterThanOrEqual(2);
    expect(findLeaks(all, objects)).toEqual([]);
  });
});
