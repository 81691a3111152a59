import { GIT_COMMIT, GIT_TREE_STATE, VERSION } from '../version.js';

/** What `kubectl secrets version` reports: the build, and the Node.js that runs it. */
export interface BuildInfo {
  /** The tool's version, as its release tag: "v0.1.0" ("dev" from source). */
  version: string;
  gitCommit: string;
  gitTreeState: string;
  /** The Node.js running the tool: the one inside the single binary, or the `node` on PATH. */
  nodeVersion: string;
  /** Go-style os/arch, as krew and kubectl name platforms: linux/amd64, darwin/arm64, windows/amd64. */
  platform: string;
  /** True when running as the single executable (Node.js embedded), false when run by `node`. */
  singleExecutable: boolean;
}

export interface Runtime {
  version: string;
  platform: string;
  arch: string;
  isSea: boolean;
}

/** The tool's version as its release tag ("v0.1.0"), what `version` and `--version` print. */
export const RELEASE_TAG = /^\d/.test(VERSION) ? `v${VERSION}` : VERSION;

const GO_OS: Record<string, string> = { win32: 'windows' };
const GO_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm: 'arm' };

export function buildInfo(runtime: Runtime): BuildInfo {
  return {
    version: RELEASE_TAG,
    gitCommit: GIT_COMMIT,
    gitTreeState: GIT_TREE_STATE,
    nodeVersion: runtime.version,
    platform: `${GO_OS[runtime.platform] ?? runtime.platform}/${GO_ARCH[runtime.arch] ?? runtime.arch}`,
    singleExecutable: runtime.isSea,
  };
}
