// Tools the release needs beyond Node, installed from the package registries
// into the cache (like the cluster binaries), never into the system:
//   rcodesign     ad-hoc signs the macOS binaries (crate apple-codesign, built with cargo;
//                 without the default "notarize" feature, which pulls in an AWS SDK)
//   qemu-aarch64  runs the linux/arm64 binary here (Debian's qemu-user-static, with the
//                 arm64 C and C++ runtime from Debian's cross packages), unpacked with dpkg-deb
// A tool already on PATH is used as it is.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export const CACHE = process.env.KUBECTL_SECRETS_CACHE ?? join(homedir(), '.cache', 'kubectl-secrets');
const TOOLS = join(CACHE, 'tools');
const RCODESIGN_VERSION = '0.29.0';
const ARM64_DEBS = ['qemu-user-static', 'libc6-arm64-cross', 'libstdc++6-arm64-cross', 'libgcc-s1-arm64-cross', 'libatomic1-arm64-cross'];

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

const log = (line) => process.stderr.write(`[tools] ${line}\n`);

/** The rcodesign binary, built once with cargo into the cache. */
export function rcodesign() {
  const found = onPath('rcodesign');
  if (found) return found;
  const root = join(TOOLS, `apple-codesign-${RCODESIGN_VERSION}`);
  const bin = join(root, 'bin', 'rcodesign');
  if (existsSync(bin)) return bin;
  if (!onPath('cargo')) {
    throw new Error('rcodesign (to sign the macOS binaries) is missing and cargo is not installed to build it: install Rust (rustup) or put rcodesign on PATH');
  }
  log(`building rcodesign ${RCODESIGN_VERSION} with cargo (once; several minutes on 2 cores)`);
  const started = Date.now();
  const r = spawnSync('cargo', ['install', `apple-codesign@${RCODESIGN_VERSION}`, '--no-default-features', '--locked', '--root', root], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0 || !existsSync(bin)) throw new Error(`cargo install apple-codesign failed (exit ${r.status ?? r.signal})`);
  log(`rcodesign built in ${Math.round((Date.now() - started) / 1000)} s`);
  return bin;
}

/** A command prefix that runs a linux/arm64 program here: [qemu, '-L', sysroot]. */
export function arm64Runner() {
  if (process.arch === 'arm64' && process.platform === 'linux') return [];
  const root = join(TOOLS, 'qemu-arm64');
  const qemu = join(root, 'usr', 'bin', 'qemu-aarch64-static');
  const sysroot = join(root, 'usr', 'aarch64-linux-gnu');
  if (!existsSync(qemu) || !existsSync(join(sysroot, 'lib', 'libatomic.so.1'))) {
    if (!onPath('apt-get') || !onPath('dpkg-deb')) throw new Error('qemu-user-static comes from Debian packages: apt-get and dpkg-deb are needed');
    log(`fetching ${ARM64_DEBS.join(', ')} (Debian packages, unpacked into the cache)`);
    mkdirSync(TOOLS, { recursive: true });
    const dir = mkdtempSync(join(TOOLS, 'debs-'));
    try {
      const download = () => spawnSync('apt-get', ['download', ...ARM64_DEBS], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      // A fresh machine may have no package lists yet.
      if (download().status !== 0) {
        execFileSync('apt-get', ['update'], { stdio: 'ignore' });
        const again = download();
        if (again.status !== 0) throw new Error(`apt-get download failed: ${again.stderr.toString().trim().split('\n').pop()}`);
      }
      mkdirSync(root, { recursive: true });
      for (const deb of readdirSync(dir).filter((f) => f.endsWith('.deb'))) execFileSync('dpkg-deb', ['-x', join(dir, deb), root]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return [qemu, '-L', sysroot];
}
