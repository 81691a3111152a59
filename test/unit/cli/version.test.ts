import { describe, expect, it } from 'vitest';
import { buildInfo } from '../../../src/buildinfo/info.js';
import { runCli } from '../../harness/runCli.js';

describe('buildInfo', () => {
  it.each([
    ['linux', 'x64', 'linux/amd64'],
    ['linux', 'arm64', 'linux/arm64'],
    ['darwin', 'x64', 'darwin/amd64'],
    ['darwin', 'arm64', 'darwin/arm64'],
    ['win32', 'x64', 'windows/amd64'],
  ])('names %s/%s as %s, like krew and kubectl', (platform, arch, expected) => {
    expect(buildInfo({ version: 'v26.10.0', platform, arch, isSea: true }).platform).toBe(expected);
  });

  it('reports the running Node.js and whether it is the single binary', () => {
    const info = buildInfo({ version: 'v26.10.0', platform: 'linux', arch: 'x64', isSea: false });
    expect(info).toMatchObject({ nodeVersion: 'v26.10.0', singleExecutable: false });
  });
});

describe('kubectl secrets version', () => {
  it('prints version, commit, Node.js and platform', async () => {
    const r = await runCli(['version']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(':')[0])).toEqual(['Version', 'Git commit', 'Node.js', 'Platform']);
    expect(r.stdout).toContain(`Node.js: ${process.version} (running the bundle)`);
  });

  it('prints a versioned document with -o json and -o yaml', async () => {
    const r = await runCli(['version', '-ojson']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ apiVersion: 'kubectl-secrets.dev/v1alpha1', kind: 'Version' });
    expect(doc.items).toHaveLength(1);
    expect(Object.keys(doc.items[0]).sort()).toEqual([
      'gitCommit',
      'gitTreeState',
      'nodeVersion',
      'platform',
      'singleExecutable',
      'version',
    ]);
    expect(doc.items[0]).toMatchObject({ nodeVersion: process.version, singleExecutable: false });
    const y = await runCli(['version', '-o', 'yaml']);
    expect(y.stdout).toContain('kind: Version\n');
  });

  it('refuses other output formats', async () => {
    const r = await runCli(['version', '-o', 'wide']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: invalid value "wide" for --output \(one of json, yaml\)/);
  });
});
