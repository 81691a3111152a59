// Fetches and builds, once into the cache, what `npm run release` and its test
// need besides npm packages: the official Node binary of every target,
// quill (macOS signatures) and qemu-user (runs the linux/arm64 binary).
// `npm test` runs it before the tests, so no test waits on a download or a build.
import { nodeBinary } from './node-dist.mjs';
import { TARGETS } from './node-runtime.mjs';
import { arm64Runner, quill } from './tools.mjs';

try {
  for (const t of TARGETS) nodeBinary(t);
  quill();
  arm64Runner();
} catch (err) {
  console.error(`error: ${err.message}`);
  process.exit(1);
}
