// audit against the real kube-apiserver's audit log (Metadata level, every stage):
// reads by certificate users, ServiceAccount tokens (one bound to a pod), an
// impersonating admin and a user without RBAC, then exact summaries of them.
// Every identity's name contains the fresh namespace, so --user <namespace>
// leaves out whatever other test files do meanwhile.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLeak, makeCanary } from '../harness/canary.js';
import {
  api,
  applyYaml,
  asServiceAccount,
  asUser,
  deleteNamespace,
  freshNamespace,
  podBoundKubeconfig,
  readAuditLog,
  useCluster,
  waitFor,
} from '../harness/cluster.js';
import { BUNDLE, ensureBinary, ensureBundle, runBuilt, runCli } from '../harness/runCli.js';
import { apiRequest } from '../cluster/cluster.mjs';

const canary = makeCanary('audit');
let ns: string;
let node: string;
let started: Date;
let finished: Date;
/** Every read below is by an identity whose name contains this (the namespace). */
let P: string;

const user = (name: string) => `${P}-${name}`;

/** GET as a kubeconfig's identity (or the admin impersonating someone); returns the HTTP status. */
async function read(kubeconfig: string, path: string, headers: Record<string, string> = {}): Promise<number> {
  return (await apiRequest(kubeconfig, 'GET', path, { headers })).status;
}

const isOurs = (username: string | undefined) => username !== undefined && username.includes(P);

beforeAll(async () => {
  ns = await freshNamespace('audit');
  P = ns;
  const secrets = `/api/v1/namespaces/${ns}/secrets`;
  await applyYaml(
    `apiVersion: v1
kind: Secret
metadata: {name: db}
stringData: {password: ${canary}}
---
apiVersion: v1
kind: Secret
metadata: {name: api-token}
stringData: {token: ${canary}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: robot}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list, watch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects:
  - {kind: User, apiGroup: rbac.authorization.k8s.io, name: "${user('alice')}"}
  - {kind: User, apiGroup: rbac.authorization.k8s.io, name: "${user('carol')}"}
  - {kind: User, apiGroup: rbac.authorization.k8s.io, name: "${user('bob')}"}
  - {kind: ServiceAccount, name: web}
  - {kind: ServiceAccount, name: robot}
---
apiVersion: v1
kind: Pod
metadata: {name: web-0}
spec:
  serviceAccountName: web
  containers: [{name: web, image: registry.k8s.io/pause:3.10}]
`,
    ns,
  );
  const pod = await waitFor(
    async () => {
      const { body } = await api('GET', `/api/v1/namespaces/${ns}/pods/web-0`);
      return body?.spec?.nodeName ? body : undefined;
    },
    { timeout: 60_000, what: 'pod web-0 scheduled' },
  );
  node = pod.spec.nodeName;

  const admin = useCluster().kubeconfig;
  const [alice, carol, mallory, robot, web] = await Promise.all([
    asUser({ user: user('alice') }),
    asUser({ user: user('carol') }),
    asUser({ user: user('mallory') }),
    asServiceAccount(ns, 'robot'),
    podBoundKubeconfig(ns, 'web', { name: 'web-0', uid: pod.metadata.uid }),
  ]);

  started = new Date();
  const statuses = {
    alice: [
      await read(alice, `${secrets}/db`),
      await read(alice, `${secrets}/db`),
      await read(alice, `${secrets}/api-token`),
    ],
    carol: [
      await read(carol, secrets),
      await read(carol, `${secrets}?fieldSelector=metadata.name%3Ddb`),
      await read(carol, `${secrets}?watch=true&timeoutSeconds=1`),
    ],
    bob: [await read(admin, `${secrets}/db`, { 'Impersonate-User': user('bob') })],
    malloryImpersonated: [await read(admin, `${secrets}/db`, { 'Impersonate-User': user('mallory') })],
    web: [await read(web, `${secrets}/db`)],
    robot: [await read(robot, `${secrets}/api-token`)],
    mallory: [
      await read(mallory, `${secrets}/db`),
      await read(mallory, `${secrets}/db`),
      await read(mallory, secrets),
      await read(mallory, '/api/v1/secrets'),
    ],
  };
  finished = new Date();
  expect(statuses).toEqual({
    alice: [200, 200, 200],
    carol: [200, 200, 200],
    bob: [200],
    malloryImpersonated: [403],
    web: [200],
    robot: [200],
    mallory: [403, 403, 403, 403],
  });
  // 14 requests: wait until each one's last stage is in the log
  await waitFor(
    async () =>
      (await readAuditLog()).filter(
        (e) =>
          e.stage === 'ResponseComplete' &&
          e.objectRef?.resource === 'secrets' &&
          (isOurs(e.user.username) || isOurs(e.impersonatedUser?.username)),
      ).length >= 14,
    { what: '14 requests in the audit log' },
  );
});

afterAll(async () => {
  if (ns) await deleteNamespace(ns);
});

async function audit(args: string[]) {
  const r = await runCli(['audit', '--log', useCluster().auditLog, ...args]);
  expect(r.code, r.stderr).toBe(0);
  assertNoLeak([canary], r);
  return r;
}

async function json(args: string[]) {
  const r = await audit([...args, '-o', 'json']);
  return { doc: JSON.parse(r.stdout), stderr: r.stderr };
}

const brief = (r: any) => [r.key, r.count, r.denied];

describe('audit on the API server audit log', () => {
  it('-n NS: one row per identity, counted once whatever stages were logged, with verbs, scopes, targets, pods and nodes', async () => {
    const { doc } = await json(['-n', ns]);
    // Other test files' cluster-wide reads (*/*) reach every namespace; only ours touch this one.
    const ours = doc.items.filter(
      (r: any) => r.system === undefined && r.secrets.some((s: string) => s.startsWith(`${ns}/`)),
    );
    const others = doc.items.filter((r: any) => r.system === undefined && !ours.includes(r));
    for (const r of others) expect(r.secrets, r.key).toEqual(['*/*']);
    expect(
      ours.map((r: any) => ({
        key: r.key,
        count: r.count,
        denied: r.denied,
        verbs: r.verbs,
        scopes: r.scopes,
        secrets: r.secrets,
        pods: r.pods,
        nodes: r.nodes,
      })),
    ).toEqual([
      {
        key: user('mallory'),
        count: 4,
        denied: 4,
        verbs: ['get', 'list'],
        scopes: ['named', 'namespace-wide', 'cluster-wide'],
        secrets: ['*/*', `${ns}/*`, `${ns}/db`],
        pods: [],
        nodes: [],
      },
      {
        key: user('alice'),
        count: 3,
        denied: 0,
        verbs: ['get'],
        scopes: ['named'],
        secrets: [`${ns}/api-token`, `${ns}/db`],
        pods: [],
        nodes: [],
      },
      // the watch logged RequestReceived, ResponseStarted and ResponseComplete: one request
      {
        key: user('carol'),
        count: 3,
        denied: 0,
        verbs: ['list', 'watch'],
        scopes: ['field-selected', 'namespace-wide'],
        secrets: [`${ns}/*`, `${ns}/db`],
        pods: [],
        nodes: [],
      },
      {
        key: `kubernetes-admin as ${user('bob')}`,
        count: 1,
        denied: 0,
        verbs: ['get'],
        scopes: ['named'],
        secrets: [`${ns}/db`],
        pods: [],
        nodes: [],
      },
      {
        key: `kubernetes-admin as ${user('mallory')}`,
        count: 1,
        denied: 1,
        verbs: ['get'],
        scopes: ['named'],
        secrets: [`${ns}/db`],
        pods: [],
        nodes: [],
      },
      // a TokenRequest token without a bound object carries no pod or node in user.extra
      {
        key: `system:serviceaccount:${ns}:robot`,
        count: 1,
        denied: 0,
        verbs: ['get'],
        scopes: ['named'],
        secrets: [`${ns}/api-token`],
        pods: [],
        nodes: [],
      },
      // a token bound to pod web-0 names the pod and the node it was scheduled on
      {
        key: `system:serviceaccount:${ns}:web`,
        count: 1,
        denied: 0,
        verbs: ['get'],
        scopes: ['named'],
        secrets: [`${ns}/db`],
        pods: [`${ns}/web-0`],
        nodes: [node],
      },
    ]);
    const impersonated = ours.find((r: any) => r.key === `kubernetes-admin as ${user('bob')}`);
    expect(impersonated.subject).toEqual({ user: 'kubernetes-admin', impersonatedUser: user('bob'), kind: 'user' });
    expect(ours.find((r: any) => r.key.endsWith(':web')).subject.kind).toBe('serviceaccount');
    expect(doc.metadata.inputs[0]).toMatchObject({ path: useCluster().auditLog, format: 'k8s-v1' });
  });

  it('--user narrows to our identities: exact totals, every stage counted once, times within the test', async () => {
    const { doc, stderr } = await json(['-n', ns, '--user', P]);
    expect(doc.items.map(brief)).toEqual([
      [user('mallory'), 4, 4],
      [user('alice'), 3, 0],
      [user('carol'), 3, 0],
      [`kubernetes-admin as ${user('bob')}`, 1, 0],
      [`kubernetes-admin as ${user('mallory')}`, 1, 1],
      [`system:serviceaccount:${ns}:robot`, 1, 0],
      [`system:serviceaccount:${ns}:web`, 1, 0],
    ]);
    // The log holds 29 stages of our 14 requests: RequestReceived + ResponseComplete each, the watch also ResponseStarted.
    const events = (await readAuditLog()).filter(
      (e) => e.objectRef?.resource === 'secrets' && ['get', 'list', 'watch'].includes(e.verb),
    );
    const ids = new Set(
      events.filter((e) => isOurs(e.user.username) || isOurs(e.impersonatedUser?.username)).map((e) => e.auditID),
    );
    expect(ids.size).toBe(14);
    expect(events.filter((e) => ids.has(e.auditID)).length).toBe(29);
    // The RequestReceived stage of an impersonated request names only the impersonator (the API server resolves
    // impersonation later); --user, which matches the impersonated user, is judged once a request's stages are
    // merged, so those 2 stages count in `events` too: all 29.
    expect(doc.metadata.totals).toMatchObject({
      requests: 14,
      reads: 9,
      denied: 5,
      failed: 0,
      noResponse: 0,
      system: 0,
      events: 29,
    });
    expect(doc.metadata.complete).toBe(true);
    expect(stderr).toBe('5 denied attempts by 2 subjects\n');
    const from = started.getTime() - 1000;
    const to = finished.getTime() + 1000;
    for (const row of doc.items) {
      expect(row.firstSeen).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Date.parse(row.firstSeen)).toBeGreaterThanOrEqual(from);
      expect(Date.parse(row.lastSeen)).toBeLessThanOrEqual(to);
      expect(Date.parse(row.firstSeen)).toBeLessThanOrEqual(Date.parse(row.lastSeen));
    }
  });

  it('NAME: reads that reached that Secret, namespace-wide and cluster-wide lists included', async () => {
    const db = await json(['db', '-n', ns, '--user', P]);
    expect(db.doc.items.map(brief)).toEqual([
      [user('mallory'), 4, 4],
      [user('carol'), 3, 0],
      [user('alice'), 2, 0],
      [`kubernetes-admin as ${user('bob')}`, 1, 0],
      [`kubernetes-admin as ${user('mallory')}`, 1, 1],
      [`system:serviceaccount:${ns}:web`, 1, 0],
    ]);
    expect(db.stderr).toBe('5 denied attempts by 2 subjects\n');
    const token = await json(['api-token', '-n', ns, '--user', P]);
    expect(token.doc.items.map(brief)).toEqual([
      [user('carol'), 2, 0],
      [user('mallory'), 2, 2],
      [user('alice'), 1, 0],
      [`system:serviceaccount:${ns}:robot`, 1, 0],
    ]);
    expect(token.doc.items.find((r: any) => r.key === user('carol')).scopes).toEqual(['namespace-wide']);
  });

  it('--denied-only', async () => {
    const r = await audit(['-n', ns, '--user', P, '--denied-only']);
    expect(r.stdout.split('\n').map((l) => l.split(/\s{3,}/).slice(0, 5))).toEqual([
      ['SUBJECT', 'VERBS', 'SECRETS', 'COUNT', 'DENIED'],
      [user('mallory'), 'get,list', `*/*,${ns}/*,${ns}/db`, '4', '4'],
      [`kubernetes-admin as ${user('mallory')}`, 'get', `${ns}/db`, '1', '1'],
      [''],
    ]);
    expect(r.stderr).toBe('5 denied attempts by 2 subjects\n');
  });

  it('--by verb and --by secret', async () => {
    const verbs = await json(['-n', ns, '--user', P, '--by', 'verb']);
    expect(verbs.doc.items.map(brief)).toEqual([
      ['get', 9, 3],
      ['list', 4, 2],
      ['watch', 1, 0],
    ]);
    expect(verbs.stderr).toBe('5 denied attempts with 2 verbs\n');
    const secrets = await json(['-n', ns, '--user', P, '--by', 'secret']);
    expect(secrets.doc.items.map(brief)).toEqual([
      [`${ns}/db`, 8, 3],
      [`${ns}/*`, 3, 1],
      [`${ns}/api-token`, 2, 0],
      ['*/*', 1, 1],
    ]);
  });

  it('--since/--until bound the window; a glob finds the live log and any rotated one', async () => {
    const log = join(dirname(useCluster().auditLog), 'audit*.log');
    const within = await runCli([
      'audit',
      '--log',
      log,
      '-n',
      ns,
      '--user',
      P,
      '--since',
      new Date(started.getTime() - 1000).toISOString(),
      '-o',
      'json',
    ]);
    expect(within.code, within.stderr).toBe(0);
    expect(JSON.parse(within.stdout).metadata.totals.requests).toBe(14);
    const before = await runCli([
      'audit',
      '--log',
      log,
      '-n',
      ns,
      '--user',
      P,
      '--until',
      new Date(started.getTime() - 1000).toISOString(),
    ]);
    expect(before.code, before.stderr).toBe(0);
    expect(before.stdout).toBe('');
    expect(before.stderr).toMatch(
      /^No reads of secrets in namespace audit-\w+ found in \d+ inputs? \([\d,]+ lines\)\.\n$/,
    );
  });

  it('never prints a Secret value, in any format or grouping', async () => {
    for (const output of ['table', 'wide', 'json', 'yaml', 'name']) {
      for (const by of ['subject', 'secret', 'verb', 'source', 'user-agent'])
        await audit(['-n', ns, '-o', output, '--by', by, '--include-system']);
    }
  });

  it('runs as the built bundle', async () => {
    ensureBundle();
    const r = await runBuilt(['audit', 'db', '-n', ns, '--user', P, '--log', useCluster().auditLog, '-o', 'wide']);
    expect(r.code, r.stderr).toBe(0);
    assertNoLeak([canary], r);
    const rows = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s{3,}/));
    expect(rows[0]).toEqual([
      'SUBJECT',
      'VERBS',
      'SECRETS',
      'COUNT',
      'DENIED',
      'FIRST SEEN',
      'LAST SEEN',
      'SCOPES',
      'SOURCE IPS',
      'USER AGENTS',
      'PODS/NODES',
    ]);
    expect(rows.slice(1).map((c) => [c[0], c[3], c[4]])).toEqual([
      [user('mallory'), '4', '4'],
      [user('carol'), '3', '0'],
      [user('alice'), '2', '0'],
      [`kubernetes-admin as ${user('bob')}`, '1', '0'],
      [`kubernetes-admin as ${user('mallory')}`, '1', '1'],
      [`system:serviceaccount:${ns}:web`, '1', '0'],
    ]);
    const web = rows.find((c) => c[0] === `system:serviceaccount:${ns}:web`)!;
    expect(web[5]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(web.at(-1)).toBe(`${ns}/web-0 on ${node}`);
    expect(r.stderr).toBe('5 denied attempts by 2 subjects\n');
  });

  it('ends quietly when the reader of its output goes away (`| head`), as kubectl does', async () => {
    ensureBundle();
    const child = spawn(process.execPath, [BUNDLE, 'audit', '--log', useCluster().auditLog, '-o', 'json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy(); // the pipe is closed before the first write
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    // no stack trace (the summary line may come first: it is written before the pipe says it is closed)
    expect(stderr).not.toMatch(/EPIPE|error|\bat /i);
    expect(code).toBe(141); // 128 + SIGPIPE, what a shell reports for kubectl
  });

  it('counts a big secrets-only log on every core, bundle and single executable, with the answer of one thread', async () => {
    ensureBinary();
    // The live log's Secret events (as a policy that logs only Secrets writes them) many times over, each
    // copy other requests (its auditIDs made its own), so the answer is the live log's, that many times.
    const live = readFileSync(useCluster().auditLog, 'utf8').split('\n').slice(0, -1);
    const secrets = `${live.filter((l) => l.includes('"resource":"secrets"')).join('\n')}\n`;
    const copies = Math.ceil((40 << 20) / Buffer.byteLength(secrets));
    const log = join(mkdtempSync(join(tmpdir(), 'audit-threads-')), 'audit.log');
    writeFileSync(
      log,
      Array.from({ length: copies }, (_, i) =>
        secrets.replace(/"auditID":"[0-9a-f]{8}/g, `"auditID":"${i.toString(16).padStart(8, '0')}`),
      ).join(''),
    );
    const args = ['audit', '-n', ns, '--user', P, '--log', log, '-o', 'json', '-v=4'];
    // on as many threads as asked, however busy the other test files keep the cores
    const threads = 2;
    for (const binary of [false, true]) {
      const threaded = await runBuilt(args, { binary, env: { KUBECTL_SECRETS_AUDIT_THREADS: String(threads) } });
      const alone = await runBuilt(args, { binary, env: { KUBECTL_SECRETS_AUDIT_THREADS: '0' } });
      expect(threaded.code, threaded.stderr).toBe(0);
      expect(alone.code, alone.stderr).toBe(0);
      assertNoLeak([canary], threaded);
      expect(threaded.stderr).toContain(`audit: requests counted on ${threads} threads`);
      expect(alone.stderr).not.toContain('threads');
      const doc = JSON.parse(threaded.stdout);
      expect(doc.items).toEqual(JSON.parse(alone.stdout).items);
      expect(doc.items.map((r: { key: string; count: number; denied: number }) => [r.key, r.count, r.denied])).toEqual(
        expect.arrayContaining([
          [user('mallory'), 4 * copies, 4 * copies],
          [user('carol'), 3 * copies, 0],
          [`kubernetes-admin as ${user('bob')}`, copies, 0],
        ]),
      );
    }
  }, 180_000);
});
