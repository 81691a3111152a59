// Makes dist/kubectl-secrets, a single executable that needs no Node.js on
// the user's machine: the esbuild bundle embedded into the pinned Node
// (package.json devDependencies.node) with its own --build-sea, with a V8 code
// cache for a faster start. Run `npm run build` first. `npm run release`
// makes the same for every platform.
import { existsSync, statSync } from 'node:fs';
import { buildSea } from './sea.mjs';
import { NODE_VERSION, pinnedNode } from './node-runtime.mjs';

const bundle = 'dist/kubectl-secrets-main.cjs';
const binary = 'dist/kubectl-secrets';

if (!existsSync(bundle)) {
  console.error(`error: ${bundle} is missing: run npm run build first`);
  process.exit(1);
}
try {
  buildSea({ bundle, executable: pinnedNode(), output: binary, codeCache: true });
} catch (err) {
  console.error(`error: ${err.message}`);
  process.exit(1);
}
console.log(`${binary} ${(statSync(binary).size / 1024 / 1024).toFixed(1)} MiB (Node ${NODE_VERSION} inside)`);
