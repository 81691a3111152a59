// investigate in-process against a fake API server and a written audit log: flags,
// every -o format, verdicts, next steps, hostile log strings, Mermaid that parses.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { runCli } from '../../harness/runCli.js';
import { parseMermaid } from '../../harness/mermaid.js';
import { fakeApiServer, kubeconfigFor } from '../kube/fake-apiserver.js';
import { clusterRole, crb, pod, rb, readSecrets, rule, user, NS, SECRET } from '../whocan/fixtures.js';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const createdAt = <T extends { metadata: object }>(o: T, creationTimestamp: string): T => ({
  ...o,
  metadata: { ...o.metadata, creationTimestamp },
});
const webPod = { ...pod('web-1', { secret: SECRET, node: 'n1', owner: { kind: 'ReplicaSet', name: 'web-7d9' } }) };
(webPod.spec as any).serviceAccountName = 'web';
const LISTS: Record<string, unknown[]> = {
  [`${RBAC}/clusterroles`]: [
    clusterRole('reader', [readSecrets(['get'])]),
    clusterRole('imp', [rule(['impersonate'], ['users'])]),
  ],
  [`${RBAC}/clusterrolebindings`]: [crb('frank-imp', 'imp', [user('frank')])],
  [`${RBAC}/roles`]: [],
  [`${RBAC}/rolebindings`]: [
    // made before the log begins: a reader of it who never read is taken out
    createdAt(
      rb('readers', { kind: 'ClusterRole', name: 'reader' }, [
        user('alice'),
        user('bob'),
        { kind: 'ServiceAccount', name: 'web' },
      ]),
      '2026-01-01T00:00:00Z',
    ),
  ],
  '/api/v1/serviceaccounts': [{ metadata: { name: 'web', namespace: NS } }],
  [`/api/v1/namespaces/${NS}/pods`]: [webPod],
  [`/api/v1/namespaces/${NS}/secrets`]: [
    {
      metadata: {
        name: SECRET,
        namespace: NS,
        creationTimestamp: '2026-11-01T00:00:00Z',
        managedFields: [{ manager: 'kubectl', operation: 'Update', time: '2026-11-20T00:00:00Z' }],
      },
    },
  ],
};
const SECRET_OBJECT = {
  metadata: { name: SECRET, namespace: NS },
  type: 'Opaque',
  data: { password: Buffer.from('CANARY-unit-value-123').toString('base64') },
};

const DSN_OBJECT = {
  metadata: { name: 'dsn', namespace: NS },
  type: 'Opaque',
  data: { url: Buffer.from('postgres://app:CANARY-unit-value-123@db:5432/x').toString('base64') },
};

function forbid(res: ServerResponse): void {
  res.statusCode = 403;
  res.end(JSON.stringify({ kind: 'Status', code: 403, reason: 'Forbidden', message: 'forbidden' }));
}

function namespaced(path: string): unknown[] {
  const m = /^(.*)\/namespaces\/([^/]+)\/([^/]+)$/.exec(path);
  if (!m) return [];
  return ((LISTS[`${m[1]}/${m[3]}`] ?? []) as Array<{ metadata?: { namespace?: string } }>).filter(
    (i) => i.metadata?.namespace === m[2],
  );
}

const event = (o: Record<string, unknown>) =>
  JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    stage: 'ResponseComplete',
    verb: 'get',
    requestURI: `/api/v1/namespaces/${NS}/secrets/${SECRET}`,
    objectRef: { resource: 'secrets', namespace: NS, name: SECRET, apiVersion: 'v1' },
    sourceIPs: ['10.1.2.3'],
    userAgent: 'kubectl/v1.37.2',
    responseStatus: { code: 200 },
    ...o,
  });

let server: Awaited<ReturnType<typeof fakeApiServer>>;
let kubeconfig: string;
let log: string;

/** The fake API server's answers; the paths in `forbidden` are refused (403). */
function answers(forbidden: ReadonlySet<string> = new Set()) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url!, 'http://x');
    res.setHeader('Content-Type', 'application/json');
    if (forbidden.has(url.pathname)) return void forbid(res);
    if (url.pathname === '/version') return void res.end(JSON.stringify({ gitVersion: 'v1.37.2' }));
    if (url.pathname === `/api/v1/namespaces/${NS}/secrets/${SECRET}`)
      return void res.end(JSON.stringify(SECRET_OBJECT));
    // full Secret lists (locate): the cluster-wide list is forbidden, namespaces are listed, then each namespace
    const full = !(req.headers.accept ?? '').includes('PartialObjectMetadata');
    if (url.pathname === '/api/v1/secrets' && full) return void forbid(res);
    if (url.pathname === '/api/v1/namespaces')
      return void res.end(
        JSON.stringify({ items: [{ metadata: { name: NS } }, { metadata: { name: 'locked' } }], metadata: {} }),
      );
    if (url.pathname === '/api/v1/namespaces/locked/secrets') return void forbid(res);
    if (url.pathname === '/api/v1/namespaces/absent') {
      res.statusCode = 404;
      return void res.end(JSON.stringify({ kind: 'Status', code: 404, reason: 'NotFound', message: 'not found' }));
    }
    if (url.pathname === `/api/v1/namespaces/${NS}/secrets` && full)
      return void res.end(JSON.stringify({ items: [SECRET_OBJECT, DSN_OBJECT], metadata: {} }));
    if (url.pathname.startsWith('/apis/') && url.pathname.split('/').length === 4 && !url.pathname.includes('rbac')) {
      res.statusCode = 404;
      return void res.end(JSON.stringify({ kind: 'Status', code: 404, reason: 'NotFound' }));
    }
    res.end(JSON.stringify({ items: LISTS[url.pathname] ?? namespaced(url.pathname), metadata: {} }));
  };
}

beforeAll(async () => {
  server = await fakeApiServer(answers());
  kubeconfig = kubeconfigFor(server.url, NS);
  const dir = mkdtempSync(join(tmpdir(), 'investigate-'));
  log = join(dir, 'audit.log');
  writeFileSync(
    log,
    [
      event({
        auditID: 'a1',
        user: { username: 'alice', groups: ['system:authenticated'] },
        requestReceivedTimestamp: '2026-12-01T10:00:00Z',
      }),
      event({
        auditID: 'a2',
        user: { username: 'frank' },
        impersonatedUser: { username: 'alice' },
        requestReceivedTimestamp: '2026-12-01T11:00:00Z',
      }),
      event({ auditID: 'a3', user: { username: 'carol' }, requestReceivedTimestamp: '2026-12-01T12:00:00Z' }),
      event({
        auditID: 'a4',
        user: { username: 'mallory' },
        userAgent: 'evil\u001b[2J\u001b]0;pwned\u0007',
        responseStatus: { code: 403 },
        requestReceivedTimestamp: '2026-12-01T12:30:00Z',
      }),
      event({
        auditID: 'a5',
        user: {
          username: `system:serviceaccount:${NS}:web`,
          extra: {
            'authentication.kubernetes.io/pod-name': ['web-1'],
            'authentication.kubernetes.io/node-name': ['n1'],
            'authentication.kubernetes.io/credential-id': ['JTI=1234'],
          },
        },
        requestReceivedTimestamp: '2026-12-01T13:00:00Z',
      }),
      event({
        auditID: 'a7',
        user: {
          username: `system:serviceaccount:${NS}:web`,
          extra: {
            'authentication.kubernetes.io/pod-name': ['debug-0'],
            'authentication.kubernetes.io/node-name': ['n9'],
          },
        },
        requestReceivedTimestamp: '2026-12-01T13:30:00Z',
      }),
      event({
        auditID: 'a6',
        user: { username: 'grace' },
        verb: 'list',
        requestURI: `/api/v1/namespaces/${NS}/secrets`,
        objectRef: { resource: 'secrets', namespace: NS },
        requestReceivedTimestamp: '2026-12-01T14:00:00Z',
      }),
      '',
    ].join('\n'),
  );
});
afterAll(() => server.close());

const investigate = (...args: string[]) => runCli(['investigate', SECRET, ...args], { kubeconfig });

describe('investigate', () => {
  it.each([
    [[], 'error: investigate needs a Secret name: kubectl secrets investigate NAME [-n NAMESPACE] [--log PATH]'],
    [
      ['x', '-A'],
      'error: investigate answers for one Secret, which lives in one namespace: use -n NAMESPACE, not --all-namespaces',
    ],
    [['x', '--since', '2h'], 'error: --since and --until choose the window of the audit logs: give --log too'],
    [['x', '--log', '/nonexistent/audit.log'], 'error: no such file: /nonexistent/audit.log'],
  ])('refuses %j', async (args, message) => {
    const r = await runCli(['investigate', ...args], { kubeconfig });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(message);
  });

  it('-o json: verdicts, counts, summary, consumers, timeline, next steps', async () => {
    const r = await investigate('--log', log, '-o', 'json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('CANARY-unit-value');
    const doc = JSON.parse(r.stdout);
    const v = Object.fromEntries(doc.subjects.map((s: any) => [s.name, [s.verdict, s.reads, s.denied]]));
    expect(v).toMatchObject({
      alice: ['authorised', 2, 0],
      frank: ['authorised', 1, 0],
      carol: ['not-authorised-now', 1, 0],
      mallory: ['denied', 0, 1],
      grace: ['not-authorised-now', 1, 0],
      bob: ['unused', 0, 0],
      web: ['expected', 2, 0],
      'system:node:n1': ['expected', 0, 0],
    });
    expect(doc.summary.secret).toMatchObject({
      type: 'Opaque',
      keys: [{ name: 'password', size: 21 }],
      created: '2026-11-01T00:00:00Z',
      lastChange: { time: '2026-11-20T00:00:00Z', manager: 'kubectl' },
    });
    expect(doc.summary.didRead).toEqual({ subjects: 5, requests: 7, reads: 6, denied: 1 });
    expect(doc.timeline.map((t: any) => t.subject)).toEqual([
      'alice',
      'frank as alice',
      'carol',
      'mallory',
      `system:serviceaccount:${NS}:web`,
      `system:serviceaccount:${NS}:web`,
      'grace',
    ]);
    expect(doc.subjects.find((s: any) => s.name === 'web')).toMatchObject({
      pods: [`${NS}/debug-0`, `${NS}/web-1`],
      nodes: ['n1', 'n9'],
      credentialIds: ['JTI=1234'],
    });
    const commands = doc.nextSteps.map((s: any) => s.command);
    expect(commands[0]).toBe(`kubectl secrets rotate ${SECRET} -n ${NS} --dry-run`);
    expect(commands).toContain(`kubectl describe rolebinding readers -n ${NS}`);
    // the consumer's token used from a pod that does not load the Secret: isolate that pod and its node
    expect(commands).toContain(`kubectl label pod debug-0 kubectl-secrets.dev/quarantine=true -n ${NS} --overwrite`);
    expect(commands).toContain('kubectl cordon n9');
    expect(commands).not.toContain(`kubectl label pod web-1 kubectl-secrets.dev/quarantine=true -n ${NS} --overwrite`);
    expect(
      commands.some((c: string | null) =>
        c?.startsWith(`kubectl apply -n ${NS} -f - <<'EOF'\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy`),
      ),
    ).toBe(true);
    // bob never read it, but readers grants every Secret of the namespace: he may read others through it, so the
    // step is alice's review of readers, not a patch taking bob out
    expect(doc.nextSteps.filter((s: any) => s.kind === 'remove-subject')).toEqual([]);
  });

  it('a log not read to its end (a truncated .gz): no step takes a reader it saw no read of out of its binding', async () => {
    // bob's reads may lie in the part lost: "never did" is unknown there, as without --log (least-privilege --suggest refuses)
    const whole = gzipSync(readFileSync(log));
    const truncated = join(mkdtempSync(join(tmpdir(), 'investigate-gz-')), 'audit.log.gz');
    writeFileSync(truncated, whole.subarray(0, whole.length - 12));
    const r = await investigate('--log', truncated, '-o', 'json');
    const doc = JSON.parse(r.stdout);
    expect(doc.metadata.complete).toBe(false);
    expect(doc.metadata.warnings.some((w: string) => w.startsWith(`${truncated}: `))).toBe(true);
    expect(doc.subjects.find((s: any) => s.name === 'alice')).toMatchObject({ reads: 2 });
    expect(doc.nextSteps.filter((s: any) => s.kind === 'remove-subject')).toEqual([]);
    expect(doc.nextSteps.some((s: any) => s.kind === 'enable-audit')).toBe(false);
  });

  it('table: hostile strings from the log cannot drive the terminal', async () => {
    const r = await investigate('--log', log, '-o', 'wide');
    expect(r.code, r.stderr).toBe(0);
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(r.stdout).toContain('evil^[[2J^[]0;pwned^G');
    expect(r.stdout).toContain('could read: ');
    expect(r.stdout).toMatch(
      /\nSUBJECTS\nKIND\s+SUBJECT\s+NAMESPACE\s+VERDICT\s+READS\s+DENIED\s+FIRST READ\s+LAST READ/,
    );
  });

  it('table: a next step of several lines runs as printed (its heredoc ends at a line of its own)', async () => {
    const r = await investigate('--log', log);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const start = lines.findIndex((l) => l.endsWith(`kubectl apply -n ${NS} -f - <<'EOF'`));
    expect(start).toBeGreaterThan(-1);
    const end = lines.indexOf('EOF', start);
    expect(end).toBeGreaterThan(start);
    const policy = lines.slice(start + 1, end).join('\n');
    expect(yaml.load(policy)).toMatchObject({
      kind: 'NetworkPolicy',
      metadata: { name: 'kubectl-secrets-quarantine' },
    });
  });

  it('on a terminal, the table is coloured, and hostile strings from the log still cannot drive it', async () => {
    const r = await runCli(['investigate', SECRET, '--log', log, '-o', 'wide'], {
      kubeconfig,
      tty: true,
      env: { NO_COLOR: undefined },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('\u001b[1mSUBJECTS\u001b[22m');
    expect(r.stdout).not.toMatch(/\^\[\[\d+m/);
    expect(r.stdout).toContain('evil^[[2J^[]0;pwned^G');
    // Nothing but colour codes: SGR sequences, then no escape or other control is left.
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    expect(r.stdout.replace(/\u001b\[\d+m/g, '')).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });

  it('RBAC it may not list: who read and has no path it can see is unknown, not told to be revoked', async () => {
    const partial = await fakeApiServer(
      answers(new Set([`${RBAC}/namespaces/${NS}/rolebindings`, `${RBAC}/rolebindings`])),
    );
    try {
      const r = await runCli(['investigate', SECRET, '--log', log, '-o', 'json'], {
        kubeconfig: kubeconfigFor(partial.url, NS),
      });
      const doc = JSON.parse(r.stdout);
      expect(doc.metadata.complete).toBe(false);
      expect(doc.metadata.warnings.join('\n')).toMatch(/rolebindings/);
      const verdict = (name: string) => doc.subjects.find((s: any) => s.name === name)?.verdict;
      expect(verdict('alice')).toBe('unknown');
      expect(verdict('grace')).toBe('unknown');
      expect(doc.summary.verdicts).toMatchObject({ 'not-authorised-now': 0, unknown: 4 });
      expect(doc.nextSteps.filter((s: any) => s.kind === 'revoke')).toEqual([]);
      expect(doc.nextSteps.map((s: any) => s.command)).toContain(
        `kubectl auth can-i get secret/${SECRET} -n ${NS} --as alice`,
      );
    } finally {
      partial.close();
    }
  });

  it('a list both who-can and exposure could not read is warned about once', async () => {
    const partial = await fakeApiServer(answers(new Set([`/apis/apps/v1/namespaces/${NS}/deployments`])));
    try {
      const r = await runCli(['investigate', SECRET, '--log', log], { kubeconfig: kubeconfigFor(partial.url, NS) });
      const deployments = r.stderr.split('\n').filter((l) => l.includes('deployments.apps'));
      expect(deployments).toEqual([
        `warning: cannot list deployments.apps in namespace ${NS} (forbidden): the answer may be incomplete`,
      ]);
    } finally {
      partial.close();
    }
  });

  it('--context: the next steps name the context investigated (and no other step changes)', async () => {
    const plain = JSON.parse((await investigate('--log', log, '-o', 'json')).stdout);
    const r = await investigate('--log', log, '-o', 'json', '--context', 'test');
    expect(r.code, r.stderr).toBe(0);
    const commands = JSON.parse(r.stdout).nextSteps.map((s: any) => s.command);
    const kubectl = commands.filter((c: string | null) => c?.startsWith('kubectl '));
    expect(kubectl.length).toBeGreaterThan(0);
    for (const c of kubectl) expect(c.split('\n')[0]).toMatch(/ --context test( |$)/);
    expect(commands.map((c: string | null) => c && c.replace(' --context test', ''))).toEqual(
      plain.nextSteps.map((s: any) => s.command),
    );
  });

  it('yaml is the same document', async () => {
    const json = JSON.parse((await investigate('--log', log, '-o', 'json')).stdout);
    const doc = yaml.load((await investigate('--log', log, '-o', 'yaml')).stdout) as any;
    expect(doc.subjects).toEqual(json.subjects);
    expect(doc.kind).toBe('IncidentReport');
  });

  it('-o markdown: two Mermaid diagrams mermaid parses; no raw pipes break the tables', async () => {
    const r = await investigate('--log', log, '-o', 'markdown');
    expect(r.code, r.stderr).toBe(0);
    const blocks = [...r.stdout.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
    expect(blocks.map((b) => b.split('\n')[0])).toEqual(['flowchart LR', 'xychart-beta']);
    expect(await parseMermaid(blocks[0]!)).toBe('flowchart-v2');
    expect(await parseMermaid(blocks[1]!)).toBe('xychart');
    expect(blocks[1]).toContain('bar [1, 1, 1, 2, 1]');
    expect(blocks[1]).toContain('bar [0, 0, 1, 0, 0]');
  });

  it('-o markdown: a name from the log is text in the ticket, never a link, an image or emphasis', async () => {
    const name = '[click here](http://evil.example/x) ![p](http://evil.example/p.png) **bold** _it_ ~~gone~~';
    const hostile = join(mkdtempSync(join(tmpdir(), 'investigate-md-')), 'audit.log');
    writeFileSync(
      hostile,
      `${event({ auditID: 'h1', user: { username: name }, requestReceivedTimestamp: '2026-12-01T10:00:00Z' })}\n`,
    );
    const r = await investigate('--log', hostile, '-o', 'markdown');
    expect(r.code, r.stderr).toBe(0);
    const escaped =
      '\\[click here\\](http://evil.example/x) \\!\\[p\\](http://evil.example/p.png) \\*\\*bold\\*\\* \\_it\\_ \\~\\~gone\\~\\~';
    expect(r.stdout).toContain(`| User | ${escaped} | — | **not-authorised-now** |`);
    expect(r.stdout).not.toContain('[click here]');
  });

  it('without --log: a warning and the audit policy', async () => {
    const r = await investigate();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning: no --log');
    expect(r.stdout).toContain('did read: unknown (no audit logs)');
    expect(r.stdout).toContain('level: Metadata');
    expect(r.stdout).not.toContain('TIMELINE');
  });
});

describe('investigate --value-from-file', () => {
  const leaked = (text: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'leak-')), 'leak.txt');
    writeFileSync(file, `${text}\n`);
    return file;
  };

  it('-o name: the Secrets holding the value, in the namespaces that may be listed', async () => {
    const r = await runCli(['investigate', '--value-from-file', leaked('CANARY-unit-value-123'), '-o', 'name'], {
      kubeconfig,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`secret/${SECRET} -n ${NS}\nsecret/dsn -n ${NS}\n`);
    expect(r.stderr).toContain('2 Secrets hold the value (compared 2 Secrets in all namespaces you may list)');
    expect(r.stderr).toContain('warning: cannot list secrets in namespaces locked (forbidden): not searched');
    expect(r.stdout + r.stderr).not.toContain('CANARY-unit-value');
  });

  it('-o json: each match says which key and how, then an incident report per Secret', async () => {
    const r = await runCli(['investigate', '--value-from-file', '-', '-n', NS, '-o', 'json'], {
      kubeconfig,
      stdin: 'CANARY-unit-value-123\n',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('CANARY-unit-value');
    const doc = JSON.parse(r.stdout);
    expect(doc.kind).toBe('LeakedValueReport');
    expect(doc.matches).toEqual([
      { namespace: NS, name: SECRET, type: 'Opaque', key: 'password', how: 'exact' },
      { namespace: NS, name: 'dsn', type: 'Opaque', key: 'url', how: 'contained' },
    ]);
    expect(doc.incidents.map((i: any) => i.kind)).toEqual(['IncidentReport', 'IncidentReport']);
  });

  it('a table: one Secret "holds" it; none is an empty answer, on stderr as kubectl says "No resources found"', async () => {
    const one = await runCli(
      ['investigate', '--value-from-file', leaked('postgres://app:CANARY-unit-value-123@db:5432/x')],
      {
        kubeconfig,
      },
    );
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout.split('\n')[0]).toBe(
      '1 Secret holds the value (compared 2 Secrets in all namespaces you may list)',
    );
    const none = await runCli(['investigate', '--value-from-file', leaked('nothing-like-it'), '-n', NS], {
      kubeconfig,
    });
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe(`no Secret holds the value (compared 2 Secrets in namespace ${NS})\n`);
  });

  it('-n with a namespace that does not exist (a typo) is an error, not "no Secret holds the value"', async () => {
    const r = await runCli(['investigate', '--value-from-file', leaked('CANARY-unit-value-123'), '-n', 'absent'], {
      kubeconfig,
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: namespace "absent" not found');
    expect(r.stdout).toBe('');
  });

  it('refuses an oversized stdin, an empty value, and a value with a name', async () => {
    const big = await runCli(['investigate', '--value-from-file', '-'], { kubeconfig, stdin: 'x'.repeat(70_000) });
    expect(big.code).toBe(1);
    expect(big.stderr.trim()).toBe(
      'error: --value-from-file -: more than 64 KiB; give a file holding only the leaked value',
    );
    const empty = await runCli(['investigate', '--value-from-file', '-'], { kubeconfig, stdin: '\n' });
    expect(empty.stderr.trim()).toBe('error: --value-from-file -: empty; it must hold the leaked value');
    const both = await runCli(['investigate', 'db', '--value-from-file', '-'], { kubeconfig, stdin: 'x' });
    expect(both.stderr.split('\n')[0]).toBe('error: give a Secret NAME or --value-from-file, not both');
  });

  it('refuses a pipe as --log: each Secret that holds the value reads the logs again, and a pipe gives its lines once', async () => {
    // --log <(zcat audit.log.gz): read again for the second Secret, it gave nothing, so every reader was "unused"
    // and NEXT STEPS told to take them out of their bindings. A FIFO stands for the pipe.
    const fifo = join(mkdtempSync(join(tmpdir(), 'leak-log-')), 'audit-pipe');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', log, fifo], { stdio: 'ignore' });
    try {
      const r = await runCli(
        ['investigate', '--value-from-file', leaked('CANARY-unit-value-123'), '-n', NS, '-o', 'json', '--log', fifo],
        { kubeconfig },
      );
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')[0]).toBe(
        `error: --log ${fifo} is a pipe, read once, and --value-from-file reads the logs again for each Secret that holds the value: give the log files`,
      );
    } finally {
      writer.kill();
    }
  }, 10_000);

  it('says clearly when secrets cannot be listed', async () => {
    const r = await runCli(['investigate', '--value-from-file', leaked('whatever-value'), '-n', 'locked'], {
      kubeconfig,
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'error: cannot list secrets in namespace locked (forbidden): locating a leaked value needs permission to list secrets there',
    );
  });
});

describe('who-can --log (the same join)', () => {
  it('adds READS and LAST READ, marks rows without reads unused, and the same fields in -o json', async () => {
    const r = await runCli(['who-can', SECRET, '--log', log], { kubeconfig });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^KIND\s+SUBJECT\s+NAMESPACE\s+VERBS\s+PATH\s+VIA\s+READS\s+LAST READ$/);
    expect(lines.find((l) => /^User\s+alice\s/.test(l))).toMatch(/\s2\s+2026-12-01T11:00:00\.000Z$/);
    expect(lines.find((l) => /^User\s+bob\s/.test(l))).toMatch(/\s0\s+unused$/);
    expect(lines.find((l) => /^ServiceAccount\s+web\s/.test(l))).toMatch(/\s2\s+2026-12-01T13:30:00\.000Z$/);
    const doc = JSON.parse(
      (await runCli(['who-can', SECRET, '--log', log, '--since', '2026-12-01T10:30:00Z', '-o', 'json'], { kubeconfig }))
        .stdout,
    );
    const alice = doc.items.find((i: any) => i.subject === 'alice');
    expect(alice).toMatchObject({ reads: 1, denied: 0, lastRead: '2026-12-01T11:00:00.000Z', unused: false });
    expect(doc.items.find((i: any) => i.subject === 'bob')).toMatchObject({ reads: 0, lastRead: null, unused: true });
    expect(doc.metadata).toMatchObject({ window: { since: '2026-12-01T10:30:00.000Z', until: null }, logs: [log] });
  });

  it('without --log nothing changes, and --since needs --log', async () => {
    const r = await runCli(['who-can', SECRET], { kubeconfig });
    expect(r.stdout.split('\n')[0]).not.toContain('READS');
    const bad = await runCli(['who-can', SECRET, '--since', '2h'], { kubeconfig });
    expect(bad.stderr.split('\n')[0]).toBe(
      'error: --since and --until choose the window of the audit logs: give --log too',
    );
  });
});

describe('investigate: changes of the Secret and of the RBAC that grants it', () => {
  let changes: string;
  const write = (o: Record<string, unknown>, resource: string, name: string | null, ns: string | null = NS) =>
    event({
      verb: 'update',
      requestURI: '/changed',
      objectRef: {
        resource,
        ...(ns ? { namespace: ns } : {}),
        ...(name ? { name } : {}),
        ...(resource === 'secrets' ? {} : { apiGroup: 'rbac.authorization.k8s.io' }),
      },
      user: { username: 'ops' },
      ...o,
    });
  beforeAll(() => {
    const at = (m: number) => `2026-12-02T10:${String(m).padStart(2, '0')}:00Z`;
    changes = join(mkdtempSync(join(tmpdir(), 'investigate-changes-')), 'audit.log');
    writeFileSync(
      changes,
      [
        event({ auditID: 'r1', user: { username: 'alice' }, requestReceivedTimestamp: at(0) }),
        write({ auditID: 'w1', verb: 'patch', requestReceivedTimestamp: at(1) }, 'secrets', SECRET),
        write(
          {
            auditID: 'w2',
            user: { username: 'mallory' },
            responseStatus: { code: 403 },
            requestReceivedTimestamp: at(2),
          },
          'secrets',
          SECRET,
        ),
        write({ auditID: 'w3', verb: 'delete', requestReceivedTimestamp: at(3) }, 'rolebindings', 'old-readers'),
        // a create: its RequestReceived stage has no name yet, its ResponseComplete stage has
        write(
          { auditID: 'w4', verb: 'create', stage: 'RequestReceived', requestReceivedTimestamp: at(4) },
          'rolebindings',
          null,
        ),
        write(
          { auditID: 'w4', verb: 'create', responseStatus: { code: 201 }, requestReceivedTimestamp: at(4) },
          'rolebindings',
          'readers',
        ),
        write(
          { auditID: 'w5', verb: 'create', requestReceivedTimestamp: at(5) },
          'clusterrolebindings',
          'frank-imp',
          null,
        ),
        write({ auditID: 'w6', verb: 'delete', requestReceivedTimestamp: at(6) }, 'clusterrolebindings', 'gone', null),
        write({ auditID: 'w7', requestReceivedTimestamp: at(7) }, 'clusterrolebindings', 'unrelated', null),
        write({ auditID: 'w8', verb: 'patch', requestReceivedTimestamp: at(8) }, 'clusterroles', 'reader', null),
        write({ auditID: 'w9', requestReceivedTimestamp: at(9) }, 'rolebindings', 'elsewhere', 'other-ns'),
        write({ auditID: 'w10', requestReceivedTimestamp: at(10) }, 'secrets', 'other-secret'),
        write(
          { auditID: 'w11', user: { username: 'system:kube-controller-manager' }, requestReceivedTimestamp: at(11) },
          'secrets',
          SECRET,
        ),
        '',
      ].join('\n'),
    );
  });

  const brief = (t: any) => [t.kind, t.subject, t.verb, t.object.kind, t.object.name, t.outcome, t.object.grantsNow];

  it('-o json: each change once, in time order with the reads, with kind, actor, verb, code and object', async () => {
    const r = await investigate('--log', changes, '-o', 'json');
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.timeline.map((t: any) => t.kind)[0]).toBe('read');
    expect(doc.timeline.filter((t: any) => t.object).map(brief)).toEqual([
      ['secret-updated', 'ops', 'patch', 'Secret', SECRET, 'done', undefined],
      ['secret-updated', 'mallory', 'update', 'Secret', SECRET, 'denied', undefined],
      ['binding-deleted', 'ops', 'delete', 'RoleBinding', 'old-readers', 'done', false],
      ['binding-created', 'ops', 'create', 'RoleBinding', 'readers', 'done', true],
      ['binding-created', 'ops', 'create', 'ClusterRoleBinding', 'frank-imp', 'done', true],
      ['binding-deleted', 'ops', 'delete', 'ClusterRoleBinding', 'gone', 'done', false],
      ['role-updated', 'ops', 'patch', 'ClusterRole', 'reader', 'done', true],
    ]);
    expect(doc.timeline.find((t: any) => t.object?.name === 'readers')).toMatchObject({
      time: '2026-12-02T10:04:00.000Z',
      code: 201,
      scope: 'named',
      sourceIP: '10.1.2.3',
      object: { kind: 'RoleBinding', namespace: NS, name: 'readers', grantsNow: true },
    });
    // changes are no reads: the counts are those of the one read
    expect(doc.summary.didRead).toEqual({ subjects: 1, requests: 1, reads: 1, denied: 0 });
    expect(doc.subjects.find((s: any) => s.name === 'mallory')).toBeUndefined();
    // the control plane's write shows with --include-system only
    const all = JSON.parse((await investigate('--log', changes, '-o', 'json', '--include-system')).stdout);
    expect(all.timeline.filter((t: any) => t.object).map((t: any) => t.subject)).toContain(
      'system:kube-controller-manager',
    );
  });

  it('table, wide and markdown show them; the chart counts reads only', async () => {
    const table = (await investigate('--log', changes)).stdout;
    expect(table).toMatch(/\sops\s+delete rolebinding\/old-readers\s+binding-deleted\s/);
    expect(table).toMatch(/\smallory\s+update secret\/db\s+secret-updated: denied \(403\)\s/);
    expect(table).toMatch(/\sops\s+patch clusterrole\/reader\s+role-updated\s/);
    const wide = (await investigate('--log', changes, '-o', 'wide')).stdout;
    expect(wide).toMatch(/\sops\s+create clusterrolebinding\/frank-imp\s+binding-created\s.*kubectl\/v1\.37\.2/);
    const md = (await investigate('--log', changes, '-o', 'markdown')).stdout;
    expect(md).toContain('| 2026-12-02T10:03:00.000Z | ops | delete rolebinding/old-readers | **binding-deleted** |');
    const chart = [...md.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((m) => m[1]!)[1]!;
    expect(chart).toContain('bar [1]');
    expect(chart).toContain('bar [0]');
    expect(await parseMermaid(chart)).toBe('xychart');
  });
});

describe('investigate: the timeline limit counts listed changes only', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 11, 3, 10) + s * 1000).toISOString();
  const rbac = (auditID: string, verb: string, resource: string, name: string, time: string, ns?: string) =>
    event({
      auditID,
      verb,
      requestURI: '/changed',
      objectRef: { resource, ...(ns ? { namespace: ns } : {}), name, apiGroup: 'rbac.authorization.k8s.io' },
      user: { username: 'ops' },
      requestReceivedTimestamp: time,
    });
  // 10,100 ClusterRoleBindings no path to the Secret goes through, never deleted: not listed
  const noise = Array.from({ length: 10_100 }, (_, i) =>
    rbac(`n${i}`, 'create', 'clusterrolebindings', `noise-${String(i).padStart(5, '0')}`, at(10 + i / 1000)),
  );
  const logOf = (lines: string[]) => {
    const path = join(mkdtempSync(join(tmpdir(), 'investigate-cap-')), 'audit.log');
    writeFileSync(path, [...lines, ''].join('\n'));
    return path;
  };

  it('unrelated RBAC writes do not push out a relevant delete, nor count as left out', async () => {
    const log = logOf([
      rbac('c1', 'create', 'clusterrolebindings', 'late-binding', at(1)),
      ...noise,
      rbac('d1', 'delete', 'clusterrolebindings', 'late-binding', at(100)),
    ]);
    const r = await investigate('--log', log, '-o', 'json');
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.timeline.filter((t: any) => t.object).map((t: any) => [t.kind, t.object.name])).toEqual([
      ['binding-created', 'late-binding'],
      ['binding-deleted', 'late-binding'],
    ]);
    expect(doc.metadata).toMatchObject({ timelineDropped: 0, timelineDroppedChanges: 0 });
    expect((await investigate('--log', log)).stdout).not.toContain('not listed');
  });

  it('past 10,000 listed changes, the rest are counted and named as changes', async () => {
    const patches = Array.from({ length: 10_005 }, (_, i) =>
      rbac(`p${i}`, 'patch', 'rolebindings', 'readers', at(200 + i / 1000), NS),
    );
    const log = logOf([...noise, ...patches, rbac('d2', 'delete', 'clusterrolebindings', 'gone', at(300))]);
    const doc = JSON.parse((await investigate('--log', log, '-o', 'json')).stdout);
    expect(doc.timeline.filter((t: any) => t.object)).toHaveLength(10_000);
    expect(doc.metadata).toMatchObject({ timelineDropped: 6, timelineDroppedChanges: 6 });
    expect((await investigate('--log', log)).stdout).toContain('(6 later changes not listed)');
  });
});
