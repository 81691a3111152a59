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
//
// The log is bench/audit/generate-log.mjs's (kept in the OS temp dir); prints numbers, asserts nothing.
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleEngine } from '../audit/engine.mjs';
import { benchDir, ensureLog, parseSize } from '../audit/generate-log.mjs';
import { generateRbac } from './rbac.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const bindings = Number(process.env.LP_BENCH_BINDINGS ?? 2000);
const bytes = parseSize(process.env.LP_BENCH_BYTES ?? '100MB');
const runs = Number(process.env.LP_BENCH_RUNS ?? 3);

const dir = join(benchDir(), 'least-privilege');
mkdirSync(dir, { recursive: true });
const log = ensureLog(bytes);
const rbacFile = join(dir, `rbac-${bindings}.json`);
writeFileSync(rbacFile, JSON.stringify(generateRbac(bindings)));
const engine = await bundleEngine({
  outfile: join(dir, 'engine.mjs'),
  exports: [
    "export { runLeastPrivilege } from './src/leastpriv/run.ts';",
    "export { whoCan } from './src/whocan/analyze.ts';",
  ],
});

function measure(mode) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, [join(here, 'child.mjs'), engine, rbacFile, mode, log], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    if (r.status !== 0) throw new Error(`${mode} exited ${r.status}: ${r.stderr}`);
    samples.push(JSON.parse(r.stdout));
  }
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
