// One canary scan for the whole test run (issue 14 item 12). While tests run,
// every planted value (makeCanary), everything the tool printed (runCli,
// runBuilt, the bundle or plugin run as a process), directories the tool wrote
// files into, and every object the tool wrote to the cluster (watched by
// cluster-recorder.ts) are recorded in a run directory. At the end, every
// value is looked for in all of it, once (canary-scan.ts).
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { filesUnder, findLeaks, type LeakSource } from './canary.js';

export const RUN_DIR_ENV = 'KUBECTL_SECRETS_TEST_RUN_DIR';

const runDir = (): string | undefined => process.env[RUN_DIR_ENV] || undefined;
let outputs = 0;

export function recordCanary(value: string): void {
  const dir = runDir();
  if (dir) appendFileSync(join(dir, 'canaries'), `${value}\n`);
}

/** What the tool printed in one run (not its command line, which may hold a planted value: --from-literal). */
export function recordOutput(result: { stdout: string; stderr: string }): void {
  const dir = runDir();
  if (!dir) return;
  mkdirSync(join(dir, 'outputs'), { recursive: true });
  writeFileSync(
    join(dir, 'outputs', `${process.pid}-${++outputs}.txt`),
    `${result.stdout}\n--- stderr\n${result.stderr}`,
  );
}

/** A directory the tool wrote files into: scanned at the end as it is then. */
export function recordFilesIn(path: string): void {
  const dir = runDir();
  if (dir) appendFileSync(join(dir, 'dirs'), `${path}\n`);
}

/**
 * Where the tool run as a process keeps its caches during a test run (the bundle's V8 code cache,
 * src/launch/code-cache.ts): scanned like any file it writes. Undefined outside a recorded run.
 */
export function toolCacheDir(): string | undefined {
  const dir = runDir();
  if (!dir) return undefined;
  const cache = join(dir, 'tool-cache');
  recordFilesIn(cache);
  return cache;
}

export interface ScanResult {
  canaries: number;
  outputs: number;
  files: number;
  clusterObjects: number;
  leaks: string[];
}

/** Looks for every recorded canary in everything recorded. */
export function scanRun(dir: string): ScanResult {
  const read = (name: string): string[] =>
    existsSync(join(dir, name))
      ? readFileSync(join(dir, name), 'utf8')
          .split('\n')
          .filter((l) => l !== '')
      : [];
  const canaries = [...new Set(read('canaries'))];
  const sources: LeakSource[] = [];
  const outputsDir = join(dir, 'outputs');
  const outputFiles = existsSync(outputsDir) ? readdirSync(outputsDir) : [];
  for (const f of outputFiles) sources.push({ name: `output ${f}`, text: readFileSync(join(outputsDir, f), 'utf8') });
  let files = 0;
  for (const d of new Set(read('dirs'))) {
    if (!existsSync(d) || !statSync(d).isDirectory()) continue;
    const found = filesUnder(d);
    files += found.length;
    sources.push(...found);
  }
  const objects = read('cluster-objects.jsonl');
  objects.forEach((line, i) => sources.push({ name: `cluster object ${i}: ${line.slice(0, 120)}`, text: line }));
  return {
    canaries: canaries.length,
    outputs: outputFiles.length,
    files,
    clusterObjects: objects.length,
    leaks: findLeaks(canaries, sources),
  };
}
