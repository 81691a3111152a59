// Bundles the audit engine (src/audit + src/sources) with esbuild into one ESM file,
// as the CLI bundle would contain it, and returns its path.
import { build } from 'esbuild';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDir } from './generate-log.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * `exports`: more export lines (other engines built on this one); `outfile`: where to write it; `root`: a
 * checkout of other sources (the bench's --before), built with this checkout's dependencies.
 */
export async function bundleEngine({ exports = [], outfile = join(benchDir(), 'engine.mjs'), root = repo } = {}) {
  await build({
    stdin: {
      contents: [
        "export { runAudit } from './src/audit/run.ts';",
        "export { openAuditLogs } from './src/sources/audit-inputs.ts';",
        "export { runAuditCount } from './src/sources/audit-count-threads.ts';",
        ...(root === repo ? ["export { createWasmEventReader } from './src/audit/wasm-event.ts';"] : []),
        ...exports,
      ].join('\n'),
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    nodePaths: [join(repo, 'node_modules')],
    logLevel: 'warning',
  });
  return outfile;
}
