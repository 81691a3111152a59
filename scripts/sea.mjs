// Builds a Node single-executable application with the pinned Node's own
// tooling (`node --build-sea`, Node >= 25.5): the bundle embedded into a copy
// of `executable`, which may be another platform's Node binary of the same
// version. A V8 code cache (faster start) only loads on the platform that made
// it, so it is used only when the executable is the building Node itself.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pinnedNode } from './node-runtime.mjs';

/** @param {{ bundle: string, executable: string, output: string, codeCache: boolean }} opts */
export function buildSea({ bundle, executable, output, codeCache }) {
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-secrets-sea-'));
  try {
    const config = join(dir, 'sea-config.json');
    writeFileSync(
      config,
      JSON.stringify({
        main: resolve(bundle),
        executable: resolve(executable),
        output: resolve(output),
        disableExperimentalSEAWarning: true,
        useCodeCache: codeCache,
        useSnapshot: false,
      }),
    );
    rmSync(output, { force: true });
    execFileSync(pinnedNode(), ['--build-sea', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
