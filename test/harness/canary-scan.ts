// Vitest global setup of both projects: makes the run directory the harness
// records into (run-record.ts) and, when the run ends, looks for every planted
// canary in everything the tool printed, the files it wrote and the objects it
// wrote to the cluster. One leak anywhere fails the run.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_DIR_ENV, scanRun } from './run-record.js';

export default function setup(): () => void {
  const dir = process.env[RUN_DIR_ENV] || mkdtempSync(join(tmpdir(), 'kubectl-secrets-run-'));
  process.env[RUN_DIR_ENV] = dir;
  return () => {
    const r = scanRun(dir);
    process.stderr.write(
      `[canary] ${r.canaries} canaries checked against ${r.outputs} outputs of the tool, ${r.files} files, ${r.clusterObjects} ` +
        `cluster objects it wrote (${dir}): ${r.leaks.length === 0 ? 'no leak' : `${r.leaks.length} LEAKS`}\n`,
    );
    if (r.leaks.length > 0) {
      // vitest reports an error thrown here but still exits 0: fail the run explicitly.
      process.exitCode = 1;
      throw new Error(`secret values leaked during the run:\n${r.leaks.slice(0, 20).join('\n')}`);
    }
  };
}
