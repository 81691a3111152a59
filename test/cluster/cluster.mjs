// A real local Kubernetes control plane for tests and the demo: etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler and KWOK (fake
// nodes whose pods "run" without containers), one process each, all on
// loopback with free ports, state under one directory per cluster.
import { createHash, randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { makeCA, makeCert, makeSigningKey } from './pki.mjs';
import { apiRequest, writeKubeconfig } from './kubeconfig.mjs';
import { ClusterError, isOurs, startComponent, stopProcess, waitUntil } from './processes.mjs';

export { apiRequest, ClusterError };

const here = dirname(fileURLToPath(import.meta.url));
const SERVICE_CIDR = '10.96.0.0/16';
const POD_CIDR = '10.244.0.0/16';
const NODE_IP = '10.200.0.1';
const NEVER_READY_LABEL = 'kubectl-secrets.test/never-ready';
// Stop order: clients first, storage last.
const COMPONENTS = ['kwok', 'scheduler', 'controllerManager', 'apiserver', 'etcd'];
const KEEP_FAILED_MS = 60 * 60 * 1000;

/** Root of the per-cluster state directories. */
export function stateRoot() {
  return join(process.env.KUBECTL_SECRETS_CACHE || join(homedir(), '.cache', 'kubectl-secrets'), 'run');
}

/**
 * Builds (or reuses) kube-local and kwok with test/cluster/build.sh.
 * @param {{log?: (line: string) => void, timeoutMs?: number}} [options]
 * @returns {Promise<string>} the bin directory
 */
export function buildBinaries({ log = () => {}, timeoutMs = 60 * 60 * 1000 } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [join(here, 'build.sh')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => {
      stderr += c;
      String(c)
        .trimEnd()
        .split('\n')
        .forEach((l) => log(l));
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', (e) => reject(new ClusterError('build binaries', e.message)));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const binDir = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && binDir) return resolvePromise(binDir);
      const lines = stderr.trim().split('\n');
      const first = lines.find((l) => l.startsWith('error: ')) ?? lines[0] ?? '';
      const reason = signal ? `build.sh timed out after ${timeoutMs / 60000} min` : first.replace(/^error: /, '');
      const err = new ClusterError('build binaries', reason || `build.sh exited with code ${code}`);
      err.tail = lines.slice(lines.indexOf(first) + 1).join('\n');
      reject(err);
    });
  });
}

/** Free loopback TCP ports, found by binding port 0 (all held until all are known). */
async function freePorts(count) {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise((res, rej) => {
          const s = createServer();
          s.once('error', rej);
          s.listen(0, '127.0.0.1', () => res(s));
        }),
    ),
  );
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((res) => s.close(res))));
  return ports;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Removes state dirs of clusters whose processes are all gone (failed or killed runs). */
async function removeStaleClusters(log) {
  const root = stateRoot();
  for (const entry of existsSync(root) ? await readdir(root) : []) {
    const dir = join(root, entry);
    let info;
    try {
      info = JSON.parse(await readFile(join(dir, 'cluster.json'), 'utf8'));
    } catch {
      continue; // not ours, or being created right now
    }
    const running = Object.values(info.pids ?? {}).some((pid) => isOurs(pid, dir));
    if (running || (info.upPid !== process.pid && alive(info.upPid) && !info.ready)) continue;
    // A failed start keeps its logs for an hour so its error message stays useful.
    if (!info.ready && Date.now() - (await stat(join(dir, 'cluster.json'))).mtimeMs < KEEP_FAILED_MS) continue;
    log(`removing stale cluster dir ${dir}`);
    await rm(dir, { recursive: true, force: true });
  }
}

/** KWOK stages: upstream fast node/pod stages plus pod-never-ready, with disjoint selectors. */
async function kwokConfig(binDir) {
  const stages = join(binDir, 'kwok-stages');
  const load = async (p) => yaml.load(await readFile(p, 'utf8'));
  const podReady = await load(join(stages, 'pod/fast/pod-ready.yaml'));
  podReady.spec.selector.matchExpressions.push({
    key: `.metadata.labels["${NEVER_READY_LABEL}"]`,
    operator: 'NotIn',
    values: ['true'],
  });
  const docs = [
    await load(join(stages, 'node/fast/node-initialize.yaml')),
    await load(join(stages, 'node/heartbeat/node-heartbeat.yaml')),
    podReady,
    await load(join(stages, 'pod/fast/pod-complete.yaml')),
    await load(join(stages, 'pod/fast/pod-delete.yaml')),
    await load(join(here, 'config/pod-never-ready.yaml')),
  ];
  return docs.map((d) => yaml.dump(d, { lineWidth: -1 })).join('---\n');
}

function fakeNode(name) {
  const resources = { cpu: '32', memory: '256Gi', pods: '1000' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/worker': '',
        type: 'kwok',
      },
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
    },
    status: { capacity: resources, allocatable: resources },
  };
}

/** True once every fake node is Ready and the not-ready taint is gone. */
async function nodesReady(kubeconfig, count) {
  const { status, body } = await apiRequest(kubeconfig, 'GET', '/api/v1/nodes?labelSelector=type%3Dkwok');
  if (status !== 200) throw new Error(`GET nodes: HTTP ${status}`);
  const ready = body.items.filter(
    (n) =>
      n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') &&
      !(n.spec?.taints ?? []).some((t) => t.key.startsWith('node.kubernetes.io/')),
  );
  return ready.length === count;
}

/**
 * @typedef {{etcd?: number, apiserver?: number, controllerManager?: number, scheduler?: number, kwok?: number}} Pids
 * @typedef {{name: string, dir: string, kubeconfig: string, server: string, auditLog: string,
 *   caCert: string, caKey: string, binDir: string, pids: Pids, version: string, nodes: string[],
 *   logs: Record<string, string>, ports: Record<string, number>, upPid: number, startedAt: string, ready: boolean,
 *   startupSeconds: number}} Cluster
 * @typedef {{name?: string, workers?: number, controllers?: boolean, log?: (line: string) => void,
 *   binDir?: string, dir?: string, ports?: {etcd?: number, etcdPeer?: number, apiserver?: number}}} UpOptions
 */

/**
 * Starts a cluster and waits until it is usable. On failure stops what it
 * started, keeps the state dir (for the logs) and throws a ClusterError.
 * @param {UpOptions} [options]
 * @returns {Promise<Cluster>}
 */
export async function up(options = {}) {
  const { log = () => {} } = options;
  const binDir = options.binDir ?? process.env.KUBECTL_SECRETS_BIN_DIR ?? (await buildBinaries({ log }));
  for (const bin of ['kube-local', 'kubectl', 'kwok', 'kwok-stages']) {
    if (!existsSync(join(binDir, bin))) throw new ClusterError('find binaries', `${join(binDir, bin)} is missing`);
  }
  await removeStaleClusters(log);
  // A port picked free can be taken before the component binds it: retry once.
  for (let attempt = 1; ; attempt++) {
    try {
      return await upOnce({ ...options, binDir, log });
    } catch (e) {
      const portRace = e instanceof ClusterError && /address already in use/.test(e.tail);
      if (!portRace || attempt === 2 || options.ports || options.dir) throw e;
      log(`port taken while starting (${e.message}); retrying with new ports`);
    }
  }
}

/** @param {UpOptions & {binDir: string, log: (line: string) => void}} options */
async function upOnce({
  name = 'kubectl-secrets',
  workers = 2,
  controllers = true,
  log,
  binDir,
  dir,
  ports: fixed = {},
}) {
  const started = Date.now();
  const step = (what) => log(`${what} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  dir = resolve(dir ?? join(stateRoot(), `${name}-${randomBytes(3).toString('hex')}`));
  if (existsSync(dir) && (await readdir(dir)).length > 0) {
    throw new ClusterError('prepare state dir', `${dir} already exists and is not empty (stale? remove it first)`);
  }
  const pki = join(dir, 'pki');
  const logs = join(dir, 'logs');
  await Promise.all([pki, logs, join(dir, 'users'), join(dir, 'kwok')].map((d) => mkdir(d, { recursive: true })));
  const [etcdPort, etcdPeerPort, apiserverPort] = await freePorts(3);
  const ports = {
    etcd: fixed.etcd ?? etcdPort,
    etcdPeer: fixed.etcdPeer ?? etcdPeerPort,
    apiserver: fixed.apiserver ?? apiserverPort,
  };
  const server = `https://127.0.0.1:${ports.apiserver}`;
  const kubeLocal = join(binDir, 'kube-local');
  const logOf = (c) => join(logs, `${c}.log`);

  /** @type {Cluster} */
  const cluster = {
    name,
    dir,
    server,
    binDir,
    ports,
    kubeconfig: join(dir, 'admin.kubeconfig'),
    auditLog: join(dir, 'audit.log'),
    caCert: join(pki, 'ca.crt'),
    caKey: join(pki, 'ca.key'),
    pids: {},
    logs: Object.fromEntries(COMPONENTS.map((c) => [c, logOf(c)])),
    version: '',
    nodes: controllers ? Array.from({ length: workers }, (_, i) => `kwok-node-${i}`) : [],
    upPid: process.pid,
    startedAt: new Date().toISOString(),
    ready: false,
    startupSeconds: 0,
  };
  const save = () => writeFile(join(dir, 'cluster.json'), `${JSON.stringify(cluster, null, 2)}\n`);
  await save();
  /** @type {ReturnType<typeof startComponent>[]} */
  const running = [];
  const start = async (component, command, args, env) => {
    const c = startComponent(component, command, args, { log: logOf(component), env, cwd: dir });
    running.push(c);
    cluster.pids[component] = c.pid;
    await save();
    return c;
  };

  // Interrupted while starting: the components are detached, so stop them here.
  // (A starting kube-apiserver may ignore SIGTERM: stopProcess escalates to SIGKILL.)
  let interrupted = false;
  const onSignal = async (signal) => {
    interrupted = true;
    for (const c of [...running].reverse()) await stopProcess(c.pid, dir, 3000);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);

  try {
    const ca = await makeCA(pki, 'kubectl-secrets-local-ca');
    const client = (n, commonName, organizations = []) => makeCert(pki, ca, { name: n, commonName, organizations });
    const [serving, admin, cm, sched, kwokCert, sa] = await Promise.all([
      makeCert(pki, ca, {
        name: 'apiserver',
        commonName: 'kube-apiserver',
        server: {
          dns: [
            'localhost',
            'kubernetes',
            'kubernetes.default',
            'kubernetes.default.svc',
            'kubernetes.default.svc.cluster.local',
          ],
          ips: ['127.0.0.1', '10.96.0.1'],
        },
      }),
      client('admin', 'kubernetes-admin', ['system:masters']),
      client('controller-manager', 'system:kube-controller-manager'),
      client('scheduler', 'system:kube-scheduler'),
      client('kwok', 'kwok-controller', ['system:masters']),
      makeSigningKey(pki),
    ]).catch((e) => {
      throw new ClusterError('make certificates', e.message);
    });
    const kubeconfig = (file, user, cert) =>
      writeKubeconfig(join(dir, file), { server, caCert: ca.cert, user, clientCert: cert.cert, clientKey: cert.key });
    await Promise.all([
      kubeconfig('admin.kubeconfig', 'kubernetes-admin', admin),
      kubeconfig('controller-manager.kubeconfig', 'system:kube-controller-manager', cm),
      kubeconfig('scheduler.kubeconfig', 'system:kube-scheduler', sched),
      kubeconfig('kwok.kubeconfig', 'kwok-controller', kwokCert),
      copyFile(join(here, 'config/audit-policy.yaml'), join(dir, 'audit-policy.yaml')),
    ]);
    step('certificates and kubeconfigs written');

    const etcdUrl = `http://127.0.0.1:${ports.etcd}`;
    const peerUrl = `http://127.0.0.1:${ports.etcdPeer}`;
    const etcd = await start('etcd', kubeLocal, [
      'etcd',
      '--name=local',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=local=${peerUrl}`,
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]);
    await waitUntil(
      'etcd /health',
      async () =>
        (await (await fetch(`${etcdUrl}/health`, { signal: AbortSignal.timeout(3000) })).json()).health === 'true',
      {
        timeoutMs: 30000,
        log: etcd.log,
        watch: [etcd],
      },
    );
    step('etcd healthy');

    const apiserver = await start('apiserver', kubeLocal, [
      'kube-apiserver',
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${ports.apiserver}`,
      // With a loopback advertise address the default lease reconciler refuses to start.
      '--endpoint-reconciler-type=none',
      `--tls-cert-file=${serving.cert}`,
      `--tls-private-key-file=${serving.key}`,
      `--cert-dir=${join(dir, 'apiserver-certs')}`,
      `--client-ca-file=${ca.cert}`,
      '--authorization-mode=Node,RBAC',
      '--enable-admission-plugins=NodeRestriction',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-signing-key-file=${sa.key}`,
      `--service-account-key-file=${sa.pub}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      `--audit-policy-file=${join(dir, 'audit-policy.yaml')}`,
      `--audit-log-path=${cluster.auditLog}`,
      '--audit-log-maxsize=100',
      '--audit-log-maxbackup=3',
    ]);
    const admin200 = async (path) =>
      (await apiRequest(cluster.kubeconfig, 'GET', path, { timeoutMs: 5000 })).status === 200;
    await waitUntil('kube-apiserver /readyz', () => admin200('/readyz'), {
      timeoutMs: 120000,
      log: apiserver.log,
      watch: [etcd, apiserver],
    });
    step('kube-apiserver ready');
    await waitUntil(
      'default RBAC bootstrap',
      async () =>
        (await admin200('/apis/rbac.authorization.k8s.io/v1/clusterroles/cluster-admin')) &&
        (await admin200('/apis/rbac.authorization.k8s.io/v1/clusterroles/system:node')),
      {
        timeoutMs: 30000,
        log: apiserver.log,
        watch: [etcd, apiserver],
      },
    );
    cluster.version = (await apiRequest(cluster.kubeconfig, 'GET', '/version')).body.gitVersion;

    if (controllers) {
      for (const node of cluster.nodes) {
        const { status, body } = await apiRequest(cluster.kubeconfig, 'POST', '/api/v1/nodes', {
          body: fakeNode(node),
        });
        if (status !== 201)
          throw new ClusterError(
            'create fake nodes',
            `POST node ${node}: HTTP ${status} ${body?.message ?? ''}`,
            apiserver.log,
          );
      }
      const controllerManager = await start('controllerManager', kubeLocal, [
        'kube-controller-manager',
        `--kubeconfig=${join(dir, 'controller-manager.kubeconfig')}`,
        '--leader-elect=false',
        '--bind-address=127.0.0.1',
        '--secure-port=0',
        `--service-account-private-key-file=${sa.key}`,
        `--root-ca-file=${ca.cert}`,
        '--use-service-account-credentials=true',
        `--cluster-signing-cert-file=${ca.cert}`,
        `--cluster-signing-key-file=${ca.key}`,
        // Loaded CI machines must not see fake nodes flap to NotReady.
        '--node-monitor-grace-period=3m',
      ]);
      const schedulerConfig = join(dir, 'scheduler.yaml');
      await writeFile(
        schedulerConfig,
        yaml.dump({
          apiVersion: 'kubescheduler.config.k8s.io/v1',
          kind: 'KubeSchedulerConfiguration',
          clientConnection: { kubeconfig: join(dir, 'scheduler.kubeconfig') },
          leaderElection: { leaderElect: false },
        }),
      );
      const scheduler = await start('scheduler', kubeLocal, [
        'kube-scheduler',
        `--config=${schedulerConfig}`,
        '--bind-address=127.0.0.1',
        '--secure-port=0',
      ]);
      await writeFile(join(dir, 'kwok.yaml'), await kwokConfig(binDir));
      const kwok = await start(
        'kwok',
        join(binDir, 'kwok'),
        [
          `--kubeconfig=${join(dir, 'kwok.kubeconfig')}`,
          `--config=${join(dir, 'kwok.yaml')}`,
          '--manage-all-nodes=true',
          // Without it v0.7.0 picks the 10-minute heartbeat stage and nodes go Unknown.
          '--node-lease-duration-seconds=40',
          `--node-ip=${NODE_IP}`,
          `--cidr=${POD_CIDR}`,
        ],
        { ...process.env, HOME: dir, KWOK_WORKDIR: join(dir, 'kwok') },
      );
      const all = [etcd, apiserver, controllerManager, scheduler, kwok];
      await waitUntil(
        'default ServiceAccount (controller-manager)',
        () => admin200('/api/v1/namespaces/default/serviceaccounts/default'),
        {
          timeoutMs: 60000,
          log: controllerManager.log,
          watch: all,
        },
      );
      step('controller-manager created the default ServiceAccount');
      await waitUntil('KWOK nodes Ready and untainted', () => nodesReady(cluster.kubeconfig, workers), {
        timeoutMs: 90000,
        log: kwok.log,
        watch: all,
      });
      step(`${workers} KWOK nodes ready`);
    }
    cluster.ready = true;
    cluster.startupSeconds = Math.round((Date.now() - started) / 100) / 10;
    await save();
    return cluster;
  } catch (e) {
    if (interrupted) await new Promise(() => {}); // onSignal stops everything and exits
    for (const c of [...running].reverse()) await stopProcess(c.pid, dir, 5000);
    await rm(join(dir, 'etcd'), { recursive: true, force: true }); // the bulk; logs stay
    if (e instanceof ClusterError) throw e;
    throw new ClusterError('start', e.message);
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

/** Reads `<dir>/cluster.json`. @returns {Promise<Cluster>} */
export async function loadCluster(dir) {
  try {
    return JSON.parse(await readFile(join(resolve(dir), 'cluster.json'), 'utf8'));
  } catch (e) {
    throw new Error(`cluster: no cluster.json in ${dir} (${e.code ?? e.message})`, { cause: e });
  }
}

/** True when every component recorded in cluster.json is still running. */
export function isRunning(cluster) {
  const pids = Object.values(cluster.pids);
  return pids.length > 0 && pids.every((pid) => isOurs(pid, cluster.dir));
}

/**
 * Stops exactly the processes `up` started (if they are still ours) and
 * removes the state dir.
 * @param {string | Cluster} dirOrCluster
 */
export async function down(dirOrCluster) {
  const dir = resolve(typeof dirOrCluster === 'string' ? dirOrCluster : dirOrCluster.dir);
  const cluster = await loadCluster(dir);
  const pids = cluster.pids;
  await Promise.all(['kwok', 'scheduler', 'controllerManager'].map((c) => pids[c] && stopProcess(pids[c], dir)));
  if (pids.apiserver) await stopProcess(pids.apiserver, dir);
  if (pids.etcd) await stopProcess(pids.etcd, dir);
  await rm(dir, { recursive: true, force: true });
}

/**
 * Stops kube-apiserver and starts it again with the same command line (for
 * fault tests), after `downMs` without it; resolves once /readyz answers.
 * @param {string | Cluster} dirOrCluster
 * @param {{downMs?: number}} [options]
 */
export async function restartApiserver(dirOrCluster, { downMs = 0 } = {}) {
  const dir = resolve(typeof dirOrCluster === 'string' ? dirOrCluster : dirOrCluster.dir);
  const cluster = await loadCluster(dir);
  const pid = cluster.pids.apiserver;
  if (!pid || !isOurs(pid, dir))
    throw new ClusterError('restart kube-apiserver', `process ${pid} is not this cluster's kube-apiserver`);
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  await stopProcess(pid, dir);
  if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
  const apiserver = startComponent('apiserver', argv[0], argv.slice(1), { log: cluster.logs.apiserver, cwd: dir });
  cluster.pids.apiserver = apiserver.pid;
  await writeFile(join(dir, 'cluster.json'), `${JSON.stringify(cluster, null, 2)}\n`);
  await waitUntil(
    'kube-apiserver /readyz after a restart',
    async () => (await apiRequest(cluster.kubeconfig, 'GET', '/readyz', { timeoutMs: 5000 })).status === 200,
    {
      timeoutMs: 120000,
      log: apiserver.log,
      watch: [apiserver],
    },
  );
}

/** Clusters under stateRoot() with cluster.json, newest first. @returns {Promise<Cluster[]>} */
export async function listClusters() {
  const root = stateRoot();
  const found = [];
  for (const entry of existsSync(root) ? await readdir(root) : []) {
    try {
      found.push(await loadCluster(join(root, entry)));
    } catch {}
  }
  return found.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

const fileSafe = (s) => s.replace(/[^A-Za-z0-9_.-]/g, '_');

/**
 * Kubeconfig for a client certificate signed by the cluster CA:
 * CN=user, one O per group (the API server maps them to username and groups).
 * @param {Cluster} cluster
 * @param {{user: string, groups?: string[]}} identity
 * @returns {Promise<string>} absolute path of the kubeconfig
 */
export function makeUserKubeconfig(cluster, { user, groups = [] }) {
  const id = createHash('sha256')
    .update(JSON.stringify([user, groups]))
    .digest('hex')
    .slice(0, 8);
  const name = `${fileSafe(user)}-${id}`;
  const path = join(cluster.dir, 'users', `${name}.kubeconfig`);
  if (existsSync(path)) return Promise.resolve(path);
  // Concurrent calls for one identity share one key and certificate.
  let pending = userKubeconfigs.get(path);
  if (!pending) {
    pending = makeCert(
      join(cluster.dir, 'users'),
      { cert: cluster.caCert, key: cluster.caKey },
      {
        name,
        commonName: user,
        organizations: groups,
      },
    ).then((cert) =>
      writeKubeconfig(path, {
        server: cluster.server,
        caCert: cluster.caCert,
        user,
        clientCert: cert.cert,
        clientKey: cert.key,
      }),
    );
    userKubeconfigs.set(path, pending);
    pending.finally(() => userKubeconfigs.delete(path)).catch(() => {});
  }
  return pending;
}
/** @type {Map<string, Promise<string>>} */
const userKubeconfigs = new Map();

/**
 * Kubeconfig with a bound token from a real TokenRequest for ServiceAccount ns/sa.
 * @param {Cluster} cluster
 * @param {string} namespace
 * @param {string} serviceAccount
 * @param {{expirationSeconds?: number}} [options]
 * @returns {Promise<string>} absolute path of the kubeconfig
 */
export async function serviceAccountKubeconfig(cluster, namespace, serviceAccount, { expirationSeconds = 3600 } = {}) {
  const path = `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`;
  const { status, body } = await apiRequest(cluster.kubeconfig, 'POST', path, {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds } },
  });
  if (status !== 201)
    throw new Error(
      `cluster: TokenRequest for ${namespace}/${serviceAccount} failed: HTTP ${status} ${body?.message ?? ''}`,
    );
  const file = join(cluster.dir, 'users', `sa-${fileSafe(namespace)}-${fileSafe(serviceAccount)}.kubeconfig`);
  return writeKubeconfig(file, {
    server: cluster.server,
    caCert: cluster.caCert,
    user: `system:serviceaccount:${namespace}:${serviceAccount}`,
    token: body.status.token,
  });
}
