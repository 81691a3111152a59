// The npm package, as `npm i -g` users get it: `npm pack` of this repository,
// installed into a temporary prefix, on PATH, run by kubectl as a plugin on
// the pinned Node.js (>= 22) against the local cluster.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deleteNamespace,
  freshNamespace,
  kubectl as clusterKubectl,
  ownStderr,
  useCluster,
} from '../harness/cluster.js';
import { BUNDLE, REPO, ensureBundle, runProcess } from '../harness/runCli.js';

let tarball: string;
let prefix: string;
let packed: string[];
let ns: string;
let dir: string;
const npm = (args: string[], cwd = REPO) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

beforeAll(async () => {
  ensureBundle();
  dir = mkdtempSync(join(tmpdir(), 'npm-package-'));
  // The bundle is already built (prepack would rebuild it under running tests).
  const [info] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir]));
  tarball = join(dir, info.filename);
  packed = info.files.map((f: { path: string }) => f.path).sort();
  prefix = join(dir, 'prefix');
  npm(['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', tarball], dir);
  ns = await freshNamespace('npmpkg');
  // Made the way an operator would, with kubectl: a Secret and one user allowed to read it by name.
  await clusterKubectl(['-n', ns, 'create', 'secret', 'generic', 'db', '--from-literal=password=not-printed']);
  await clusterKubectl([
    '-n',
    ns,
    'create',
    'role',
    'db-reader',
    '--verb=get',
    '--resource=secrets',
    '--resource-name=db',
  ]);
  await clusterKubectl(['-n', ns, 'create', 'rolebinding', 'carol-reads-db', '--role=db-reader', '--user=carol']);
}, 300_000);

afterAll(async () => {
  if (ns) await deleteNamespace(ns);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** kubectl with only the installed package, the pinned Node.js and the system on PATH. */
const kubectl = (args: string[]) =>
  runProcess(join(useCluster().binDir, 'kubectl'), args, {
    env: {
      PATH: `${join(prefix, 'bin')}:${dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: prefix,
      KUBECONFIG: useCluster().kubeconfig,
    },
  });

describe('npm package', () => {
  it('packs the bundle, the completion helper, LICENSE and README only, with no dependencies to install', () => {
    expect(packed).toEqual([
      'LICENSE',
      'README.md',
      'dist/kubectl-secrets-main.cjs',
      'dist/kubectl-secrets.cjs',
      'package.json',
      'scripts/kubectl_complete-secrets',
    ]);
    const pkg = JSON.parse(readFileSync(join(prefix, 'lib/node_modules/kubectl-secrets/package.json'), 'utf8'));
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.engines.node).toBe('>=22');
    for (const file of [BUNDLE, join(BUNDLE, '..', 'kubectl-secrets-main.cjs')]) {
      const installed = readFileSync(join(prefix, 'lib/node_modules/kubectl-secrets/dist', basename(file)));
      expect(createHash('sha256').update(installed).digest('hex')).toBe(
        createHash('sha256').update(readFileSync(file)).digest('hex'),
      );
    }
  });

  it('runs as `kubectl secrets --help` from the npm prefix, on Node.js >= 22', async () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(22);
    const r = await kubectl(['secrets', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('kubectl secrets <command> [flags]');
    const v = await kubectl(['secrets', 'version', '-o', 'json']);
    expect(JSON.parse(v.stdout).items[0]).toMatchObject({ nodeVersion: process.version, singleExecutable: false });
  });

  it('answers who-can against the cluster, and completes through kubectl', async () => {
    const r = await kubectl(['secrets', 'who-can', 'db', '-n', ns, '-o', 'json']);
    expect(ownStderr(r.stderr)).toEqual([]);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout).items as { kind: string; subject: string; path: string }[];
    expect(rows).toContainEqual(expect.objectContaining({ kind: 'User', subject: 'carol', path: 'direct' }));
    expect(r.stdout).not.toContain('not-printed');
    const completion = await kubectl(['__complete', 'secrets', 'who-can', '-n', ns, '']);
    expect(completion.stdout.split('\n')).toContain('db');
  });

  it("keeps a V8 code cache per command in the user's cache directory, and answers alike from it", async () => {
    const cacheDir = join(prefix, '.cache', 'kubectl-secrets', 'code-cache');
    const names = readdirSync(cacheDir);
    for (const word of ['help', 'version', 'who-can', '__complete'])
      expect(names.filter((n) => n.endsWith(`.${word}.cache`))).toHaveLength(1);
    const again = await kubectl(['secrets', 'who-can', 'db', '-n', ns, '-o', 'json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).items).toContainEqual(
      expect.objectContaining({ kind: 'User', subject: 'carol', path: 'direct' }),
    );
    expect(readdirSync(cacheDir).sort()).toEqual(names.sort());
  });
});
