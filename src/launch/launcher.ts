// The npm package's entry point (dist/kubectl-secrets.cjs): runs the bundle next to it (dist/kubectl-secrets-main.cjs)
// from a V8 code cache of the same command's earlier run (./code-cache.ts), and writes that cache after a run that
// ended well without one. Without a usable cache directory it runs the bundle exactly as `node bundle` would.
// The single binary embeds the bundle itself, with a code cache made at build time: it does not use this file.
import fs from 'node:fs';
import path from 'node:path';
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

function launch(): void {
  const main = path.join(__dirname, __MAIN_BUNDLE__);
  let source: string;
  let mtimeMs: number;
  try {
    source = fs.readFileSync(main, 'utf8');
    mtimeMs = fs.statSync(main).mtimeMs;
  } catch (err) {
    process.stderr.write(`error: cannot load ${main} (${(err as Error).message}): reinstall kubectl-secrets\n`);
    process.exitCode = 1;
    return;
  }
  const dir = codeCacheDir(process.env, process.platform, homeDir());
  const key = cacheKey(__MAIN_BUILD_ID__, mtimeMs, process.versions.v8, process.arch);
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
