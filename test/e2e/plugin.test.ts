// The packaged single binary, as users install it: through kubectl's plugin
// mechanism, with kubectl's plugin completion, and as a krew release archive.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCluster } from '../harness/cluster.js';
import { BINARY, REPO, runProcess } from '../harness/runCli.js';

let pluginDir: string;
let kubectlPath: string;

beforeAll(() => {
  if (!existsSync(BINARY)) {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO });
    execFileSync(process.execPath, ['scripts/package.mjs'], { cwd: REPO });
  }
  pluginDir = mkdtempSync(join(tmpdir(), 'krew-bin-'));
  symlinkSync(BINARY, join(pluginDir, 'kubectl-secrets'));
  symlinkSync(join(REPO, 'scripts/kubectl_complete-secrets'), join(pluginDir, 'kubectl_complete-secrets'));
  kubectlPath = join(useCluster().binDir, 'kubectl');
});

const kubectl = (args: string[]) =>
  runProcess(kubectlPath, args, { env: { PATH: `${pluginDir}:/usr/bin:/bin`, HOME: pluginDir, KUBECONFIG: useCluster().kubeconfig } });

describe('kubectl plugin', () => {
  it('runs as `kubectl secrets --help`', async () => {
    const r = await kubectl(['secrets', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('kubectl secrets <command> [flags]');
    for (const cmd of ['who-can', 'exposure', 'rotate', 'audit']) expect(r.stdout).toContain(cmd);
  });

  it('is listed by `kubectl plugin list`', async () => {
    const r = await kubectl(['plugin', 'list']);
    expect(r.stdout).toContain(join(pluginDir, 'kubectl-secrets'));
  });

  it('completes `kubectl secrets <TAB>` through kubectl_complete-secrets', async () => {
    const r = await kubectl(['__complete', 'secrets', 'ex']);
    expect(r.stdout.split('\n')).toEqual(['exposure', ':4', '']);
    const formats = await kubectl(['__complete', 'secrets', 'who-can', 'db', '-o', 'y']);
    expect(formats.stdout.split('\n')).toEqual(['yaml', ':4', '']);
  });

  it('completes Secret names from the cluster', async () => {
    const r = await kubectl(['__complete', 'secrets', 'exposure', '-n', 'kube-system', '']);
    expect(r.code).toBe(0);
    expect(r.stdout.endsWith(':4\n')).toBe(true);
  });
});

describe('krew release', () => {
  it('makes a deterministic archive whose sha256 the manifest carries', () => {
    const dir = mkdtempSync(join(tmpdir(), 'release-'));
    const run = () => execFileSync(process.execPath, ['scripts/release.mjs'], { cwd: REPO, env: { ...process.env, RELEASE_DIR: dir }, encoding: 'utf8' });
    run();
    const manifest = yaml.load(readFileSync(join(dir, 'plugin.yaml'), 'utf8')) as any;
    const version = `v${JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version}`;
    const archive = join(dir, `kubectl-secrets-${version}-linux-amd64.tar.gz`);
    const sha = createHash('sha256').update(readFileSync(archive)).digest('hex');
    run();
    expect(createHash('sha256').update(readFileSync(archive)).digest('hex')).toBe(sha);

    expect(manifest.apiVersion).toBe('krew.googlecontainertools.github.com/v1alpha2');
    expect(manifest.kind).toBe('Plugin');
    expect(manifest.metadata.name).toBe('secrets');
    expect(manifest.spec.version).toBe(version);
    expect(manifest.spec.version).toMatch(/^v\d+\.\d+\.\d+/);
    expect(manifest.spec.shortDescription.length).toBeLessThan(50);
    for (const perm of ['rolebindings', 'clusterrolebindings', 'subjectaccessreviews', 'pods', 'leases']) expect(manifest.spec.caveats).toContain(perm);
    const platform = manifest.spec.platforms[0];
    expect(platform.sha256).toBe(sha);
    expect(platform.uri).toContain(`/${version}/kubectl-secrets-${version}-linux-amd64.tar.gz`);
    expect(platform.bin).toBe('kubectl-secrets');
    const listed = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).trim().split('\n').sort();
    expect(listed).toEqual(['LICENSE', 'README.md', 'kubectl-secrets', 'kubectl_complete-secrets']);
    for (const f of platform.files) expect(listed).toContain(f.from);
  });
});
