// Runs a TypeScript bench script: bundles it with esbuild (dependencies stay
// external) into a temporary file next to it and imports that. Node 20 cannot
// run TypeScript by itself.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const entry = process.argv[2];
if (!entry) {
  console.error('error: usage: node bench/exposure/run-ts.mjs <script.ts> [args...]');
  process.exit(1);
}
const outfile = join(dirname(resolve(entry)), `.${basename(entry, '.ts')}.${process.pid}.mjs`);
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
try {
  process.argv.splice(1, 2, resolve(entry));
  await import(pathToFileURL(outfile).href);
} finally {
  rmSync(outfile, { force: true });
}
