// Builds the npm entry point (src/launch/launcher.ts) next to a bundle of src/main.ts: a small file that runs the
// bundle from a V8 code cache. The bundle's content hash names the cache, so a new build never uses an old one.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { build } from 'esbuild';

/** @param {{ main: string, outfile: string }} opts  `main` must be in the directory of `outfile`. */
export async function buildLauncher({ main, outfile }) {
  if (resolve(dirname(main)) !== resolve(dirname(outfile))) throw new Error(`${main} must be next to ${outfile}`);
  const buildId = createHash('sha256').update(readFileSync(main)).digest('hex').slice(0, 16);
  await build({
    entryPoints: [new URL('../src/launch/launcher.ts', import.meta.url).pathname],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    minify: true,
    legalComments: 'none',
    banner: { js: '#!/usr/bin/env node' },
    define: { __MAIN_BUNDLE__: JSON.stringify(basename(main)), __MAIN_BUILD_ID__: JSON.stringify(buildId) },
    logLevel: 'warning',
  });
}
