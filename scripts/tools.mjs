// Tools the release needs beyond Node, installed from the package registries
// into the cache (like the cluster binaries), never into the system:
//   quill         ad-hoc signs the macOS binaries (Go module github.com/anchore/quill,
//                 built with the machine's Go, GOTOOLCHAIN=local)
//   qemu-aarch64  runs the linux/arm64 binary here (Debian's qemu-user-static, with the
//                 arm64 C and C++ runtime from Debian's cross packages), unpacked with dpkg-deb
// A tool already on PATH is used as it is.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

export const CACHE = process.env.KUBECTL_SECRETS_CACHE ?? join(homedir(), '.cache', 'kubectl-secrets');
const TOOLS = join(CACHE, 'tools');
const QUILL_VERSION = 'v0.5.1';
const QUILL_PACKAGE = 'github.com/anchore/quill/cmd/quill';
const QUILL_GO = '1.23.4'; // the go line of quill's go.mod
const ARM64_DEBS = [
  'qemu-user-static',
  'libc6-arm64-cross',
  'libstdc++6-arm64-cross',
  'libgcc-s1-arm64-cross',
  'libatomic1-arm64-cross',
];

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

const log = (line) => process.stderr.write(`[tools] ${line}\n`);

/** The quill binary, built once with the machine's Go into the cache. */
export function quill() {
  const found = onPath('quill');
  if (found) return found;
  const bin = join(TOOLS, `quill-${QUILL_VERSION}`, 'bin', 'quill');
  if (existsSync(bin)) return bin;
  if (!onPath('go')) {
    throw new Error(
      `quill (to sign the macOS binaries) is missing and go is not installed to build it: install Go ${QUILL_GO} or later, or put quill on PATH`,
    );
  }
  log(`building quill ${QUILL_VERSION} with go (once; 1–2 minutes)`);
  const started = Date.now();
  // `go install quill@version` would be one step, but it also asks the proxy for the module's version list (to warn
  // about deprecation), which a mirror may refuse; a throwaway module that requires quill builds the same thing.
  mkdirSync(TOOLS, { recursive: true });
  const work = mkdtempSync(join(TOOLS, 'quill-build-'));
  const env = { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=mod`.trim() };
  const go = (args) => {
    const r = spawnSync('go', args, { cwd: work, env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (r.status !== 0)
      throw new Error(`go ${args[0]} of quill ${QUILL_VERSION} failed: ${r.stderr.trim().split('\n').pop()}`);
  };
  try {
    writeFileSync(join(work, 'go.mod'), `module kubectl-secrets-tools\n\ngo ${QUILL_GO}\n`);
    go(['get', `${QUILL_PACKAGE}@${QUILL_VERSION}`]);
    go(['build', '-ldflags', `-X main.version=${QUILL_VERSION.slice(1)}`, '-o', join(work, 'quill'), QUILL_PACKAGE]);
    mkdirSync(dirname(bin), { recursive: true });
    renameSync(join(work, 'quill'), bin);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  log(`quill built in ${Math.round((Date.now() - started) / 1000)} s`);
  return bin;
}

/** A command prefix that runs a linux/arm64 program here: [qemu, '-L', sysroot]. */
export function arm64Runner() {
  if (process.arch === 'arm64' && process.platform === 'linux') return [];
  const root = join(TOOLS, 'qemu-arm64');
  const qemu = join(root, 'usr', 'bin', 'qemu-aarch64-static');
  const sysroot = join(root, 'usr', 'aarch64-linux-gnu');
  if (!existsSync(qemu) || !existsSync(join(sysroot, 'lib', 'libatomic.so.1'))) {
    if (!onPath('apt-get') || !onPath('dpkg-deb'))
      throw new Error('qemu-user-static comes from Debian packages: apt-get and dpkg-deb are needed');
    log(`fetching ${ARM64_DEBS.join(', ')} (Debian packages, unpacked into the cache)`);
    mkdirSync(TOOLS, { recursive: true });
    const dir = mkdtempSync(join(TOOLS, 'debs-'));
    try {
      const download = () =>
        spawnSync('apt-get', ['download', ...ARM64_DEBS], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      // A fresh machine may have no package lists yet.
      if (download().status !== 0) {
        execFileSync('apt-get', ['update'], { stdio: 'ignore' });
        const again = download();
        if (again.status !== 0)
          throw new Error(`apt-get download failed: ${again.stderr.toString().trim().split('\n').pop()}`);
      }
      mkdirSync(root, { recursive: true });
      for (const deb of readdirSync(dir).filter((f) => f.endsWith('.deb')))
        execFileSync('dpkg-deb', ['-x', join(dir, deb), root]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return [qemu, '-L', sysroot];
}
