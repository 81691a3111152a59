// Makes dist/kubectl-secrets, a single executable that needs no Node.js on
// the user's machine: the esbuild bundle embedded into a copy of this Node
// binary (Node's single-executable applications, with a V8 code cache for a
// faster start). Run `npm run build` first.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const bundle = 'dist/kubectl-secrets.cjs';
const binary = 'dist/kubectl-secrets';
const blob = 'dist/sea-prep.blob';
const config = 'dist/sea-config.json';

if (!existsSync(bundle)) {
  console.error(`error: ${bundle} is missing: run npm run build first`);
  process.exit(1);
}
writeFileSync(config, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }));
execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: ['ignore', 'ignore', 'inherit'] });
rmSync(binary, { force: true });
copyFileSync(process.execPath, binary);
chmodSync(binary, 0o755);
const postject = path.join(path.dirname(require.resolve('postject/package.json')), 'dist', 'cli.js');
execFileSync(process.execPath, [postject, binary, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
rmSync(blob);
rmSync(config);
console.log(`${binary} ${(statSync(binary).size / 1024 / 1024).toFixed(1)} MiB (Node ${process.version} inside)`);
