// `npm run release`: five platform archives and the krew manifest, checked
// from their bytes (binary format, CPU, macOS signature, Windows signature),
// and the binaries that can run here run: linux/amd64 natively, linux/arm64
// under qemu-user.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_VERSION, TARGETS } from '../../scripts/node-runtime.mjs';
import { arm64Runner, quill } from '../../scripts/tools.mjs';
import { binaryFormat, machoSignature, peInfo } from '../harness/binary-format.js';
import { BINARY, REPO, runProcess } from '../harness/runCli.js';

const version = `v${JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version}`;
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const release = (dir: string, env: Record<string, string> = {}) =>
  execFileSync(process.execPath, ['scripts/release.mjs'], {
    cwd: REPO,
    env: { ...process.env, RELEASE_DIR: dir, RELEASE_PREBUILT: '1', ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });

let dir: string;
let manifest: any;
const unpacked = new Map<string, string>();
const archiveOf = (id: string) => join(dir, `kubectl-secrets-${version}-${id}.tar.gz`);

beforeAll(() => {
  if (!existsSync(BINARY)) {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO });
    execFileSync(process.execPath, ['scripts/package.mjs'], { cwd: REPO });
  }
  dir = mkdtempSync(join(tmpdir(), 'release-'));
  release(dir);
  manifest = yaml.load(readFileSync(join(dir, 'plugin.yaml'), 'utf8'));
  for (const t of TARGETS) {
    const id = `${t.os}-${t.arch}`;
    const into = mkdtempSync(join(dir, `${id}-`));
    execFileSync('tar', ['-xzf', archiveOf(id), '-C', into]);
    unpacked.set(id, into);
  }
}, 1_800_000);

// About 1 GB of archives and unpacked binaries.
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run release', () => {
  it("lists all five platforms in plugin.yaml, with selectors, bin and the archives' sha256s", () => {
    expect(manifest).toMatchObject({
      apiVersion: 'krew.googlecontainertools.github.com/v1alpha2',
      kind: 'Plugin',
      metadata: { name: 'secrets' },
    });
    expect(manifest.spec.version).toBe(version);
    expect(manifest.spec.shortDescription.length).toBeLessThan(50);
    for (const perm of ['rolebindings', 'clusterrolebindings', 'subjectaccessreviews', 'pods', 'leases'])
      expect(manifest.spec.caveats).toContain(perm);
    const platforms = manifest.spec.platforms as any[];
    expect(platforms.map((p) => `${p.selector.matchLabels.os}/${p.selector.matchLabels.arch}`)).toEqual([
      'linux/amd64',
      'linux/arm64',
      'darwin/amd64',
      'darwin/arm64',
      'windows/amd64',
    ]);
    for (const p of platforms) {
      const id = `${p.selector.matchLabels.os}-${p.selector.matchLabels.arch}`;
      expect(p.sha256).toBe(sha256(archiveOf(id)));
      expect(p.uri).toMatch(new RegExp(`/releases/download/${version}/kubectl-secrets-${version}-${id}\\.tar\\.gz$`));
      expect(p.bin).toBe(id.startsWith('windows') ? 'kubectl-secrets.exe' : 'kubectl-secrets');
      const listed = execFileSync('tar', ['-tzf', archiveOf(id)], { encoding: 'utf8' })
        .trim()
        .split('\n');
      for (const f of p.files) {
        expect(listed).toContain(f.from);
        expect(f.to).toBe('.');
      }
      expect(p.files.map((f: any) => f.from)).toContain(p.bin);
    }
  });

  it.each(TARGETS.map((t) => [`${t.os}-${t.arch}`, t] as const))(
    '%s: archive holds the binary, LICENSE and the completion helper',
    (id, t) => {
      const listed = execFileSync('tar', ['-tzf', archiveOf(id)], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .sort();
      const helper = t.os === 'windows' ? 'kubectl_complete-secrets.cmd' : 'kubectl_complete-secrets';
      expect(listed).toEqual(['LICENSE', 'README.md', t.exe, helper].sort());
      const bytes = readFileSync(join(unpacked.get(id)!, t.exe));
      expect(binaryFormat(bytes)).toEqual({ format: t.format, arch: t.arch });
      // The application is embedded: the bundle's own text is inside the binary.
      expect(bytes.includes('kubectl-secrets.dev/v1alpha1')).toBe(true);
    },
  );

  it('linux/amd64 holds the very binary the e2e suite runs, reporting Node.js inside and the commit', async () => {
    const exe = join(unpacked.get('linux-amd64')!, 'kubectl-secrets');
    expect(sha256(exe)).toBe(sha256(BINARY));
    const r = await runProcess(exe, ['version', '-o', 'json']);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout).items[0];
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
    expect(info).toMatchObject({
      version,
      gitCommit: head,
      nodeVersion: `v${NODE_VERSION}`,
      platform: 'linux/amd64',
      singleExecutable: true,
    });
  });

  it('linux/arm64 runs --help and version under qemu-user', async () => {
    const [qemu, ...qemuArgs] = arm64Runner();
    const exe = join(unpacked.get('linux-arm64')!, 'kubectl-secrets');
    const help = await runProcess(qemu ?? exe, [...qemuArgs, ...(qemu ? [exe] : []), '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('kubectl secrets <command> [flags]');
    const v = await runProcess(qemu ?? exe, [...qemuArgs, ...(qemu ? [exe] : []), 'version', '-ojson']);
    expect(JSON.parse(v.stdout).items[0]).toMatchObject({
      nodeVersion: `v${NODE_VERSION}`,
      platform: 'linux/arm64',
      singleExecutable: true,
    });
  }, 120_000);

  it.each(['darwin-amd64', 'darwin-arm64'])('%s: ad-hoc signed, every page hash valid', (id) => {
    const exe = join(unpacked.get(id)!, 'kubectl-secrets');
    const signature = machoSignature(readFileSync(exe));
    expect(signature).toMatchObject({ adhoc: true, identifier: 'kubectl-secrets', badPages: 0, coversWholeFile: true });
    expect(signature!.pages).toBeGreaterThan(1000);
    // quill, which made it, reads the same signature (it has no verify command).
    const info = execFileSync(quill(), ['describe', exe], { encoding: 'utf8' });
    expect(info).toMatch(/^ {4}Flags: +adhoc$/m);
    expect(info).toMatch(/^ {4}ID: +kubectl-secrets$/m);
    expect(info).toContain(`PageDigests: count=${signature!.pages}\n`);
  });

  it('windows/amd64: a console program with no stale Authenticode signature', () => {
    const info = peInfo(readFileSync(join(unpacked.get('windows-amd64')!, 'kubectl-secrets.exe')));
    expect(info.subsystem).toBe(3);
    expect(info.certificateTable).toEqual({ offset: 0, size: 0 });
  });

  it('makes the same archive from the same binary (deterministic)', () => {
    const again = mkdtempSync(join(dir, 'again-'));
    release(again, { RELEASE_TARGETS: 'linux-amd64' });
    expect(sha256(join(again, `kubectl-secrets-${version}-linux-amd64.tar.gz`))).toBe(sha256(archiveOf('linux-amd64')));
  }, 300_000);
});
