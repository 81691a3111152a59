// Bundles the audit worker thread (src/sources/audit-worker.ts) into one CommonJS text,
// which the CLI bundle embeds as __AUDIT_WORKER_SOURCE__ and starts with new Worker(code, { eval: true }).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));

/** `root`: another checkout's sources (a bench's before), built with this checkout's dependencies. */
export async function auditWorkerSource({ minify = true, root = repo } = {}) {
  const result = await build({
    entryPoints: [`${root.endsWith('/') ? root : `${root}/`}src/sources/audit-worker.ts`],
    nodePaths: [`${repo}node_modules`],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return result.outputFiles[0].text;
}
