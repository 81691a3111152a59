// The packaged single binary, as users install it: through kubectl's plugin
// mechanism, with kubectl's plugin completion (the krew archives: release.test.ts).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  runProcess(kubectlPath, args, {
    env: { PATH: `${pluginDir}:/usr/bin:/bin`, HOME: pluginDir, KUBECONFIG: useCluster().kubeconfig },
  });

describe('kubectl plugin', () => {
  it('runs as `kubectl secrets --help`', async () => {
    const r = await kubectl(['secrets', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('kubectl secrets <command> [flags]');
    for (const cmd of ['who-can', 'exposure', 'rotate', 'audit']) expect(r.stdout).toContain(cmd);
  });

  it('prints with --version the release tag `version` prints', async () => {
    const tag = JSON.parse((await kubectl(['secrets', 'version', '-o', 'json'])).stdout).items[0].version;
    expect(tag).toMatch(/^v\d/);
    const r = await kubectl(['secrets', '--version']);
    expect(r.stdout.trim()).toBe(tag);
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
