// Builds a Node single-executable application with the pinned Node's own
// tooling (`node --build-sea`, Node >= 25.5): the bundle embedded into a copy
// of `executable`, which may be another platform's Node binary of the same
// version, as an asset its entry point (src/launch/launcher.ts) runs from the
// V8 code cache of the command's earlier run, as the npm package does. A code
// cache made here (of that entry point) only loads on the platform that made
// it, so it is used only when the executable is the building Node itself.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pinnedNode } from './node-runtime.mjs';
import { buildLauncher, bundleName } from './launcher-build.mjs';

/** @param {{ bundle: string, executable: string, output: string, codeCache: boolean }} opts */
export function buildSea({ bundle, executable, output, codeCache }) {
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-secrets-sea-'));
  try {
    const config = join(dir, 'sea-config.json');
    const launcher = join(dir, 'launcher.cjs');
    buildLauncher({ main: bundle, outfile: launcher });
    writeFileSync(
      config,
      JSON.stringify({
        main: launcher,
        assets: { [bundleName(bundle)]: resolve(bundle) },
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
