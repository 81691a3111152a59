import type { Plugin } from 'esbuild';

export declare const bundleOptions: {
  platform: 'node';
  format: 'cjs';
  target: string;
  alias: Record<string, string>;
  plugins: Plugin[];
};
