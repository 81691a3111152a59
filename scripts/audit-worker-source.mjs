// Bundles the audit worker thread (src/sources/audit-worker.ts) into one CommonJS text,
// which the CLI bundle embeds as __AUDIT_WORKER_SOURCE__ and starts with new Worker(code, { eval: true }).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));

export async function auditWorkerSource({ minify = true } = {}) {
  const result = await build({
    entryPoints: [`${repo}src/sources/audit-worker.ts`],
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
