// The entry point of the npm package (dist/kubectl-secrets.cjs, next to the bundle dist/kubectl-secrets-main.cjs) and
// of the single binary (which embeds the bundle as an asset): runs the bundle from a V8 code cache of the same
// command's earlier run (./code-cache.ts), and writes that cache after a run that ended well without one. Without a
// usable cache directory it runs the bundle exactly as `node bundle` would.
import fs from 'node:fs';
import path from 'node:path';
import { getAsset, isSea } from 'node:sea';
import vm from 'node:vm';
import {
  cacheFile,
  cacheKey,
  codeCacheDir,
  homeDir,
  readCodeCache,
  runShape,
  shapesAfter,
  wantsWrite,
  writeCodeCache,
} from './code-cache.js';

declare const __MAIN_BUNDLE__: string;
declare const __MAIN_BUILD_ID__: string;

/** The bundle's source, its file name (for stack traces) and what tells its versions apart beyond the build id. */
function loadBundle(): { source: string; filename: string; mtimeMs: number } {
  if (isSea()) return { source: getAsset(__MAIN_BUNDLE__, 'utf8'), filename: process.execPath, mtimeMs: 0 };
  const filename = path.join(__dirname, __MAIN_BUNDLE__);
  return { source: fs.readFileSync(filename, 'utf8'), filename, mtimeMs: fs.statSync(filename).mtimeMs };
}

function launch(): void {
  let bundle: ReturnType<typeof loadBundle>;
  try {
    bundle = loadBundle();
  } catch (err) {
    process.stderr.write(
      `error: cannot load the bundle ${__MAIN_BUNDLE__} (${(err as Error).message}): reinstall kubectl-secrets\n`,
    );
    process.exitCode = 1;
    return;
  }
  const { source, filename: main } = bundle;
  const dir = codeCacheDir(process.env, process.platform, homeDir());
  const key = cacheKey(__MAIN_BUILD_ID__, bundle.mtimeMs, process.versions.v8, process.arch);
  const { word, shape } = runShape(process.argv.slice(2));
  const file = dir === undefined ? undefined : cacheFile(dir, key, word);
  const cache = file === undefined ? undefined : readCodeCache(file);
  // Node's CommonJS wrapper: the bundle sees the module variables it would under `node bundle`.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: main,
    cachedData: cache?.data,
  });
  const rejected = script.cachedDataRejected === true;
  if (file !== undefined && wantsWrite(cache, rejected, shape)) {
    // After the run, the cache holds every function the command compiled (and those it was loaded with), not
    // only the top level. A failed run (a usage error, an interrupt) compiled little of the command: the next
    // one writes it.
    process.once('exit', (code) => {
      if (code !== 0) return;
      try {
        writeCodeCache(file, key, { data: script.createCachedData(), shapes: shapesAfter(cache, rejected, shape) });
      } catch {}
    });
  }
  const wrapped = script.runInThisContext() as (...args: unknown[]) => void;
  wrapped.call(module.exports, module.exports, require, module, main, path.dirname(main));
}

launch();
