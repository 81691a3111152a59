#!/usr/bin/env node
// investigate at scale: N bindings and N pods served by a stand-in API server (a child
// process), and a generated audit log. Measures, in the same run, the wall time and peak
// memory of `investigate` and of the three parts alone (who-can, exposure, audit), and
// prints the ratios: investigate runs the cluster reads while it scans the log, so its
// wall time should stay close to the slowest part, and its memory near audit's plus
// who-can's. It also runs investigate with the logs scanned on its main thread
// (KUBECTL_SECRETS_AUDIT_THREADS=0), as before the scan thread. No timed assertions anywhere: it prints numbers.
//
//   node bench/investigate/run.mjs [--bindings 1000] [--pods 1000] [--log 50MB] [--runs 3]
//   node bench/investigate/run.mjs --bindings 10000 --pods 10000 --log 1GB --runs 3     # the size
//   INVESTIGATE_BENCH_SCALE=full npm run bench -- investigate                          # the same
//   ... --secret-share 1 --before REF   a log where every line is a Secret request (a policy that logs only Secrets),
//                                       and investigate as built from commit REF, in the same rounds
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureLog, parseSize } from '../audit/generate-log.mjs';
import { ratio } from '../lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const full = process.env.INVESTIGATE_BENCH_SCALE === 'full';
const { values: opts } = parseArgs({
  options: {
    bindings: { type: 'string', default: full ? '10000' : '1000' },
    pods: { type: 'string', default: full ? '10000' : '1000' },
    log: { type: 'string', default: full ? '1GB' : '50MB' },
    runs: { type: 'string', default: '3' },
    'secret-share': { type: 'string', default: '0.02' },
    before: { type: 'string' },
  },
});
const NAMESPACE = 'prod';
const SECRET = 'db-password'; // a Secret the generated log reads (bench/audit/generate-log.mjs)
const RUNS = Number(opts.runs);
const say = (line) => process.stderr.write(`[bench] ${line}\n`);

say('building the bundle');
const built = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: repo, stdio: 'inherit' });
if (built.status !== 0) process.exit(1);
const bundle = join(repo, 'dist/kubectl-secrets.cjs');

const bundleBefore = opts.before === undefined ? undefined : buildAt(opts.before);
say(`audit log of ${opts.log}, ${Number(opts['secret-share']) * 100}% Secret requests`);
const log = ensureLog(parseSize(opts.log), { secretShare: Number(opts['secret-share']) });

/** The CLI bundle as commit `ref` builds it (its tree, this repo's node_modules). */
function buildAt(ref) {
  if (!/^[\w./-]+$/.test(ref)) throw new Error(`--before: not a commit: ${ref}`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-investigate-before-'));
  say(`building ${ref} in ${dir}`);
  const archived = spawnSync('sh', ['-c', `git -C '${repo}' archive '${ref}' | tar -x -C '${dir}'`], {
    stdio: 'inherit',
  });
  if (archived.status !== 0) throw new Error(`git archive ${ref} failed`);
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  const b = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: dir, stdio: 'inherit' });
  if (b.status !== 0) throw new Error(`the build of ${ref} failed`);
  return join(dir, 'dist/kubectl-secrets.cjs');
}

const server = spawn(process.execPath, [join(here, 'server.mjs'), NAMESPACE, SECRET, opts.bindings, opts.pods], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const port = await new Promise((done, fail) => {
  server.stdout.on('data', (c) => {
    const m = /listening (\d+)/.exec(String(c));
    if (m) done(Number(m[1]));
  });
  server.on('exit', (code) => fail(new Error(`server exited ${code}`)));
});
const kubeconfig = join(mkdtempSync(join(tmpdir(), 'bench-investigate-')), 'config');
writeFileSync(
  kubeconfig,
  `apiVersion: v1
kind: Config
current-context: bench
clusters: [{name: bench, cluster: {server: "http://127.0.0.1:${port}"}}]
users: [{name: bench, user: {token: bench}}]
contexts: [{name: bench, context: {cluster: bench, user: bench, namespace: ${NAMESPACE}}}]
`,
);

/** One run of a command: wall and CPU seconds and peak RSS (MB), as /usr/bin/time sees them. */
function once(args, env = {}, cli = bundle) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, cli, ...args], {
    env: { ...process.env, KUBECONFIG: kubeconfig, NO_COLOR: '1', ...env },
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-500)}`);
  const [wall, user, sys, rssKb] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  // -v=4: the CPU of investigate's scan thread, so that the busier thread (the critical path) can be told
  const thread = Number(/worker thread \((\d+) ms CPU there\)/.exec(r.stderr)?.[1] ?? 0) / 1000;
  return { wall, cpu: user + sys, rss: rssKb / 1024, busiest: Math.max(thread, user + sys - thread) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Rounds of every command in turn, so that a change in the machine's load hits all of them alike; medians. */
function measureAll(commands) {
  const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let i = 0; i < RUNS; i++)
    for (const [name, args] of Object.entries(commands))
      samples[name].push(Array.isArray(args) ? once(args) : once(args.args, args.env, args.cli));
  return Object.fromEntries(
    Object.entries(samples).map(([name, xs]) => [
      name,
      {
        wall: median(xs.map((x) => x.wall)),
        cpu: median(xs.map((x) => x.cpu)),
        rss: median(xs.map((x) => x.rss)),
        busiest: median(xs.map((x) => x.busiest)),
      },
    ]),
  );
}

try {
  const all = measureAll({
    'who-can': ['who-can', SECRET],
    exposure: ['exposure', SECRET],
    audit: ['audit', SECRET, '-n', NAMESPACE, '--log', log],
    investigate: ['investigate', SECRET, '--log', log, '-o', 'json', '-v=4'],
    // the logs scanned on the main thread, with the cluster's analysis (before the scan thread)
    'one thread': {
      args: ['investigate', SECRET, '--log', log, '-o', 'json'],
      env: { KUBECTL_SECRETS_AUDIT_THREADS: '0' },
    },
    ...(bundleBefore
      ? { before: { args: ['investigate', SECRET, '--log', log, '-o', 'json', '-v=4'], cli: bundleBefore } }
      : {}),
  });
  const { investigate, 'one thread': oneThread, before, ...parts } = all;
  const slowest = Object.entries(parts).sort((a, b) => b[1].wall - a[1].wall)[0];
  const rows = [
    ...Object.entries(parts),
    ['investigate', investigate],
    ['  one thread', oneThread],
    ...(before ? [[`  ${opts.before}`, before]] : []),
  ];
  console.log(
    `investigate bench: ${opts.bindings} bindings, ${opts.pods} pods, ${(parseSize(opts.log) / 1e9).toFixed(2)} GB log, median of ${RUNS} interleaved rounds; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  for (const [name, m] of rows)
    console.log(
      `  ${name.padEnd(12)} ${m.wall.toFixed(2).padStart(7)} s wall  ${m.cpu.toFixed(2).padStart(7)} s CPU  ${m.rss.toFixed(0).padStart(5)} MB peak`,
    );
  console.log(
    `  wall: investigate / slowest part (${slowest[0]}) = ${ratio(investigate.wall, slowest[1].wall)} (target ≤ 1.2×); / sum of parts = ${ratio(
      investigate.wall,
      rows.slice(0, 3).reduce((n, [, m]) => n + m.wall, 0),
    )}`,
  );
  const slowestCpu = Math.max(...Object.values(parts).map((m) => m.cpu));
  console.log(
    `  CPU: investigate / slowest part = ${ratio(investigate.cpu, slowestCpu)} (one thread: ${ratio(oneThread.cpu, slowestCpu)}); wall: one thread / slowest part = ${ratio(oneThread.wall, slowest[1].wall)}`,
  );
  // what the wall time is on an idle machine with a core per thread: the busier of investigate's two threads
  console.log(
    `  busiest thread's CPU: investigate ${investigate.busiest.toFixed(2)} s = ${ratio(investigate.busiest, slowestCpu)} the slowest part's CPU (one thread: ${ratio(oneThread.busiest, slowestCpu)})`,
  );
  if (before)
    console.log(
      `  investigate after / before (${opts.before}): wall ${ratio(investigate.wall, before.wall)}, CPU ${ratio(investigate.cpu, before.cpu)}, busiest thread ${ratio(investigate.busiest, before.busiest)}`,
    );
  const budget = parts.audit.rss + parts['who-can'].rss;
  console.log(
    `  memory: investigate ${investigate.rss.toFixed(0)} MB vs audit + who-can ${budget.toFixed(0)} MB = ${ratio(investigate.rss, budget)} (target ≤ 1×)`,
  );
} finally {
  server.kill();
}
