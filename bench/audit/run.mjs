#!/usr/bin/env node
// Audit engine throughput, measured against baselines in the same run on the same file:
//   - our engine on the plain log and on a .gz of it (MB/s of uncompressed text)
//   - jq doing the same count (distinct secret-read requests), grep -F '"secrets"' reading the file,
//     gunzip -c > /dev/null, and Node's zlib alone
//   - peak RSS of our engine on the full log and on a tenth of it (memory must not grow with size)
//   - the worst case: a fifth-size log in which every request reads a Secret (a policy that logs only
//     Secrets), engine vs jq; and there `audit`'s counting threads (src/sources/audit-count-threads.ts)
//     vs one thread, and JSON.parse of every line alone (what bounds one thread that parses); and the counting
//     threads and jq on a secrets-only log three times larger (the threads' fixed costs weigh less there)
//
//   - before and after: the secrets-only log on one thread and on the counting threads, with the engine as it
//     was at --before COMMIT (default 32092ef), runs interleaved
//
//   node bench/audit/run.mjs [SIZE] [--before COMMIT]   SIZE like 1GB (default), 200MB; or AUDIT_BENCH_BYTES
//   AUDIT_BENCH_RUNS=3                     timed runs per measurement (median); jq runs once
//
// Logs are generated (bench/audit/generate-log.mjs) into the OS temp dir and kept for the next run.
// Prints figures and ratios; never fails on a target (timings are no test).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDir, ensureLog, parseSize } from './generate-log.mjs';
import { auditWorkerSource } from '../../scripts/audit-worker-source.mjs';
import { bundleEngine } from './engine.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const beforeAt = args.indexOf('--before');
const before = beforeAt === -1 ? '32092ef' : args.splice(beforeAt, 2)[1];
if (!/^[\w./-]+$/.test(before ?? '')) throw new Error(`--before: not a commit: ${before}`);
const bytesWanted = parseSize(args[0] ?? process.env.AUDIT_BENCH_BYTES ?? '1GB');
const runs = Number(process.env.AUDIT_BENCH_RUNS ?? 3);

const log = ensureLog(bytesWanted);
const small = ensureLog(Math.max(1_000_000, Math.round(bytesWanted / 10)));
const secretsOnlyBytes = Math.max(1_000_000, Math.round(bytesWanted / 5));
const secretsOnly = ensureLog(secretsOnlyBytes, { secretShare: 1 });
// Three times larger: what the threads' fixed costs (Node and a worker starting, the join) weigh on the line above.
const secretsLarge = ensureLog(3 * secretsOnlyBytes, { secretShare: 1 });
const gz = `${log}.gz`;
if (!existsSync(gz) || statSync(gz).mtimeMs < statSync(log).mtimeMs) {
  console.error(`compressing ${log} ...`);
  const r = spawnSync('sh', ['-c', `gzip -c -6 '${log}' > '${gz}.partial' && mv '${gz}.partial' '${gz}'`], {
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('gzip failed');
}
const size = statSync(log).size;
const engine = await bundleEngine();
const workerCode = join(benchDir(), 'audit-worker.cjs');
writeFileSync(workerCode, await auditWorkerSource());
// The engine at --before, from its sources as committed (dependencies from this checkout).
const repo = join(here, '..', '..');
const beforeSrc = join(benchDir(), 'before-src');
rmSync(beforeSrc, { recursive: true, force: true });
mkdirSync(beforeSrc, { recursive: true });
const archived = spawnSync('sh', ['-c', `git -C '${repo}' archive '${before}' src | tar -x -C '${beforeSrc}'`], {
  stdio: 'inherit',
});
if (archived.status !== 0) throw new Error(`git archive ${before} failed`);
const engineBefore = await bundleEngine({ root: beforeSrc, outfile: join(benchDir(), 'engine-before.mjs') });
const workerBefore = join(benchDir(), 'audit-worker-before.cjs');
writeFileSync(workerBefore, await auditWorkerSource({ root: beforeSrc }));

function wall(cmd, args, options = {}) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...options });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

function median(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Median wall time of `runs` runs (after one warm-up that also fills the page cache). */
function timed(label, cmd, args, n = runs) {
  process.stderr.write(`  ${label} ...`);
  const warm = wall(cmd, args);
  const samples = [warm];
  if (n > 1) {
    samples.length = 0;
    for (let i = 0; i < n; i++) samples.push(wall(cmd, args));
  }
  const ms = median(samples.map((s) => s.ms));
  process.stderr.write(` ${(ms / 1000).toFixed(2)} s\n`);
  return { ms, last: samples.at(-1).stdout };
}

const node = process.execPath;
const child = join(here, 'child.mjs');
const mbps = (ms) => size / 1e6 / (ms / 1000);

console.error(
  `audit bench: ${log} (${(size / 1e6).toFixed(0)} MB, gz ${(statSync(gz).size / 1e6).toFixed(0)} MB), ${runs} runs each`,
);
wall('cat', [log], { stdio: 'ignore' });

const ours = timed('engine, plain', node, [child, engine, 'scan', log]);
const oursGz = timed('engine, .gz', node, [child, engine, 'scan', gz]);
const grep = timed(`grep -cF '"secrets"'`, 'grep', ['-cF', '"secrets"', log]);
const gunzip = timed('gunzip -c > /dev/null', 'sh', ['-c', `gunzip -c '${gz}' > /dev/null`]);
const zlib = timed('node zlib alone', node, [child, engine, 'zlib', gz]);
const jqFilter =
  'select(.objectRef.resource=="secrets" and .objectRef.subresource==null and (.verb=="get" or .verb=="list" or .verb=="watch")) | .auditID';
const jq = timed('jq (same count)', 'sh', ['-c', `jq -r '${jqFilter}' '${log}' | sort -u | wc -l`], 1);
const smallRun = JSON.parse(wall(node, [child, engine, 'scan', small]).stdout);
const worst = timed('engine, secrets-only log', node, [child, engine, 'scan', secretsOnly]);
const worstThreads = timed('engine on threads, secrets-only', node, [child, engine, 'count', workerCode, secretsOnly]);
const plainThreads = timed('engine on threads, plain', node, [child, engine, 'count', workerCode, log]);
const parseOnly = timed('JSON.parse alone, secrets-only', node, [child, engine, 'parse', secretsOnly]);
// Before and after, interleaved: one thread's CPU and wall, and the counting threads' wall and CPU.
process.stderr.write(`  before (${before}) and after, secrets-only, interleaved ...`);
const pairs = { before: { one: [], two: [] }, after: { one: [], two: [] } };
for (let i = 0; i < runs; i++)
  for (const [name, bundle, worker] of [
    ['before', engineBefore, workerBefore],
    ['after', engine, workerCode],
  ]) {
    const one = wall(node, [child, bundle, 'scan', secretsOnly]);
    pairs[name].one.push({ ms: one.ms, cpuMs: JSON.parse(one.stdout).mainThreadCpuMs });
    const two = wall(node, [child, bundle, 'count', worker, secretsOnly]);
    const counted = JSON.parse(two.stdout);
    // One thread counted (a small log, no free core): its CPU is the main thread's.
    const cpu = counted.threadCpuMs.length > 0 ? counted.threadCpuMs : [counted.mainThreadCpuMs];
    pairs[name].two.push({ ms: two.ms, cpuMs: Math.max(...cpu) });
  }
process.stderr.write(' done\n');
const worstJq = timed(
  'jq, secrets-only log',
  'sh',
  ['-c', `jq -r '${jqFilter}' '${secretsOnly}' | sort -u | wc -l`],
  1,
);
const largeThreads = timed('engine on threads, secrets-only ×3', node, [
  child,
  engine,
  'count',
  workerCode,
  secretsLarge,
]);
const largeJq = timed(
  'jq, secrets-only ×3',
  'sh',
  ['-c', `jq -r '${jqFilter}' '${secretsLarge}' | sort -u | wc -l`],
  1,
);

const plain = JSON.parse(ours.last);
const packed = JSON.parse(oursGz.last);
const jqCount = Number(jq.last.trim());
const row = (name, ms, extra = '') =>
  console.log(
    `${name.padEnd(30)} ${(ms / 1000).toFixed(2).padStart(7)} s ${mbps(ms).toFixed(0).padStart(6)} MB/s  ${extra}`,
  );
const x = (a, b) => `${(a / b).toFixed(2)}×`;

console.log(
  `\nlog: ${(size / 1e6).toFixed(0)} MB, ${plain.lines} lines; ${plain.requests} secret-read requests (${plain.denied} denied); ${plain.parsedLines} lines parsed as JSON`,
);
console.log(
  `jq counts ${jqCount} distinct requests: ${jqCount === plain.requests && jqCount === packed.requests ? 'same as the engine' : `DIFFERENT (engine ${plain.requests} / ${packed.requests})`}\n`,
);
console.log(
  `${'what'.padEnd(30)} ${'time'.padStart(9)} ${'rate'.padStart(11)}  (rates are MB of uncompressed log per second)`,
);
row(
  'engine, plain (wall)',
  ours.ms,
  `engine alone ${mbps(plain.ms).toFixed(0)} MB/s, peak RSS ${plain.maxRssMB.toFixed(0)} MB`,
);
row(
  'engine, .gz (wall)',
  oursGz.ms,
  `engine alone ${mbps(packed.ms).toFixed(0)} MB/s, peak RSS ${packed.maxRssMB.toFixed(0)} MB`,
);
row(`grep -cF '"secrets"'`, grep.ms);
row('gunzip -c > /dev/null', gunzip.ms);
row('node zlib alone', zlib.ms);
row('jq', jq.ms);
console.log(`\nratios (same run):`);
console.log(`  engine vs jq:                ${x(jq.ms, ours.ms)} faster            target ≥ 10×`);
console.log(`  engine vs grep -F:           ${x(ours.ms, grep.ms)} grep's time`);
console.log(`  engine .gz vs gunzip alone:  ${x(oursGz.ms, gunzip.ms)} gunzip's time      target ≤ 1.3×`);
console.log(`  engine .gz vs node zlib:     ${x(oursGz.ms, zlib.ms)} zlib's time (scanning on top of inflating)`);
console.log(`  engine plain:                ${mbps(ours.ms).toFixed(0)} MB/s                 target ≥ 750 MB/s`);
const worstRun = JSON.parse(worst.last);
const worstMB = worstRun.bytes / 1e6;
console.log(
  `  worst case, every request a Secret read (${worstMB.toFixed(0)} MB, ${worstRun.requests} requests): engine ${(worstMB / (worst.ms / 1000)).toFixed(0)} MB/s, jq ${(worstMB / (worstJq.ms / 1000)).toFixed(0)} MB/s, ${x(worstJq.ms, worst.ms)} faster; jq counts ${Number(worstJq.last.trim())}, peak RSS ${worstRun.maxRssMB.toFixed(0)} MB`,
);
const threaded = JSON.parse(worstThreads.last);
const parsed = JSON.parse(parseOnly.last);
console.log(
  `  secrets-only log on ${threaded.threads} threads: ${(worstMB / (worstThreads.ms / 1000)).toFixed(0)} MB/s, ${x(worst.ms, worstThreads.ms)} one thread's speed, ${x(worstJq.ms, worstThreads.ms)} jq's; counts ${threaded.requests === worstRun.requests ? 'the same' : `DIFFERENT (${threaded.requests})`}   target ≥ 600 MB/s, ≥ 6× jq`,
);
const large = JSON.parse(largeThreads.last);
const largeMB = large.bytes / 1e6;
console.log(
  `  secrets-only log three times larger (${largeMB.toFixed(0)} MB) on ${large.threads} threads: ${(largeMB / (largeThreads.ms / 1000)).toFixed(0)} MB/s, ${x(largeJq.ms, largeThreads.ms)} jq's (jq ${(largeMB / (largeJq.ms / 1000)).toFixed(0)} MB/s); counts ${large.requests === Number(largeJq.last.trim()) ? "the same as jq's" : `DIFFERENT (jq ${largeJq.last.trim()})`}`,
);
// Wall times need free cores; CPU per thread does not: with a core each, the busier thread sets the pace.
const busier = Math.max(...threaded.threadCpuMs);
if (threaded.threads > 1 && worstRun.mainThreadCpuMs)
  console.log(
    `    CPU per thread ${threaded.threadCpuMs.map((ms) => ms.toFixed(0)).join(' + ')} ms vs ${worstRun.mainThreadCpuMs.toFixed(0)} ms on one thread: with a free core each, ${x(worstRun.mainThreadCpuMs, busier)} one thread's speed (load average now ${loadavg()[0].toFixed(1)})`,
  );
console.log(
  `  plain log through the same entry: ${JSON.parse(plainThreads.last).threads} thread(s), ${x(ours.ms, plainThreads.ms)} the engine's speed (few lines mention Secrets: threads would only read it again)`,
);
console.log(
  `  JSON.parse of every line of the secrets-only log, nothing else: ${(parsed.bytes / 1e6 / (parsed.parseMs / 1000)).toFixed(0)} MB/s of one thread's CPU time: the ceiling of an engine that parses each line (the engine: ${(worstMB / ((worstRun.mainThreadCpuMs ?? worst.ms) / 1000)).toFixed(0)} MB/s of CPU time)`,
);
console.log(
  `  the WebAssembly field walk of every line, which reads them instead (src/audit/wasm-event.ts; fields made strings, no request counted): ${(parsed.bytes / 1e6 / (parsed.walkMs / 1000)).toFixed(0)} MB/s, ${x(parsed.parseMs, parsed.walkMs)} JSON.parse's speed; ${parsed.taken} of ${parsed.lines} lines taken`,
);
console.log(
  `  finding every quote of every line instead (the least a field extractor in JS does, before reading any field): ${(parsed.bytes / 1e6 / (parsed.quoteWalkMs / 1000)).toFixed(0)} MB/s, ${x(parsed.parseMs, parsed.quoteWalkMs)} JSON.parse's speed`,
);
const mid = (list, key) => median(list.map((m) => m[key]));
const side = (name) => {
  const { one, two } = pairs[name];
  return `one thread ${(worstMB / (mid(one, 'ms') / 1000)).toFixed(0)} MB/s (${mid(one, 'cpuMs').toFixed(0)} ms CPU), threads ${(worstMB / (mid(two, 'ms') / 1000)).toFixed(0)} MB/s (busier thread ${mid(two, 'cpuMs').toFixed(0)} ms CPU)`;
};
console.log(`  before (${before}), secrets-only: ${side('before')}`);
console.log(`  after,             secrets-only: ${side('after')}`);
console.log(
  `    after/before: one thread wall ${x(mid(pairs.after.one, 'ms'), mid(pairs.before.one, 'ms'))}, CPU ${x(mid(pairs.after.one, 'cpuMs'), mid(pairs.before.one, 'cpuMs'))}; threads wall ${x(mid(pairs.after.two, 'ms'), mid(pairs.before.two, 'ms'))}, busier thread's CPU ${x(mid(pairs.after.two, 'cpuMs'), mid(pairs.before.two, 'cpuMs'))}`,
);
console.log(
  `  peak RSS:                    ${plain.maxRssMB.toFixed(0)} MB on ${(size / 1e6).toFixed(0)} MB, ${smallRun.maxRssMB.toFixed(0)} MB on ${(smallRun.bytes / 1e6).toFixed(0)} MB, ${packed.maxRssMB.toFixed(0)} MB on .gz   target < 200 MB, flat`,
);
