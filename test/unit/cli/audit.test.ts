// The audit command in-process on fixture logs: every --by, the filters, each
// output format, stdin, rotated sets, missing files, skipped lines, denied
// attempts, and canaries planted in request and response bodies.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { assertNoLeak, makeCanary } from '../../harness/canary.js';
import { REPO, runCli } from '../../harness/runCli.js';
import { main } from '../../../src/cli/app.js';
import { COMMANDS } from '../../../src/cli/commands.js';

const FIXTURES = join(REPO, 'test/fixtures/audit');
const MULTISTAGE = join(FIXTURES, 'k8s-v1-multistage.jsonl');

const audit = (args: string[], opts: Parameters<typeof runCli>[1] = {}) => runCli(['audit', ...args], opts);

async function json(args: string[], opts: Parameters<typeof runCli>[1] = {}) {
  const r = await audit([...args, '-o', 'json'], opts);
  expect(r.code, r.stderr).toBe(0);
  return { doc: JSON.parse(r.stdout), stderr: r.stderr };
}

const counts = (doc: any) => doc.items.map((r: any) => [r.key, r.count, r.denied]);

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'audit-cli-'));
}

/** One audit.k8s.io/v1 event line (ResponseComplete unless given). */
function event(fields: {
  id: string;
  verb?: string;
  user?: string;
  ns?: string;
  name?: string;
  code?: number;
  time: string;
  stage?: string;
  uri?: string;
  extra?: object;
}): string {
  const { id, verb = 'get', user = 'alice', ns = 'prod', name, code = 200, time, stage = 'ResponseComplete' } = fields;
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: id,
    stage,
    requestURI: fields.uri ?? `/api/v1/namespaces/${ns}/secrets${name ? `/${name}` : ''}`,
    verb,
    user: { username: user, groups: ['system:authenticated'] },
    sourceIPs: ['192.0.2.1'],
    userAgent: 'kubectl/v1.37.2',
    objectRef: { resource: 'secrets', namespace: ns, ...(name ? { name } : {}), apiVersion: 'v1' },
    ...(stage === 'RequestReceived' ? {} : { responseStatus: { metadata: {}, code } }),
    requestReceivedTimestamp: time,
    stageTimestamp: time,
    ...fields.extra,
  });
}

describe('audit: the summary by subject', () => {
  it('prints a kubectl-style table: one row per subject, impersonation as "A as B", system components in one row, denials apart', async () => {
    const r = await audit(['--log', MULTISTAGE]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      'SUBJECT                                              VERBS        SECRETS                                COUNT   DENIED   FIRST SEEN             LAST SEEN',
      'alice@example.com                                    get          prod/db-password,staging/db-password   2       0        2025-06-01T10:00:00Z   2025-06-01T10:07:00Z',
      'bob@example.com                                      get          prod/db-password                       1       1        2025-06-01T10:04:00Z   2025-06-01T10:04:00Z',
      'kubernetes-admin as system:serviceaccount:prod:api   get          prod/db-password                       1       0        2025-06-01T10:05:00Z   2025-06-01T10:05:00Z',
      'oidc:carol                                           list         prod/api-token                         1       0        2025-06-01T10:06:00Z   2025-06-01T10:06:00Z',
      'system:serviceaccount:prod:api                       list         prod/*                                 1       0        2025-06-01T10:02:00Z   2025-06-01T10:02:00Z',
      '(system) 1 kubelet, 1 control-plane                  list,watch   */*,prod/db-password                   2       0        2025-06-01T10:01:00Z   2025-06-01T10:03:00Z',
      '',
    ]);
    expect(r.stderr).toBe('1 denied attempt by 1 subject\n');
  });

  it('-o wide adds scopes, source IPs, user agents, and the pod and node a ServiceAccount token was bound to', async () => {
    const r = await audit(['--log', MULTISTAGE, '-o', 'wide']);
    expect(r.code, r.stderr).toBe(0);
    const [header, ...rows] = r.stdout.trimEnd().split('\n');
    expect(header!.split(/\s{3,}/)).toEqual([
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
    const sa = rows.find((l) => l.startsWith('system:serviceaccount:prod:api '))!;
    expect(sa.split(/\s{3,}/).slice(7)).toEqual([
      'namespace-wide',
      '10.0.2.21',
      'api/1.4.0',
      'prod/api-7d9f8-xk2pq on node-2',
    ]);
    expect(rows.find((l) => l.startsWith('oidc:carol'))!.split(/\s{3,}/)[7]).toBe('field-selected');
  });

  it('--include-system lists kubelets and control-plane components one by one', async () => {
    const { doc } = await json(['--log', MULTISTAGE, '--include-system']);
    expect(counts(doc)).toEqual([
      ['alice@example.com', 2, 0],
      ['bob@example.com', 1, 1],
      ['kubernetes-admin as system:serviceaccount:prod:api', 1, 0],
      ['oidc:carol', 1, 0],
      ['system:kube-controller-manager', 1, 0],
      ['system:node:node-1', 1, 0],
      ['system:serviceaccount:prod:api', 1, 0],
    ]);
    expect(doc.items.find((r: any) => r.key === 'system:node:node-1').subject).toEqual({
      user: 'system:node:node-1',
      impersonatedUser: null,
      kind: 'node',
    });
    expect(doc.metadata.query.includeSystem).toBe(true);
  });

  it('the system row says what it sums up, in JSON too', async () => {
    const { doc } = await json(['--log', MULTISTAGE]);
    expect(doc.items.at(-1)).toMatchObject({
      key: '(system) 1 kubelet, 1 control-plane',
      system: { kubelets: 1, controlPlane: 1 },
      count: 2,
    });
    expect(doc.items.find((r: any) => r.key.includes(' as '))).toMatchObject({
      subject: { user: 'kubernetes-admin', impersonatedUser: 'system:serviceaccount:prod:api', kind: 'serviceaccount' },
    });
  });
});

describe('audit --by', () => {
  it.each([
    [
      'secret',
      ['SECRET', 'VERBS', 'SUBJECTS'],
      [
        ['prod/db-password', 3, 1],
        ['prod/*', 1, 0],
        ['prod/api-token', 1, 0],
        ['staging/db-password', 1, 0],
        ['(system) 1 kubelet, 1 control-plane', 2, 0],
      ],
      '1 denied attempt on 1 secret\n',
    ],
    [
      'verb',
      ['VERB', 'SUBJECTS', 'SECRETS'],
      [
        ['get', 4, 1],
        ['list', 2, 0],
        ['(system) 1 kubelet, 1 control-plane', 2, 0],
      ],
      '1 denied attempt with 1 verb\n',
    ],
    [
      'source',
      ['SOURCE IP', 'SUBJECTS', 'SECRETS'],
      [
        ['203.0.113.10', 2, 0],
        ['10.0.0.5', 1, 0],
        ['10.0.2.21', 1, 0],
        ['198.51.100.7', 1, 0],
        ['203.0.113.11', 1, 1],
        ['(system) 1 kubelet, 1 control-plane', 2, 0],
      ],
      '1 denied attempt from 1 source IP\n',
    ],
    [
      'user-agent',
      ['USER AGENT', 'SUBJECTS', 'SECRETS'],
      [
        ['kubectl/v1.30.1 (linux/amd64) kubernetes/6911225', 5, 1],
        ['api/1.4.0', 1, 0],
        ['(system) 1 kubelet, 1 control-plane', 2, 0],
      ],
      '1 denied attempt with 1 user agent\n',
    ],
  ])('%s', async (by, headers, rows, denied) => {
    const table = await audit(['--log', MULTISTAGE, '--by', by]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]!.split(/\s{3,}/)).toEqual([
      ...headers,
      'COUNT',
      'DENIED',
      'FIRST SEEN',
      'LAST SEEN',
    ]);
    expect(table.stderr).toBe(denied);
    const { doc } = await json(['--log', MULTISTAGE, '--by', by]);
    expect(doc.metadata.groupBy).toBe(by);
    expect(counts(doc)).toEqual(rows);
    expect(doc.items.every((r: any) => r.subject === undefined)).toBe(true);
  });

  it('-o wide by source shows verbs, scopes and user agents; lists past three end in "+N more" unless wide', async () => {
    const r = await audit(['--log', FIXTURES, '--by', 'secret']);
    const row = r.stdout.split('\n').find((l) => l.startsWith('prod/db-password '))!;
    expect(row).toMatch(
      /alice@example\.com,bob@example\.com,kubernetes-admin as system:serviceaccount:prod:api \+\d+ more/,
    );
    // -o wide lists them all, in the table's own columns too (a reviewer pastes it into a ticket)
    const all = await audit(['--log', FIXTURES, '--by', 'secret', '-o', 'wide']);
    const wideRow = all.stdout.split('\n').find((l) => l.startsWith('prod/db-password '))!;
    expect(wideRow).not.toMatch(/\+\d+ more/);
    expect(wideRow).toMatch(/alice@example\.com,bob@example\.com,kubernetes-admin as system:serviceaccount:prod:api,/);
    const wide = await audit(['--log', MULTISTAGE, '--by', 'source', '-o', 'wide']);
    expect(
      wide.stdout
        .split('\n')[0]!
        .split(/\s{3,}/)
        .slice(7),
    ).toEqual(['VERBS', 'SCOPES', 'USER AGENTS', 'PODS/NODES']);
  });

  it('rejects an unknown grouping', async () => {
    const r = await audit(['--log', MULTISTAGE, '--by', 'team']);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(
      'error: invalid value "team" for --by (one of subject, secret, verb, source, user-agent)',
    );
  });
});

describe('audit filters', () => {
  it('NAME and -n: reads of that Secret, a namespace-wide list included', async () => {
    const { doc } = await json(['db-password', '-n', 'prod', '--log', MULTISTAGE, '--include-system']);
    expect(counts(doc)).toEqual([
      ['alice@example.com', 1, 0],
      ['bob@example.com', 1, 1],
      ['kubernetes-admin as system:serviceaccount:prod:api', 1, 0],
      ['system:kube-controller-manager', 1, 0],
      ['system:node:node-1', 1, 0],
      ['system:serviceaccount:prod:api', 1, 0],
    ]);
    expect(doc.metadata.query).toMatchObject({ name: 'db-password', namespace: 'prod' });
  });

  it('NAME without -n matches the name in every namespace; secret/NAME is accepted', async () => {
    const { doc } = await json(['secret/db-password', '--log', MULTISTAGE, '--by', 'secret']);
    expect(doc.items.map((r: any) => r.key)).toEqual([
      'prod/db-password',
      'prod/*',
      'staging/db-password',
      '(system) 1 kubelet, 1 control-plane',
    ]);
    const all = await json(['-A', '--log', MULTISTAGE]);
    expect(all.doc.metadata.totals.requests).toBe(8);
  });

  it('--user: a case-insensitive part of the user name or the impersonated user', async () => {
    const { doc } = await json(['--log', MULTISTAGE, '--user', 'PROD:API']);
    expect(counts(doc)).toEqual([
      ['kubernetes-admin as system:serviceaccount:prod:api', 1, 0],
      ['system:serviceaccount:prod:api', 1, 0],
    ]);
    expect(doc.metadata.query.user).toBe('PROD:API');
  });

  it('--verb, repeatable and comma-separated', async () => {
    const { doc } = await json(['--log', MULTISTAGE, '--verb', 'list', '--verb', 'WATCH', '--include-system']);
    expect(doc.items.map((r: any) => r.key)).toEqual([
      'oidc:carol',
      'system:kube-controller-manager',
      'system:node:node-1',
      'system:serviceaccount:prod:api',
    ]);
    expect(doc.metadata.query.verbs).toEqual(['list', 'watch']);
  });

  it('--denied-only', async () => {
    const r = await audit(['--log', MULTISTAGE, '--denied-only', '-o', 'name']);
    expect(r.stdout).toBe('bob@example.com\n');
    expect(r.stderr).toBe('1 denied attempt by 1 subject\n');
  });

  it('--since and --until as RFC3339 times (inclusive), shown resolved in the document', async () => {
    const { doc } = await json([
      '--log',
      MULTISTAGE,
      '--since',
      '2025-06-01T10:04:00Z',
      '--until',
      '2025-06-01T12:05:00+02:00',
    ]);
    expect(counts(doc)).toEqual([
      ['bob@example.com', 1, 1],
      ['kubernetes-admin as system:serviceaccount:prod:api', 1, 0],
    ]);
    expect(doc.metadata.query).toMatchObject({ since: '2025-06-01T10:04:00.000Z', until: '2025-06-01T10:05:00.000Z' });
  });

  it('--since as a duration counts back from now', async () => {
    const dir = tempDir();
    const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    writeFileSync(
      join(dir, 'audit.log'),
      `${[event({ id: 'old', user: 'old-reader', name: 'db', time: ago(180) }), event({ id: 'new', user: 'new-reader', name: 'db', time: ago(30) })].join('\n')}\n`,
    );
    const { doc } = await json(['--log', join(dir, 'audit.log'), '--since', '2h']);
    expect(counts(doc)).toEqual([['new-reader', 1, 0]]);
    const since = Date.parse(doc.metadata.query.since);
    expect(Math.abs(since - (Date.now() - 2 * 3_600_000))).toBeLessThan(60_000);
    const until = await json(['--log', join(dir, 'audit.log'), '--until', '1h']);
    expect(counts(until.doc)).toEqual([['old-reader', 1, 0]]);
  });

  it.each([
    [['--verb', 'get,delete'], 'error: invalid --verb "delete": one of get, list, watch'],
    [
      ['--since', 'yesterday'],
      'error: invalid --since "yesterday": use a duration such as 30m, 2h or 7d, or an RFC3339 time such as 2025-06-01T00:00:00Z',
    ],
    [['--since', '1h', '--until', '2h'], 'error: --since is after --until'],
    [['Not_A_Name'], 'error: invalid Secret name "Not_A_Name": use a lowercase DNS subdomain name such as db-creds'],
    [['-n', 'Prod'], 'error: invalid namespace "Prod": a lowercase DNS label such as prod'],
    [
      ['-n', 'prod', '-A'],
      'error: --namespace and --all-namespaces cannot be combined: -n picks one namespace, -A (the default) every one',
    ],
    [['--user', 'a', '--user', 'b'], 'error: --user takes one value: a part of the user name (case-insensitive)'],
    [['--since', '1h', '--since', '2h'], 'error: --since takes one value: a duration or an RFC3339 time'],
    [['--log'], 'error: not enough arguments following: log'],
  ])('%j', async (args, message) => {
    const r = await audit(['--log', MULTISTAGE, ...args]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe(message);
  });
});

describe('audit never talks to a cluster', () => {
  it.each(['--kubeconfig', '--context', '--as', '--cluster', '--request-timeout'])('has no %s flag', async (flag) => {
    const r = await audit(['--log', MULTISTAGE, flag, 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(`error: unknown flag: ${flag}`);
  });

  it('runs without any kubeconfig, and --user is the subject filter, not a kubeconfig user', async () => {
    const r = await audit(['--log', MULTISTAGE, '--user', 'alice'], { kubeconfig: '/nonexistent/kubeconfig' });
    expect(r.code, r.stderr).toBe(0);
    expect(
      r.stdout
        .split('\n')
        .slice(1, -1)
        .map((l) => l.split(' ')[0]),
    ).toEqual(['alice@example.com']);
  });
});

describe('audit output formats', () => {
  it('-o json is an AuditReport document with full timestamps, totals, inputs and the query', async () => {
    const { doc, stderr } = await json(['--log', MULTISTAGE]);
    expect(stderr).toBe('1 denied attempt by 1 subject\n');
    expect(doc.apiVersion).toBe('kubectl-secrets.dev/v1alpha1');
    expect(doc.kind).toBe('AuditReport');
    expect(Object.keys(doc.metadata)).toEqual([
      'complete',
      'warnings',
      'query',
      'groupBy',
      'totals',
      'skipped',
      'inputs',
    ]);
    expect(doc.metadata).toMatchObject({
      complete: true,
      warnings: [],
      query: {
        name: null,
        namespace: null,
        since: null,
        until: null,
        user: null,
        verbs: ['get', 'list', 'watch'],
        deniedOnly: false,
        includeSystem: false,
      },
      groupBy: 'subject',
      totals: {
        requests: 8,
        reads: 7,
        denied: 1,
        failed: 1,
        noResponse: 0,
        system: 2,
        events: 14,
        truncatedRecovered: 0,
        lines: 20,
      },
      inputs: [{ path: MULTISTAGE, format: 'k8s-v1', lines: 20, compressed: false }],
    });
    expect(doc.items[0]).toEqual({
      key: 'alice@example.com',
      count: 2,
      denied: 0,
      firstSeen: '2025-06-01T10:00:00.000Z',
      lastSeen: '2025-06-01T10:07:00.000Z',
      verbs: ['get'],
      scopes: ['named'],
      subjects: ['alice@example.com'],
      secrets: ['prod/db-password', 'staging/db-password'],
      sourceIPs: ['203.0.113.10'],
      userAgents: ['kubectl/v1.30.1 (linux/amd64) kubernetes/6911225'],
      pods: [],
      nodes: [],
      subject: { user: 'alice@example.com', impersonatedUser: null, kind: 'user' },
    });
  });

  it('-o yaml carries the same document', async () => {
    const { doc } = await json(['--log', MULTISTAGE, '--by', 'secret']);
    const r = await audit(['--log', MULTISTAGE, '--by', 'secret', '-o', 'yaml']);
    expect(r.code, r.stderr).toBe(0);
    expect(yaml.load(r.stdout)).toEqual(doc);
  });

  it('-o name prints one key per line, without the system summary row', async () => {
    const r = await audit(['--log', MULTISTAGE, '--by', 'secret', '-o', 'name']);
    expect(r.stdout).toBe('prod/db-password\nprod/*\nprod/api-token\nstaging/db-password\n');
  });

  it('--no-headers drops the header line', async () => {
    const r = await audit(['--log', MULTISTAGE, '--no-headers', '--by', 'verb']);
    expect(r.stdout.split('\n')[0]).toMatch(/^get\s+/);
  });

  it('nothing found: a line on stderr, nothing on stdout; JSON still prints a document', async () => {
    // (a Secret of namespace prod would be read by prod's namespace-wide list, and */* by the cluster-wide one)
    const r = await audit(['nothing', '-n', 'staging', '--log', MULTISTAGE, '--verb', 'get']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('No reads of secret staging/nothing found in 1 input (20 lines).\n');
    const denied = await audit(['-n', 'staging', '--denied-only', '--log', MULTISTAGE]);
    expect(denied.stderr).toBe('No denied attempts on secrets in namespace staging found in 1 input (20 lines).\n');
    const { doc } = await json(['nothing', '-n', 'staging', '--log', MULTISTAGE, '--verb', 'get']);
    expect(doc.items).toEqual([]);
    const one = join(tempDir(), 'one.log');
    writeFileSync(one, '{"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"get"}\n');
    expect((await audit(['--log', one])).stderr).toBe('No reads of secrets found in 1 input (1 line).\n');
  });

  it('on a terminal, DENIED cells and the denied line are red (never with NO_COLOR)', async () => {
    const r = await audit(['--log', MULTISTAGE], { tty: true, env: { NO_COLOR: undefined } });
    const bob = r.stdout.split('\n').find((l) => l.startsWith('bob@'))!;
    expect(bob).toContain('\u001b[31m1\u001b[39m');
    expect(r.stdout.split('\n').find((l) => l.startsWith('alice@'))).not.toContain('\u001b[');
    expect(r.stderr).toBe('\u001b[31m1 denied attempt by 1 subject\u001b[39m\n');
    const plain = await audit(['--log', MULTISTAGE], { tty: true });
    expect(plain.stdout + plain.stderr).not.toContain('\u001b[');
  });

  it('the denied line tells kubelets and control-plane components apart', async () => {
    const dir = tempDir();
    const t = '2025-06-01T10:00:00Z';
    writeFileSync(
      join(dir, 'audit.log'),
      `${[
        event({ id: '1', user: 'mallory', name: 'db', code: 403, time: t }),
        event({ id: '2', user: 'mallory', name: 'db', code: 403, time: t }),
        event({ id: '3', user: 'system:node:n1', name: 'db', code: 403, time: t }),
      ].join('\n')}\n`,
    );
    expect((await audit(['--log', join(dir, 'audit.log')])).stderr).toBe(
      '3 denied attempts: 2 by 1 subject, 1 by kubelets or control-plane components\n',
    );
    expect((await audit(['--log', join(dir, 'audit.log'), '--user', 'node'])).stderr).toBe(
      '1 denied attempt by kubelets or control-plane components\n',
    );
    expect((await audit(['--log', join(dir, 'audit.log'), '--include-system'])).stderr).toBe(
      '3 denied attempts by 2 subjects\n',
    );
  });
});

describe('audit inputs', () => {
  it('reads stdin with --log -, plain or gzip, alongside files', async () => {
    const text = `${event({ id: 'stdin-1', user: 'from-stdin', name: 'db', time: '2025-06-01T09:00:00Z' })}\n`;
    const { doc } = await json(['--log', '-'], { stdin: text });
    expect(counts(doc)).toEqual([['from-stdin', 1, 0]]);
    expect(doc.metadata.inputs).toEqual([
      {
        path: '-',
        format: 'k8s-v1',
        lines: 1,
        bytes: text.length,
        compressed: false,
        readError: null,
        startsAt: '2025-06-01T09:00:00.000Z',
        secretBodies: 0,
      },
    ]);
    const both = await json(['--log', MULTISTAGE, '--log', '-', '--user', 'stdin']);
    expect(both.doc.items).toEqual([]);
  });

  it('reads a directory of rotated logs and .gz files oldest first, a request logged in two files once', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'logs'));
    const a = event({ id: 'r1', user: 'alice', name: 'db', time: '2025-06-01T09:00:00Z' });
    const b = event({ id: 'r2', user: 'bob', name: 'db', time: '2025-06-01T10:30:00Z' });
    const c = event({ id: 'r3', user: 'carol', name: 'db', time: '2025-06-01T11:30:00Z' });
    writeFileSync(join(dir, 'logs', 'audit-2025-06-01T10-00-00.000.log.gz'), gzipSync(`${a}\n`));
    // the rotated file's last request is logged again at the start of the next one
    writeFileSync(join(dir, 'logs', 'audit-2025-06-01T11-00-00.000.log'), `${a}\n${b}\n`);
    writeFileSync(join(dir, 'logs', 'audit.log'), `${c}\n`);
    const { doc, stderr } = await json(['--log', join(dir, 'logs')]);
    expect(stderr).toBe('');
    expect(counts(doc)).toEqual([
      ['alice', 1, 0],
      ['bob', 1, 0],
      ['carol', 1, 0],
    ]);
    expect(doc.metadata.inputs.map((i: any) => [i.path.slice(dir.length + 1), i.compressed])).toEqual([
      ['logs/audit-2025-06-01T10-00-00.000.log.gz', true],
      ['logs/audit-2025-06-01T11-00-00.000.log', false],
      ['logs/audit.log', false],
    ]);
    const glob = await json(['--log', join(dir, 'logs', 'audit-*'), '--log', join(dir, 'logs', 'audit.log')]);
    expect(glob.doc.metadata.inputs).toHaveLength(3);
    expect(glob.doc.metadata.totals.requests).toBe(3);
  });

  it('reads gzip from stdin', async () => {
    // runCli's stdin is text: bytes go through main() with a stream of their own
    const text = `${event({ id: 'gz-1', user: 'gz-reader', name: 'db', time: '2025-06-01T09:00:00Z' })}\n`;
    let stdout = '';
    const io = {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: () => true },
      stdin: Readable.from([gzipSync(text)]),
      env: { NO_COLOR: '1' },
    };
    expect(await main(['audit', '--log', '-', '-o', 'json'], io, COMMANDS)).toBe(0);
    const doc = JSON.parse(stdout);
    expect(counts(doc)).toEqual([['gz-reader', 1, 0]]);
    expect(doc.metadata.inputs[0]).toMatchObject({ path: '-', compressed: true });
  });

  it('on a terminal, a slow or large input shows a spinner with the megabytes read', async () => {
    const line = `${event({ id: 'slow-1', user: 'slow-reader', name: 'db', time: '2025-06-01T09:00:00Z' })}\n`;
    async function* slowly() {
      for (let i = 0; i < 8; i++) {
        yield Buffer.from(line.replace('slow-1', `slow-${i}`));
        await new Promise((r) => setTimeout(r, 80));
      }
    }
    let stdout = '';
    let stderr = '';
    const terminal = {
      isTTY: true,
      columns: 100,
      cursorTo: () => true,
      moveCursor: () => true,
      clearLine: () => true,
      write: (s: string) => ((stderr += s), true),
    };
    const io = {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: terminal,
      stdin: Readable.from(slowly()),
      env: {},
    };
    expect(await main(['audit', '--log', '-', '--no-headers'], io, COMMANDS)).toBe(0);
    expect(stderr).toContain('reading stdin: 0 MB');
    expect(stdout).toMatch(/^slow-reader\s+get\s+prod\/db\s+8\s+0\s/);
    // off a terminal, nothing but the answer
    let quiet = '';
    const pipe = {
      stdout: { write: () => true },
      stderr: { write: (s: string) => ((quiet += s), true) },
      stdin: Readable.from(slowly()),
      env: {},
    };
    expect(await main(['audit', '--log', '-'], pipe, COMMANDS)).toBe(0);
    expect(quiet).toBe('');
  });

  it('a missing file is an error before any output', async () => {
    const r = await audit(['--log', MULTISTAGE, '--log', '/nonexistent/audit.log', '-o', 'json']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'error: no such file: /nonexistent/audit.log\n' });
    const glob = await audit(['--log', '/nonexistent/audit-*.log']);
    expect(glob).toEqual({ code: 1, stdout: '', stderr: 'error: no such file: /nonexistent/audit-*.log\n' });
    const empty = tempDir();
    mkdirSync(join(empty, 'sub'));
    expect(await audit(['--log', empty])).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: no files to read in ${empty}\n`,
    });
  });

  it('skipped lines: a warning with counts and the first locations; complete is false', async () => {
    const dir = tempDir();
    const good = event({ id: 'ok-1', user: 'alice', name: 'db', time: '2025-06-01T09:00:00Z' });
    const lines = [
      good,
      '{"kind":"Event","verb":"get","objectRef":{"resource":"secrets","namespace":"prod"', // cut short
      Buffer.concat([
        Buffer.from('{"verb":"get","objectRef":{"resource":"secrets","name":"'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"}}'),
      ]).toString('latin1'),
      ...Array.from({ length: 6 }, (_, i) => `{"verb":"list","objectRef":{"resource":"secrets"}, broken ${i}`),
    ];
    writeFileSync(join(dir, 'audit.log'), Buffer.from(`${lines.join('\n')}\n`, 'latin1'));
    writeFileSync(join(dir, 'empty.log'), '');
    const r = await audit(['--log', join(dir, 'audit.log'), '--log', join(dir, 'empty.log')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[1]).toMatch(/^alice\s/);
    const f = join(dir, 'audit.log');
    expect(r.stderr.split('\n')).toEqual([
      `warning: skipped 8 lines that could not be read (7 malformed, 1 not UTF-8): ${f}:2, ${f}:3, ${f}:4, ${f}:5, ${f}:6, and 3 more`,
      `warning: 1 input is empty: ${join(dir, 'empty.log')}`,
      '',
    ]);
    const { doc } = await json(['--log', join(dir, 'audit.log'), '--log', join(dir, 'empty.log')]);
    expect(doc.metadata.complete).toBe(false);
    expect(doc.metadata.skipped).toMatchObject({ malformed: 7, nonUtf8: 1, emptyFiles: 1 });
    expect(doc.metadata.skipped.firstLineNumbers[1]).toEqual({ file: f, line: 3, reason: 'non-utf8' });
    expect(doc.metadata.warnings).toHaveLength(2);
  });

  it('a line longer than 16 MiB is skipped as too long', async () => {
    const dir = tempDir();
    const huge = `{"verb":"get","objectRef":{"resource":"secrets"},"pad":"${'x'.repeat(17 << 20)}"}`;
    writeFileSync(
      join(dir, 'audit.log'),
      `${huge}\n${event({ id: 'ok', name: 'db', time: '2025-06-01T09:00:00Z' })}\n`,
    );
    const r = await audit(['--log', join(dir, 'audit.log')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(`warning: skipped 1 line that could not be read (1 too long): ${join(dir, 'audit.log')}:1\n`);
  }, 30_000);

  it('warns when AKS logs are the kube-audit-admin category', async () => {
    const r = await audit(['--log', join(FIXTURES, 'aks-kube-audit-admin.jsonl')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^No reads of secrets found in 1 input \(\d+ lines\)\.\nwarning: .*aks-kube-audit-admin\.jsonl: AKS category kube-audit-admin leaves out get and list requests/,
    );
  });

  it('reads every managed-cluster format of the fixtures at once', async () => {
    const { doc } = await json(['--log', FIXTURES]);
    expect(doc.metadata.inputs.map((i: any) => i.format).sort()).toEqual([
      'aks',
      'aks',
      'aks',
      'eks',
      'eks',
      'gke',
      'gke',
      'k8s-v1',
      'k8s-v1beta1',
    ]);
    expect(doc.metadata.complete).toBe(false); // the kube-audit-admin warning
  });
});

describe('audit never prints a Secret value', () => {
  it('a value in a RequestResponse-level event body never appears, in any format or grouping', async () => {
    const canary = makeCanary('audit-cli');
    const b64 = Buffer.from(canary).toString('base64');
    const secret = {
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name: 'db', namespace: 'prod', annotations: { note: canary } },
      data: { password: b64 },
      stringData: { raw: canary },
    };
    const t = '2025-06-01T10:00:00.000000Z';
    const body = (id: string, verb: string, extra: object) =>
      event({
        id,
        verb,
        user: 'alice',
        name: verb === 'get' ? 'db' : undefined,
        time: t,
        extra: { level: 'RequestResponse', ...extra },
      });
    const dir = tempDir();
    const file = join(dir, 'request-response.log');
    writeFileSync(
      file,
      `${[
        body('c1', 'get', { responseObject: secret, requestObject: secret }),
        body('c2', 'list', { responseObject: { kind: 'SecretList', items: [secret] } }),
        body('c3', 'watch', { responseObject: secret }),
        event({
          id: 'c4',
          user: 'mallory',
          name: 'db',
          code: 403,
          time: t,
          extra: { level: 'RequestResponse', requestObject: secret },
        }),
      ].join('\n')}\n`,
    );
    for (const output of ['table', 'wide', 'json', 'yaml', 'name']) {
      for (const by of ['subject', 'secret', 'verb', 'source', 'user-agent']) {
        const r = await audit(['--log', file, '-o', output, '--by', by, '--include-system']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).not.toBe('');
        assertNoLeak([canary], r);
      }
    }
  });

  it('nor when the line carrying it is skipped', async () => {
    const canary = makeCanary('audit-skip');
    const dir = tempDir();
    const file = join(dir, 'audit.log');
    writeFileSync(
      file,
      `{"verb":"get","objectRef":{"resource":"secrets"},"responseObject":{"data":{"p":"${canary}"}}\n`,
    );
    const r = await audit(['--log', file, '-v', '1']);
    expect(r.stderr).toContain('skipped 1 line');
    assertNoLeak([canary], r);
  });
});

describe('a log that holds Secret values', () => {
  it('rbac-tool testdata (written at RequestResponse level): a warning names the log, the answer stays whole', async () => {
    const log = '/work/shared/realdata/audit/rbac-tool-auditgen-testdata-01.jsonl';
    const r = await audit(['--log', log, '-o', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.metadata.inputs[0].secretBodies).toBe(1);
    expect(doc.metadata.complete).toBe(true);
    expect(r.stderr).toContain(
      `warning: ${log}: 1 Secret event holds a request or response body (logged at Request or RequestResponse level), so this log holds those Secrets' values`,
    );
  });
});
