export interface Target {
  os: 'linux' | 'darwin' | 'windows';
  arch: 'amd64' | 'arm64';
  format: 'ELF' | 'Mach-O' | 'PE';
  exe: string;
  npm: string;
  nodeBin: string;
  integrity: string;
}
export declare const REPO: string;
export declare const NODE_VERSION: string;
export declare const TARGETS: Target[];
export declare function pinnedNode(): string;
export declare function hostTarget(): string;
