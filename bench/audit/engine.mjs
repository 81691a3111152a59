// Bundles the audit engine (src/audit + src/sources) with esbuild into one ESM file,
// as the CLI bundle would contain it, and returns its path. bundleEngine({ commit })
// bundles the engine as it was at an older commit (the "before" of a comparison).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDir } from './generate-log.mjs';
import { auditWorkerSource } from '../../scripts/audit-worker-source.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * `commit`: bundle the engine as it was at that commit (for before/after); `exports`: more export lines (other
 * engines built on this one); `outfile`: where to write it.
 */
export async function bundleEngine({ commit, exports = [], outfile } = {}) {
  outfile ??= join(benchDir(), commit ? `engine-${commit}.mjs` : 'engine.mjs');
  let root = repo;
  if (commit) {
    root = join(benchDir(), `src-${commit}`);
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    execFileSync('sh', ['-c', `git -C '${repo}' archive '${commit}' src | tar -x -C '${root}'`]);
  }
  const workers =
    !commit ||
    execFileSync('git', ['-C', repo, 'ls-tree', '--name-only', commit, 'src/sources/audit-workers.ts']).length > 0;
  await build({
    stdin: {
      contents: [
        "export { runAudit } from './src/audit/run.ts';",
        "export { openAuditLogs } from './src/sources/audit-inputs.ts';",
        ...exports,
        workers ? "export { auditWorkerPool } from './src/sources/audit-workers.ts';" : '',
      ].join('\n'),
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    define: {
      __AUDIT_WORKER_SOURCE__: JSON.stringify(await auditWorkerSource({ minify: !process.env.AUDIT_BENCH_UNMINIFIED })),
    },
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}
