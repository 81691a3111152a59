// Builds the entry point src/launch/launcher.ts for a bundle of src/main.ts: a small file that runs the bundle from a
// V8 code cache. npm: the bundle lies next to it. The single binary: the bundle is its asset of the same name
// (scripts/sea.mjs). The bundle's content hash names the cache, so a new build never uses an old one.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { buildSync } from 'esbuild';

/** The asset name, or the file name next to the entry point, the entry point loads the bundle `main` by. */
export const bundleName = (main) => basename(main);

/** @param {{ main: string, outfile: string }} opts */
export function buildLauncher({ main, outfile }) {
  const buildId = createHash('sha256').update(readFileSync(main)).digest('hex').slice(0, 16);
  buildSync({
    entryPoints: [new URL('../src/launch/launcher.ts', import.meta.url).pathname],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    minify: true,
    legalComments: 'none',
    banner: { js: '#!/usr/bin/env node' },
    define: { __MAIN_BUNDLE__: JSON.stringify(bundleName(main)), __MAIN_BUILD_ID__: JSON.stringify(buildId) },
    logLevel: 'warning',
  });
}
