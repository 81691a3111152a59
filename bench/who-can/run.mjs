#!/usr/bin/env node
// who-can at scale. Seeds a local cluster with 2,000 Roles and, in steps,
// up to 10,000 RoleBindings/ClusterRoleBindings, then reports for each step:
//   - API round trips of who-can (must not grow with the number of bindings)
//   - time to resolve the answer once the lists have arrived (target ≤ 1 s)
//   - peak memory (max RSS) of a who-can process
//   - wall time of who-can vs kubectl-who-can v0.4.0 (built from its Go module)
//     and vs a baseline measured in the same run (kubectl listing all RBAC),
//     as ratios; and every subject on which the two tools disagree;
//   - the same CLI at --before (default 506aee7), as npm ships it (dist/kubectl-secrets.cjs running the
//     bundle from its V8 code cache, written by a first run) and without that cache, and as the single
//     binary (the bundle with a V8 code cache, as shipped), timed in the same run: round after round, each
//     round running each of them (and kubectl-who-can) once, so that the neighbours' load falls on all alike.
//
//   node bench/who-can/run.mjs [--cluster DIR] [--steps 1000,10000] [--roles 2000] [--runs 3] [--keep] [--before COMMIT]
//                              [--run-id ID]
//
// --run-id names the seeded objects (default: random). With --keep and the same
// --run-id on a reused cluster, a later run finds the objects already there
// (the data is the same: seeded PRNG) and creates only what is missing, so
// 100,000 bindings are seeded once.
//
// Without --cluster (or $KUBECTL_SECRETS_TEST_CLUSTER) it starts its own
// cluster with test/cluster and stops it at the end. No timed assertions: it
// prints numbers. Data: generated here (seeded PRNG), nothing downloaded
// except the kubectl-who-can module from the Go proxy.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import https from 'node:https';
import { build } from 'esbuild';
import { bundleOptions } from '../../scripts/bundle-options.mjs';
import { pinnedNode } from '../../scripts/node-runtime.mjs';
import { buildSea } from '../../scripts/sea.mjs';
import { buildLauncher } from '../../scripts/launcher-build.mjs';
import { down, loadCluster, up } from '../../test/cluster/cluster.mjs';
import { mulberry32 as prng } from '../../test/harness/prng.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const { values: opts } = parseArgs({
  options: {
    cluster: { type: 'string', default: process.env.KUBECTL_SECRETS_TEST_CLUSTER ?? '' },
    steps: { type: 'string', default: '1000,10000' },
    roles: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '32' },
    keep: { type: 'boolean', default: false },
    'kubectl-who-can': { type: 'string', default: '' },
    // the CLI as it was at this commit, timed in the same run: the "before" of before/after
    before: { type: 'string', default: '506aee7' },
    'run-id': { type: 'string', default: '' },
  },
});
const STEPS = opts.steps.split(',').map(Number);
const ROLES = Number(opts.roles);
const RUNS = Number(opts.runs);
const CONCURRENCY = Number(opts.concurrency);
const RUN_ID = opts['run-id'] || Math.random().toString(16).slice(2, 8);
const PREFIX = `bwc-${RUN_ID}`;
const NAMESPACES = Array.from({ length: 10 }, (_, i) => `${PREFIX}-${i}`);
const TARGET_NS = NAMESPACES[0];
const TARGET = 'bench-target';
const LABEL = `kubectl-secrets.bench/who-can=${RUN_ID}`;
const log = (line) => process.stderr.write(`[bench] ${line}\n`);

// ---------- seeded data ----------
const rand = prng(4242);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const chance = (p) => rand() < p;
const users = Array.from({ length: 500 }, (_, i) => `${PREFIX}-user${i}`);
const groups = Array.from({ length: 50 }, (_, i) => `${PREFIX}-group${i}`);
const serviceAccounts = NAMESPACES.flatMap((ns) => Array.from({ length: 5 }, (_, i) => ({ ns, name: `sa${i}` })));

function randomRule() {
  const r = rand();
  if (r < 0.12)
    return {
      apiGroups: [''],
      resources: ['secrets'],
      verbs: pick([['get'], ['get', 'list', 'watch'], ['list'], ['*']]),
    };
  if (r < 0.2)
    return {
      apiGroups: [''],
      resources: ['secrets'],
      verbs: ['get', 'list'],
      resourceNames: [pick([TARGET, 'other-secret'])],
    };
  if (r < 0.23) return { apiGroups: [''], resources: ['secrets/status'], verbs: ['get'] };
  if (r < 0.3) return { apiGroups: ['apps'], resources: ['deployments'], verbs: ['create', 'patch'] };
  if (r < 0.35) return { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] };
  return {
    apiGroups: [pick(['', 'apps', 'batch'])],
    resources: [pick(['configmaps', 'pods', 'services', 'jobs', 'events'])],
    verbs: pick([['get'], ['get', 'list', 'watch'], ['create', 'delete']]),
  };
}
const rules = () => Array.from({ length: 1 + Math.floor(rand() * 3) }, randomRule);
function subject(ns, cluster) {
  const r = rand();
  if (r < 0.5) return { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: pick(users) };
  if (r < 0.75) return { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: pick(groups) };
  const sa = pick(serviceAccounts);
  return !cluster && sa.ns === ns && chance(0.5)
    ? { kind: 'ServiceAccount', name: sa.name }
    : { kind: 'ServiceAccount', name: sa.name, namespace: sa.ns };
}
const clusterRoleNames = Array.from({ length: 40 }, (_, i) => `${PREFIX}-cr${i}`);
const rolesPerNs = Math.ceil(ROLES / NAMESPACES.length);
/** Generated roles, so that disagreements can be explained. */
const generatedRules = new Map();
let bindingCount = 0;
function nextBinding() {
  const i = bindingCount++;
  const meta = { name: `b${i}`, labels: { 'kubectl-secrets.bench/who-can': RUN_ID } };
  const subjects = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => null);
  if (chance(0.15)) {
    const roleRef = {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: chance(0.05) ? 'view' : pick(clusterRoleNames),
    };
    return {
      path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
      body: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { ...meta, name: `${PREFIX}-b${i}` },
        roleRef,
        subjects: subjects.map(() => subject('', true)),
      },
    };
  }
  const ns = pick(NAMESPACES);
  const roleRef = chance(0.7)
    ? { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `role${Math.floor(rand() * rolesPerNs)}` }
    : { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: pick(clusterRoleNames) };
  return {
    path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`,
    body: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta,
      roleRef,
      subjects: subjects.map(() => subject(ns, false)),
    },
  };
}

// ---------- API client (admin client certificate, keep-alive) ----------
function client(kubeconfig) {
  const config = JSON.parse(readFileSync(kubeconfig, 'utf8'));
  const { server, 'certificate-authority': ca } = config.clusters[0].cluster;
  const user = config.users[0].user;
  const agent = new https.Agent({
    keepAlive: true,
    maxSockets: CONCURRENCY,
    ca: readFileSync(ca),
    cert: readFileSync(user['client-certificate']),
    key: readFileSync(user['client-key']),
  });
  const url = new URL(server);
  const request = (method, path, body, accept = 'application/json') =>
    new Promise((resolvePromise, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = https.request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          agent,
          headers: { accept, ...(payload && { 'content-type': 'application/json' }) },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolvePromise({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  return { request, close: () => agent.destroy() };
}

/** Keys (path + name) of this run's bindings already in the cluster: a reused --run-id creates only the rest. */
async function existingBindings(api) {
  const keys = new Set();
  const metadataOnly = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
  for (const [kind, list] of [
    ['rolebindings', '/apis/rbac.authorization.k8s.io/v1/rolebindings'],
    ['clusterrolebindings', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings'],
  ]) {
    let token = '';
    do {
      const query = `labelSelector=${encodeURIComponent(LABEL)}&limit=5000${token && `&continue=${encodeURIComponent(token)}`}`;
      const res = await api.request('GET', `${list}?${query}`, undefined, metadataOnly);
      if (res.status !== 200) throw new Error(`error: listing ${kind}: HTTP ${res.status}`);
      const doc = JSON.parse(res.body);
      for (const item of doc.items ?? [])
        keys.add(
          kind === 'rolebindings'
            ? `/apis/rbac.authorization.k8s.io/v1/namespaces/${item.metadata.namespace}/rolebindings/${item.metadata.name}`
            : `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${item.metadata.name}`,
        );
      token = doc.metadata.continue ?? '';
    } while (token);
  }
  return keys;
}

async function createAll(api, objects) {
  let next = 0;
  const failures = [];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < objects.length) {
        const o = objects[next++];
        for (let attempt = 0; ; attempt++) {
          const res = await api.request('POST', o.path, o.body);
          if (res.status === 201 || res.status === 409) break;
          if ((res.status === 429 || res.status >= 500) && attempt < 5) {
            await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
            continue;
          }
          failures.push(`${o.path} ${o.body.metadata.name}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
          break;
        }
      }
    }),
  );
  if (failures.length) throw new Error(`error: ${failures.length} objects not created, first: ${failures[0]}`);
}

// ---------- processes ----------
/** Runs a command, returning wall time (ms), CPU time (ms) and max RSS (MiB) via /usr/bin/time, stdout, stderr, exit code. */
function timed(cmd, args, env = process.env) {
  const rssFile = join(work, `rss-${Math.random().toString(16).slice(2)}`);
  const useTime = existsSync('/usr/bin/time');
  const [file, argv] = useTime ? ['/usr/bin/time', ['-f', '%M %U %S', '-o', rssFile, cmd, ...args]] : [cmd, args];
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(file, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      const [rssKiB, user, sys] =
        useTime && existsSync(rssFile)
          ? readFileSync(rssFile, 'utf8').trim().split('\n').pop().split(' ').map(Number)
          : [];
      resolvePromise({
        ms,
        cpuMs: user === undefined ? undefined : Math.round((user + sys) * 1000),
        rssMiB: rssKiB === undefined ? undefined : Math.round(rssKiB / 1024),
        stdout,
        stderr,
        code,
      });
    });
  });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function medianOf(n, fn) {
  const results = [];
  for (let i = 0; i < n; i++) results.push(await fn());
  return summarize(results);
}
/**
 * Medians of several commands timed in the same rounds, each round starting at another of them: the neighbours'
 * load (other benchmarks on these 2 cores) falls on all of them alike, so their ratios hold.
 */
async function interleavedMedians(n, fns) {
  const names = Object.keys(fns);
  const runs = Object.fromEntries(names.map((k) => [k, []]));
  for (let i = 0; i < n; i++) {
    const order = [...names.slice(i % names.length), ...names.slice(0, i % names.length)];
    for (const k of order) runs[k].push(await fns[k]());
  }
  return Object.fromEntries(names.map((k) => [k, summarize(runs[k])]));
}
function summarize(results) {
  const ms = median(results.map((r) => r.ms));
  const cpuMs = results.every((r) => r.cpuMs !== undefined) ? median(results.map((r) => r.cpuMs)) : undefined;
  return { ...results.find((r) => r.ms === ms), ms, cpuMs, all: results.map((r) => Math.round(r.ms)) };
}

// ---------- kubectl-who-can ----------
/** Builds kubectl-who-can v0.4.0 in a throwaway module under the cache dir; returns its path or the reason it could not. */
function buildKubectlWhoCan() {
  if (opts['kubectl-who-can']) return { path: opts['kubectl-who-can'] };
  const dir = join(
    process.env.KUBECTL_SECRETS_CACHE || join(homedir(), '.cache', 'kubectl-secrets'),
    'bench',
    'kubectl-who-can',
  );
  const bin = join(dir, 'kubectl-who-can');
  if (existsSync(bin)) return { path: bin };
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'go.mod'),
    'module bench.local/kubectl-who-can\n\ngo 1.17\n\nrequire github.com/aquasecurity/kubectl-who-can v0.4.0\n',
  );
  writeFileSync(
    join(dir, 'tools.go'),
    '//go:build tools\n\npackage tools\n\nimport _ "github.com/aquasecurity/kubectl-who-can/cmd/kubectl-who-can"\n',
  );
  const env = { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod', CGO_ENABLED: '0' };
  log(
    `building kubectl-who-can v0.4.0 with ${spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).stdout.trim()} in ${dir}`,
  );
  for (const args of [
    ['mod', 'tidy'],
    ['build', '-o', bin, 'github.com/aquasecurity/kubectl-who-can/cmd/kubectl-who-can'],
  ]) {
    const r = spawnSync('go', args, { cwd: dir, env, encoding: 'utf8' });
    if (r.status !== 0)
      return {
        reason: `go ${args.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-5).join(' | ')}`,
      };
  }
  return { path: bin };
}

/** Subjects kubectl-who-can names for `get secrets/NAME`, as Kind/namespace/name. */
function kwcSubjects(json) {
  const out = new Map();
  const doc = JSON.parse(json);
  for (const [list, kind] of [
    [doc.roleBindings ?? [], 'RoleBinding'],
    [doc.clusterRoleBindings ?? [], 'ClusterRoleBinding'],
  ]) {
    for (const b of list) {
      for (const s of b.subjects ?? []) {
        const ns =
          s.kind === 'ServiceAccount' ? s.namespace || b.namespace || (kind === 'RoleBinding' ? TARGET_NS : '') : '';
        out.set(
          `${s.kind}/${ns}/${s.name}`,
          `${kind} ${b.namespace ? `${b.namespace}/` : ''}${b.name} → ${b.roleRef.kind} ${b.roleRef.name}`,
        );
      }
    }
  }
  return out;
}

/**
 * Subjects who-can finds through RBAC bindings for a verb (no group expansion,
 * no Node/superuser rows), same key. An unnamed list only counts full grants.
 */
function whoCanSubjects(json, verb) {
  const out = new Map();
  for (const row of JSON.parse(json).items) {
    for (const step of row.chain) {
      if (
        step.authorizer !== 'RBAC' ||
        step.memberOf ||
        !step.verbs.includes(verb) ||
        (verb !== 'get' && step.fieldSelectedOnly)
      )
        continue;
      const s = step.boundAs ?? { kind: row.kind, name: row.subject, namespace: row.namespace };
      const ns = s.kind === 'ServiceAccount' ? s.namespace || step.binding.namespace || '' : '';
      out.set(
        `${s.kind}/${ns}/${s.name}`,
        `${step.binding.kind} ${step.binding.namespace ? `${step.binding.namespace}/` : ''}${step.binding.name} → ${step.role.kind} ${step.role.name}`,
      );
    }
  }
  return out;
}

function explain(via, onlyIn, verb) {
  const m = /^(\w+) (?:([^/ ]+)\/)?\S+ → (Role|ClusterRole) (\S+)$/.exec(via);
  const rulesOf = m ? generatedRules.get(m[3] === 'Role' ? `${m[2]}/Role/${m[4]}` : `ClusterRole/${m[4]}`) : undefined;
  const secretRules = (rulesOf ?? []).filter(
    (r) => r.resources.some((x) => x === 'secrets' || x === '*') && r.verbs.some((v) => v === verb || v === '*'),
  );
  if (onlyIn === 'kubectl-who-can' && secretRules.length > 0 && secretRules.every((r) => r.resourceNames)) {
    return verb === 'get'
      ? 'resourceNames exclude the Secret (kubectl-who-can ignores resourceNames)'
      : 'the rule has resourceNames: it only allows a list field-selected to those names, not an unnamed list (kubectl-who-can ignores resourceNames)';
  }
  return rulesOf ? `rules: ${JSON.stringify(secretRules)}` : 'built-in or unknown role';
}

// ---------- main ----------
const work = mkdtempSync(join(tmpdir(), 'whocan-bench-'));
const codeCache = join(work, 'cache');
let cluster;
let ownCluster = false;
let api;
try {
  if (opts.cluster) cluster = await loadCluster(opts.cluster);
  else {
    log('starting a local cluster (test/cluster)');
    cluster = await up({ name: 'bench-whocan', log });
    ownCluster = true;
  }
  const kubeconfig = cluster.kubeconfig;
  const kubectl = join(cluster.binDir, 'kubectl');
  api = client(kubeconfig);

  log('bundling who-can (esbuild)');
  const common = {
    bundle: true,
    ...bundleOptions,
    logLevel: 'warning',
    external: ['supports-color', 'encoding', 'bufferutil', 'utf-8-validate'],
  };
  const probe = join(work, 'probe.cjs');
  // as npm ships it (scripts/build.mjs): the bundle, and the entry point that runs it from a V8 code cache
  const cliMain = join(work, 'kubectl-secrets-main.cjs');
  const cli = join(work, 'kubectl-secrets.cjs');
  await build({ ...common, entryPoints: [join(here, 'probe.ts')], outfile: probe });
  await build({
    ...common,
    entryPoints: [join(repo, 'src/main.ts')],
    outfile: cliMain,
    minify: true,
    define: { __KUBECTL_SECRETS_VERSION__: '"bench"' },
  });
  buildLauncher({ main: cliMain, outfile: cli });
  // the CLI at --before, from its sources as committed (dependencies from this checkout)
  const beforeSrc = join(work, 'before');
  mkdirSync(beforeSrc, { recursive: true });
  spawnSync('sh', ['-c', `git -C '${repo}' archive '${opts.before}' src | tar -x -C '${beforeSrc}'`], {
    stdio: 'inherit',
  });
  const cliBeforeMain = join(work, 'kubectl-secrets-before-main.cjs');
  // run as the after is, from the launcher and its V8 code cache: else before/after would also measure the cache
  const cliBefore = join(work, 'kubectl-secrets-before.cjs');
  await build({
    ...common,
    entryPoints: [join(beforeSrc, 'src/main.ts')],
    outfile: cliBeforeMain,
    minify: true,
    nodePaths: [join(repo, 'node_modules')],
    define: { __KUBECTL_SECRETS_VERSION__: '"bench-before"' },
  });
  buildLauncher({ main: cliBeforeMain, outfile: cliBefore });
  // the single binary as shipped (scripts/package.mjs): the bundle with a V8 code cache, so no compile at start
  const sea = join(work, 'kubectl-secrets-sea');
  buildSea({ bundle: cliMain, executable: pinnedNode(), output: sea, codeCache: true });
  const kwc = buildKubectlWhoCan();
  if (kwc.reason) log(`kubectl-who-can unavailable: ${kwc.reason}`);

  // Namespaces, ServiceAccounts, the Secret and a consumer, ClusterRoles, Roles.
  const t0 = performance.now();
  await createAll(
    api,
    NAMESPACES.map((name) => ({
      path: '/api/v1/namespaces',
      body: {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name, labels: { 'kubectl-secrets.bench/who-can': RUN_ID } },
      },
    })),
  );
  await createAll(api, [
    ...serviceAccounts.map((sa) => ({
      path: `/api/v1/namespaces/${sa.ns}/serviceaccounts`,
      body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa.name } },
    })),
    {
      path: `/api/v1/namespaces/${TARGET_NS}/secrets`,
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: TARGET },
        stringData: { password: 'bench-only-not-a-secret' },
      },
    },
    {
      path: `/apis/apps/v1/namespaces/${TARGET_NS}/deployments`,
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'consumer' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'consumer' } },
          template: {
            metadata: { labels: { app: 'consumer' } },
            spec: {
              containers: [
                { name: 'c', image: 'registry.k8s.io/pause:3.10', envFrom: [{ secretRef: { name: TARGET } }] },
              ],
            },
          },
        },
      },
    },
    ...clusterRoleNames.map((name) => {
      const r = rules();
      generatedRules.set(`ClusterRole/${name}`, r);
      return {
        path: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
        body: {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name, labels: { 'kubectl-secrets.bench/who-can': RUN_ID } },
          rules: r,
        },
      };
    }),
  ]);
  const roleObjects = [];
  for (const ns of NAMESPACES) {
    for (let i = 0; i < rolesPerNs && roleObjects.length < ROLES; i++) {
      const r = rules();
      generatedRules.set(`${ns}/Role/role${i}`, r);
      roleObjects.push({
        path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`,
        body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: `role${i}` }, rules: r },
      });
    }
  }
  await createAll(api, roleObjects);
  log(
    `created ${NAMESPACES.length} namespaces, ${serviceAccounts.length} ServiceAccounts, ${clusterRoleNames.length} ClusterRoles, ${roleObjects.length} Roles in ${Math.round(performance.now() - t0)} ms (concurrency ${CONCURRENCY})`,
  );

  const seeded = opts['run-id'] ? await existingBindings(api) : new Set();
  if (seeded.size) log(`found ${seeded.size} bindings of run ${RUN_ID} already seeded`);
  const results = [];
  for (const target of STEPS) {
    const batch = [];
    while (bindingCount < target) {
      const b = nextBinding();
      if (!seeded.has(`${b.path}/${b.body.metadata.name}`)) batch.push(b);
    }
    const t1 = performance.now();
    await createAll(api, batch);
    const createMs = performance.now() - t1;
    log(
      `created ${batch.length} bindings (total ${bindingCount}, ${bindingCount - batch.length} found seeded) in ${Math.round(createMs)} ms: ${Math.round(batch.length / (createMs / 1000))}/s`,
    );

    const probeRun = (mode) => async () => {
      const r = await timed(process.execPath, [probe, kubeconfig, TARGET_NS, TARGET, mode]);
      if (r.code !== 0) throw new Error(`probe failed: ${r.stderr}`);
      return { ...JSON.parse(r.stdout), ms: r.ms, rssMiB: r.rssMiB };
    };
    const cliRun =
      (extra, file = cli, env = {}) =>
      async () => {
        const r = await timed(process.execPath, [file, 'who-can', TARGET, '-n', TARGET_NS, '-o', 'json', ...extra], {
          ...process.env,
          KUBECONFIG: kubeconfig,
          KUBECTL_SECRETS_CACHE: codeCache,
          ...env,
        });
        if (r.code !== 0) throw new Error(`who-can failed: ${r.stderr}`);
        return r;
      };
    const baseline = await medianOf(RUNS, () =>
      timed(kubectl, [
        'get',
        'roles,rolebindings,clusterroles,clusterrolebindings',
        '-A',
        '-o',
        'json',
        '--kubeconfig',
        kubeconfig,
      ]),
    );
    const direct = await medianOf(RUNS, probeRun('direct'));
    const full = await medianOf(RUNS, probeRun('full'));
    const noCache = { NODE_DISABLE_COMPILE_CACHE: '1' };
    const seaRun = (extra) => async () => {
      const r = await timed(sea, ['who-can', TARGET, '-n', TARGET_NS, '-o', 'json', ...extra], {
        ...process.env,
        KUBECONFIG: kubeconfig,
        KUBECTL_SECRETS_CACHE: codeCache,
      });
      if (r.code !== 0) throw new Error(`who-can (single binary) failed: ${r.stderr}`);
      return r;
    };
    const directOnly = ['--direct-only', '--verb', 'get'];
    const cacheDir = join(work, 'kwc-cache');
    const common = ['-n', TARGET_NS, '-o', 'json', '--kubeconfig', kubeconfig, '--cache-dir', cacheDir];
    const kwcArgs = ['get', `secrets/${TARGET}`, ...common];
    // a user's second run: the first of each kind of run writes the V8 code cache (kubectl-who-can's discovery cache)
    for (const warm of [cliRun(directOnly), cliRun([]), cliRun(directOnly, cliBefore), cliRun([], cliBefore)])
      await warm();
    await seaRun(directOnly)();
    await seaRun([])();
    if (kwc.path) await timed(kwc.path, kwcArgs);
    // before, after, the single binary and kubectl-who-can in the same rounds
    const timedRuns = await interleavedMedians(RUNS, {
      cliDirect: cliRun(directOnly),
      beforeDirect: cliRun(directOnly, cliBefore),
      seaDirect: seaRun(directOnly),
      ...(kwc.path ? { kwcRun: () => timed(kwc.path, kwcArgs) } : {}),
      cliFull: cliRun([]),
      beforeFull: cliRun([], cliBefore),
      seaFull: seaRun([]),
      uncachedDirect: cliRun(directOnly, cli, noCache),
      uncachedFull: cliRun([], cli, noCache),
    });
    const { cliDirect, beforeDirect, seaDirect, cliFull, beforeFull, seaFull, uncachedDirect, uncachedFull } =
      timedRuns;
    const kwcRun = timedRuns.kwcRun;
    const disagreements = [];
    if (kwc.path) {
      if (kwcRun.code !== 0) throw new Error(`kubectl-who-can failed: ${kwcRun.stderr}`);
      // Also compare an unnamed list of the namespace's Secrets (not timed).
      const kwcList = await timed(kwc.path, ['list', 'secrets', ...common]);
      const ourList = await cliRun(['--direct-only', '--verb', 'list'])();
      for (const [verb, theirJson, ourJson] of [
        ['get', kwcRun.stdout, cliDirect.stdout],
        ['list', kwcList.stdout, ourList.stdout],
      ]) {
        const theirs = kwcSubjects(theirJson);
        const ours = whoCanSubjects(ourJson, verb);
        for (const [k, via] of theirs)
          if (!ours.has(k))
            disagreements.push({
              verb,
              subject: k,
              onlyIn: 'kubectl-who-can',
              via,
              why: explain(via, 'kubectl-who-can', verb),
            });
        for (const [k, via] of ours)
          if (!theirs.has(k))
            disagreements.push({ verb, subject: k, onlyIn: 'who-can', via, why: explain(via, 'who-can', verb) });
      }
    }
    // Rows outside kubectl-who-can's model: group expansion, Node authorizer, system:masters, indirect paths.
    const fullRows = JSON.parse(cliFull.stdout).items;
    const beyond = {
      expanded: fullRows.filter((r) => r.path === 'direct' && r.chain.every((s) => s.memberOf)).length,
      node: fullRows.filter((r) => r.chain.some((s) => s.authorizer === 'Node')).length,
      superuser: fullRows.filter((r) => r.chain.some((s) => s.authorizer === 'superuser')).length,
      indirect: fullRows.filter((r) => r.path !== 'direct').length,
    };
    results.push({
      bindings: bindingCount,
      createMs,
      baseline,
      direct,
      full,
      cliDirect,
      cliFull,
      uncachedDirect,
      uncachedFull,
      beforeDirect,
      beforeFull,
      seaDirect,
      seaFull,
      kwcRun,
      disagreements,
      beyond,
    });
  }

  // ---------- report ----------
  const out = (s = '') => process.stdout.write(`${s}\n`);
  const ratio = (a, b) => (b ? `${(a / b).toFixed(2)}x` : 'n/a');
  out(`# who-can benchmark (${new Date().toISOString()}, Kubernetes ${cluster.version}, ${RUNS} runs each, medians)`);
  out(
    `Roles: ${ROLES} + ${clusterRoleNames.length} ClusterRoles; namespaces: ${NAMESPACES.length}; question: who can read ${TARGET_NS}/${TARGET}`,
  );
  out(
    `Machine: ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} at the end (wall times include the neighbours' load; CPU times do not)`,
  );
  out();
  const both = (run) => (run ? `${Math.round(run.ms)} ms (${run.cpuMs ?? '?'} ms CPU)` : 'n/a');
  out(
    '| bindings | created in | round trips (direct / full) | lists arrive (full) | resolution wall (direct / full) | resolution CPU (direct / full) | peak RSS who-can | who-can CLI direct | who-can CLI full | kubectl-who-can | baseline: kubectl get RBAC -A | who-can/kubectl-who-can wall (CPU) | who-can/baseline wall (CPU) |',
  );
  out('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    out(
      `| ${r.bindings} | ${Math.round(r.createMs)} ms | ${r.direct.roundTrips} / ${r.full.roundTrips} | ${r.full.loadMs} ms | ${r.direct.resolveMs} / ${r.full.resolveMs} ms | ${r.direct.resolveCpuMs} / ${r.full.resolveCpuMs} ms | ${r.full.rssMiB ?? r.full.maxRssMiB} MiB | ${both(r.cliDirect)} | ${both(r.cliFull)} | ${r.kwcRun ? `${both(r.kwcRun)}, ${r.kwcRun.rssMiB ?? '?'} MiB` : 'n/a'} | ${both(r.baseline)} | ${r.kwcRun ? `${ratio(r.cliDirect.ms, r.kwcRun.ms)} (${ratio(r.cliDirect.cpuMs, r.kwcRun.cpuMs)})` : 'n/a'} | ${ratio(r.cliDirect.ms, r.baseline.ms)} (${ratio(r.cliDirect.cpuMs, r.baseline.cpuMs)}) |`,
    );
  }
  out();
  out(`Before (${opts.before}) and after, same run, interleaved (medians; wall, CPU in brackets):`);
  for (const r of results) {
    const vsKwc = (run) => (r.kwcRun ? `${ratio(run.ms, r.kwcRun.ms)} kubectl-who-can` : 'kubectl-who-can n/a');
    out(
      `- ${r.bindings} bindings: direct ${both(r.beforeDirect)} → ${both(r.cliDirect)} (${vsKwc(r.beforeDirect)} → ${vsKwc(r.cliDirect)}, target ≤ 1.5x); ` +
        `full ${both(r.beforeFull)} → ${both(r.cliFull)} (${vsKwc(r.beforeFull)} → ${vsKwc(r.cliFull)}, target ≤ 2.5x); ` +
        `after/before wall ${ratio(r.cliDirect.ms, r.beforeDirect.ms)} / ${ratio(r.cliFull.ms, r.beforeFull.ms)}, CPU ${ratio(r.cliDirect.cpuMs, r.beforeDirect.cpuMs)} / ${ratio(r.cliFull.cpuMs, r.beforeFull.cpuMs)}`,
    );
    out(
      `  without the code cache (NODE_DISABLE_COMPILE_CACHE=1): direct ${both(r.uncachedDirect)} (${vsKwc(r.uncachedDirect)}); ` +
        `full ${both(r.uncachedFull)} (${vsKwc(r.uncachedFull)}); cached/uncached CPU ${ratio(r.cliDirect.cpuMs, r.uncachedDirect.cpuMs)} / ${ratio(r.cliFull.cpuMs, r.uncachedFull.cpuMs)}`,
    );
    out(
      `  single binary (after): direct ${both(r.seaDirect)} (${vsKwc(r.seaDirect)}, CPU ${ratio(r.seaDirect.cpuMs, r.kwcRun?.cpuMs)}); ` +
        `full ${both(r.seaFull)} (${vsKwc(r.seaFull)}, CPU ${ratio(r.seaFull.cpuMs, r.kwcRun?.cpuMs)}); peak RSS ${r.seaDirect.rssMiB} / ${r.seaFull.rssMiB} MiB`,
    );
  }
  out();
  out(`Objects seen at the last step: ${JSON.stringify(results.at(-1)?.full.objects)}`);
  if (kwc.reason) out(`kubectl-who-can: not built: ${kwc.reason}`);
  for (const r of results) {
    out();
    out(
      `## Disagreements with kubectl-who-can at ${r.bindings} bindings (get secrets/${TARGET}, and list secrets, in ${TARGET_NS}): ${r.kwcRun ? r.disagreements.length : 'n/a'}`,
    );
    const byWhy = new Map();
    for (const d of r.disagreements) {
      const why = `${d.onlyIn} (${d.verb}): ${d.why}`;
      byWhy.set(why, [...(byWhy.get(why) ?? []), d]);
    }
    out(
      `- who-can rows kubectl-who-can has no notion of: ${JSON.stringify(r.beyond)} (ServiceAccounts reached only through a ServiceAccount group, Node-authorizer rows, system:masters, indirect paths)`,
    );
    for (const [why, ds] of byWhy) {
      out(
        `- only in ${why}: ${ds.length}, e.g. ${ds
          .slice(0, 3)
          .map((d) => `${d.subject} (${d.via})`)
          .join('; ')}`,
      );
    }
  }
} finally {
  if (api && !opts.keep) {
    log('cleaning up');
    for (const path of [
      '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
      '/apis/rbac.authorization.k8s.io/v1/clusterroles',
    ]) {
      await api.request('DELETE', `${path}?labelSelector=${encodeURIComponent(LABEL)}`).catch(() => undefined);
    }
    for (const ns of NAMESPACES) await api.request('DELETE', `/api/v1/namespaces/${ns}`).catch(() => undefined);
  }
  api?.close();
  if (ownCluster && cluster) await down(cluster);
}
