#!/usr/bin/env node
// least-privilege at scale, in-process engines on generated data (no cluster: the
// RBAC lists are a fixed 5 requests whatever their size, see bench/who-can):
//   - wall time and peak RSS of least-privilege --suggest (audit scan, join with RBAC,
//     findings, suggestion, proof) on N bindings and a log of SIZE bytes
//   - the same for the audit engine alone over the same log, and who-can alone for one
//     Secret over the same RBAC, measured in the same run: ratios against them
//
//   node bench/least-privilege/run.mjs            LP_BENCH_BINDINGS=2000 LP_BENCH_BYTES=100MB (defaults)
//   LP_BENCH_BINDINGS=10000 LP_BENCH_BYTES=1GB node bench/least-privilege/run.mjs
//   LP_BENCH_RUNS=3                               timed runs per measurement (median)
//   LP_BENCH_BEFORE=COMMIT                        also least-privilege as it was at COMMIT, runs interleaved
//
// The log is bench/audit/generate-log.mjs's (kept in the OS temp dir); prints numbers, asserts nothing.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleEngine } from '../audit/engine.mjs';
import { benchDir, ensureLog, parseSize } from '../audit/generate-log.mjs';
import { generateRbac } from './rbac.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const bindings = Number(process.env.LP_BENCH_BINDINGS ?? 2000);
const bytes = parseSize(process.env.LP_BENCH_BYTES ?? '100MB');
const runs = Number(process.env.LP_BENCH_RUNS ?? 3);
const before = process.env.LP_BENCH_BEFORE;
if (before !== undefined && !/^[\w./-]+$/.test(before)) throw new Error(`LP_BENCH_BEFORE: not a commit: ${before}`);

const dir = join(benchDir(), 'least-privilege');
mkdirSync(dir, { recursive: true });
const log = ensureLog(bytes);
const rbacFile = join(dir, `rbac-${bindings}.json`);
writeFileSync(rbacFile, JSON.stringify(generateRbac(bindings)));
const exports = [
  "export { runLeastPrivilege } from './src/leastpriv/run.ts';",
  "export { whoCan } from './src/whocan/analyze.ts';",
];
const engine = await bundleEngine({ outfile: join(dir, 'engine.mjs'), exports });

function run(mode, engineFile = engine) {
  const r = spawnSync(process.execPath, [join(here, 'child.mjs'), engineFile, rbacFile, mode, log], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`${mode} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function measure(mode) {
  const samples = Array.from({ length: runs }, () => run(mode));
  samples.sort((a, b) => a.ms - b.ms);
  const median = samples[Math.floor(samples.length / 2)];
  return { ...median, maxRssMB: Math.max(...samples.map((s) => s.maxRssMB)) };
}

const size = statSync(log).size;
console.log(`least-privilege: ${bindings} bindings, ${(size / 1e6).toFixed(0)} MB log, median of ${runs}`);
const audit = measure('audit');
const whoCan = measure('who-can');
const lp = measure('least-privilege');
const ms = (x) => `${x.toFixed(0)} ms`;
console.log(
  `  audit alone (same log):            ${ms(audit.ms)}  (${(size / 1e6 / (audit.ms / 1000)).toFixed(0)} MB/s), peak ${audit.maxRssMB.toFixed(0)} MB`,
);
console.log(
  `  who-can alone (one Secret):        ${ms(whoCan.ms)}, peak ${whoCan.maxRssMB.toFixed(0)} MB (${whoCan.rows} rows)`,
);
console.log(`  least-privilege --suggest:         ${ms(lp.ms)}, peak ${lp.maxRssMB.toFixed(0)} MB`);
console.log(
  `    = ${(lp.ms / audit.ms).toFixed(2)}× audit alone, ${(lp.ms / (audit.ms + whoCan.ms)).toFixed(2)}× audit + who-can; join, findings, suggestion and proof ${ms(lp.ms - audit.ms)}`,
);
console.log(
  `    ${lp.judged} bindings judged, ${lp.items} items ${JSON.stringify(lp.findings)}; ${lp.readsChecked} distinct reads proven kept; ${lp.removed} removed accesses; ${lp.objects} objects`,
);

if (before !== undefined) {
  // The engine at LP_BENCH_BEFORE, from its sources as committed (dependencies from this checkout).
  const repo = join(here, '..', '..');
  const beforeSrc = join(dir, 'before-src');
  rmSync(beforeSrc, { recursive: true, force: true });
  mkdirSync(beforeSrc, { recursive: true });
  const archived = spawnSync('sh', ['-c', `git -C '${repo}' archive '${before}' src | tar -x -C '${beforeSrc}'`]);
  if (archived.status !== 0) throw new Error(`git archive ${before} failed: ${archived.stderr}`);
  const engineBefore = await bundleEngine({ root: beforeSrc, outfile: join(dir, 'engine-before.mjs'), exports });
  const pairs = { before: [], after: [] };
  for (let i = 0; i < runs; i++) {
    pairs.before.push(run('least-privilege', engineBefore).ms);
    pairs.after.push(run('least-privilege').ms);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const [b, a] = [median(pairs.before), median(pairs.after)];
  const list = (xs) => xs.map((x) => x.toFixed(0)).join(', ');
  console.log(`  before (${before}) and after, interleaved:`);
  console.log(`    before: ${ms(b)} (${list(pairs.before)}); join, findings, suggestion and proof ${ms(b - audit.ms)}`);
  console.log(`    after:  ${ms(a)} (${list(pairs.after)}); join, findings, suggestion and proof ${ms(a - audit.ms)}`);
  console.log(
    `    = ${(a / b).toFixed(2)}× before; beyond the audit engine alone ${((a - audit.ms) / (b - audit.ms)).toFixed(2)}×`,
  );
}
