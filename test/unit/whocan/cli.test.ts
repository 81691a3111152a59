// The who-can command in-process against a fake API server: flags, every -o
// format, --check and exit codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { runCli } from '../../harness/runCli.js';
import { fakeApiServer, kubeconfigFor } from '../kube/fake-apiserver.js';
import { clusterRole, crb, group, pod, rb, readSecrets, rule, user, NS, SECRET } from './fixtures.js';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const LISTS: Record<string, unknown[]> = {
  [`${RBAC}/clusterroles`]: [
    clusterRole('reader', [readSecrets(['get'])]),
    clusterRole('named', [readSecrets(['list'], [SECRET])]),
    clusterRole('pods', [rule(['create'], ['pods'])]),
  ],
  [`${RBAC}/clusterrolebindings`]: [
    crb('c', 'reader', [user('alice')]),
    crb('everyone', 'pods', [group('system:authenticated')]),
  ],
  [`${RBAC}/roles`]: [],
  [`${RBAC}/rolebindings`]: [rb('n', { kind: 'ClusterRole', name: 'named' }, [group('dbas')])],
  '/api/v1/serviceaccounts': [],
  [`/api/v1/namespaces/${NS}/pods`]: [pod('web-1', { secret: SECRET, node: 'n1' })],
  [`/api/v1/namespaces/${NS}/secrets`]: [{ metadata: { name: SECRET } }],
};

/** A namespaced list not in LISTS: the cluster-wide list's items of that namespace. */
function namespaced(path: string): unknown[] {
  const m = /^(.*)\/namespaces\/([^/]+)\/([^/]+)$/.exec(path);
  if (!m) return [];
  return ((LISTS[`${m[1]}/${m[3]}`] ?? []) as Array<{ metadata?: { namespace?: string } }>).filter(
    (i) => i.metadata?.namespace === m[2],
  );
}

let server: Awaited<ReturnType<typeof fakeApiServer>>;
let kubeconfig: string;
let reviews: any[] = [];
/** Paths the fake answers 403 for (a test sets them, and empties them after). */
let forbidden: string[] = [];

beforeAll(async () => {
  server = await fakeApiServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    res.setHeader('Content-Type', 'application/json');
    if (url.pathname === '/version') return void res.end(JSON.stringify({ gitVersion: 'v1.37.2' }));
    if (forbidden.some((p) => url.pathname.endsWith(p))) {
      res.statusCode = 403;
      return void res.end(JSON.stringify({ kind: 'Status', code: 403, reason: 'Forbidden', message: 'forbidden' }));
    }
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const review = JSON.parse(body);
        reviews.push(review.spec);
        res.statusCode = 201;
        res.end(JSON.stringify({ ...review, status: { allowed: review.spec.groups?.[0] !== 'dbas' } }));
      });
      return;
    }
    res.end(JSON.stringify({ items: LISTS[url.pathname] ?? namespaced(url.pathname), metadata: {} }));
  });
  kubeconfig = kubeconfigFor(server.url, NS);
});
afterAll(() => server.close());

const whoCan = (...args: string[]) => runCli(['who-can', ...args], { kubeconfig });

describe('who-can flags', () => {
  it.each([
    [
      ['db', '-A'],
      'error: who-can answers for one Secret, which lives in one namespace: --all-namespaces is not supported (use -n NAMESPACE)',
    ],
    [['db', '--verb', 'get,delete'], 'error: invalid --verb "delete": one of get, list, watch'],
    [['db', '--subject-kind', 'robot'], 'error: invalid --subject-kind "robot": one of User, Group, ServiceAccount'],
    [
      ['db', '--check', 'pod/x'],
      'error: cannot parse subject "pod/x": use user:NAME, group:NAME or serviceaccount:NAMESPACE:NAME',
    ],
    [['db', '--check', 'alice', '-o', 'json'], 'error: --check prints yes or no: it cannot be combined with --output'],
    [
      ['db', '--check', 'alice', '--verify'],
      'error: --check cannot be combined with --verify: run --verify on its own to confirm the rows',
    ],
    [['Not_A_Name'], 'error: invalid Secret name "Not_A_Name": use a lowercase DNS subdomain name such as db-creds'],
  ])('%j', async (args, message) => {
    const r = await whoCan(...args);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe(message);
    expect(server.requests.length).toBe(0);
  });

  it('documents exit codes in --help', async () => {
    const r = await whoCan('--help');
    expect(r.stdout).toContain('Exit codes:');
    expect(r.stdout).toContain('2  --verify');
    expect(r.stdout).toContain('--all-paths');
  });
});

describe('who-can output', () => {
  it('table: one row per subject and path, namespace from the context, everyone flagged', async () => {
    const r = await whoCan(SECRET);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^KIND\s+SUBJECT\s+NAMESPACE\s+VERBS\s+PATH\s+VIA$/);
    expect(r.stdout).toMatch(
      /User\s+alice\s+<none>\s+get\s+direct\s+clusterrolebinding\/c → clusterrole\/reader rules\[0\]/,
    );
    expect(r.stdout).toMatch(/Group\s+dbas\s+<none>\s+list\(by-name\)\s+direct/);
    expect(r.stdout).toMatch(
      /User\s+system:node:n1\s+<none>\s+get,list\(by-name\),watch\(by-name\)\s+direct\s+Node authorizer: node\/n1 runs pod\/web-1/,
    );
    expect(r.stdout).toMatch(/Group\s+system:authenticated \(EVERYONE\)\s+<none>\s+create\s+create-workload/);
    expect(r.stderr).toContain(
      'warning: Group system:authenticated has an indirect path (create-workload) to app/db: that is EVERY authenticated user and ServiceAccount',
    );
  });

  it('takes the name as kubectl and -o name print it: secret/NAME', async () => {
    const plain = await whoCan(SECRET, '-o', 'json');
    const prefixed = await whoCan(`secret/${SECRET}`, '-o', 'json');
    expect(prefixed.stderr).toBe(plain.stderr);
    expect(JSON.parse(prefixed.stdout).metadata.secret).toEqual(JSON.parse(plain.stdout).metadata.secret);
  });

  it('wide adds the rule', async () => {
    const r = await whoCan(SECRET, '-o', 'wide', '--direct-only');
    expect(r.stdout.split('\n')[0]).toMatch(/RULE$/);
    expect(r.stdout).toContain('list secrets [db] (apiGroups: "")');
  });

  it('json and yaml: a WhoCanReport with the full chain', async () => {
    const r = await whoCan(SECRET, '-o', 'json');
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      apiVersion: 'kubectl-secrets.dev/v1alpha1',
      kind: 'WhoCanReport',
      metadata: { secret: { namespace: NS, name: SECRET, exists: true }, complete: true },
    });
    const alice = doc.items.find((i: any) => i.subject === 'alice');
    expect(alice.chain[0]).toEqual({
      authorizer: 'RBAC',
      verbs: ['get'],
      binding: { kind: 'ClusterRoleBinding', name: 'c' },
      role: { kind: 'ClusterRole', name: 'reader' },
      ruleIndex: 0,
      rule: readSecrets(['get']),
    });
    const y = yaml.load((await whoCan(SECRET, '-o', 'yaml')).stdout) as any;
    expect(y.items).toEqual(doc.items);
  });

  it('name: unique subjects', async () => {
    const r = await whoCan(SECRET, '-o', 'name', '--subject-kind', 'User,Group');
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      'user/alice',
      'user/system:node:n1',
      'group/dbas',
      'group/system:masters',
      'group/system:authenticated',
    ]);
  });

  it('dot and mermaid', async () => {
    expect((await whoCan(SECRET, '-o', 'dot')).stdout).toMatch(/^digraph "who can read app\/db" \{/);
    expect((await whoCan(SECRET, '-o', 'mermaid')).stdout).toMatch(/^flowchart LR\n/);
  });

  it('--check: yes/no on stdout, the path on stderr, exit 0/1', async () => {
    const yes = await whoCan(SECRET, '--check', 'user:alice', '--direct-only');
    expect([yes.code, yes.stdout]).toEqual([0, 'yes\n']);
    expect(yes.stderr).toContain('direct: get via clusterrolebinding/c → clusterrole/reader rules[0]');
    const no = await whoCan(SECRET, '--check', 'user:bob', '--direct-only');
    expect([no.code, no.stdout]).toEqual([1, 'no\n']);
    expect(no.stderr).toContain('User bob (with groups system:authenticated) has no path to secret app/db');
    // a list granted by name only is said so, as in the table: it is no list of every Secret
    const named = await whoCan(SECRET, '--check', 'group:dbas', '--direct-only');
    expect(named.stderr).toContain('direct: list(by-name) via rolebinding/n → clusterrole/named rules[0]');
    const indirect = await whoCan(SECRET, '--check', 'bob');
    expect([indirect.code, indirect.stdout]).toEqual([0, 'yes\n']);
    expect(indirect.stderr).toContain('create-workload (as Group system:authenticated): create via');
  });

  it('--check on a partial answer: a path found is yes; no path found is not a "no" but an error naming the gap', async () => {
    forbidden = ['/rolebindings'];
    try {
      const yes = await whoCan(SECRET, '--check', 'user:alice', '--direct-only');
      expect([yes.code, yes.stdout]).toEqual([0, 'yes\n']);
      const unknown = await whoCan(SECRET, '--check', 'group:dbas', '--direct-only');
      expect(unknown.code).toBe(1);
      expect(unknown.stdout).toBe('');
      expect(unknown.stderr).toContain(
        `warning: cannot list rolebindings.rbac.authorization.k8s.io in namespace ${NS} (forbidden)`,
      );
      expect(unknown.stderr).toContain(
        `error: cannot tell whether Group dbas can read secret ${NS}/${SECRET}: no role or binding this tool could list lets it, but some could not be listed (see the warnings): ask the API server ("kubectl auth can-i", as someone who may impersonate it)`,
      );
    } finally {
      forbidden = [];
    }
  });

  it('--verify: a VERIFIED column, disputes on stderr, exit 2', async () => {
    reviews = [];
    const r = await whoCan(SECRET, '--verify', '--direct-only');
    expect(r.code).toBe(2);
    expect(r.stdout.split('\n')[0]).toMatch(/VERIFIED$/);
    expect(r.stdout).toMatch(/alice .* confirmed/);
    expect(r.stdout).toMatch(/dbas .* disputed \(list\)/);
    expect(r.stderr).toContain(
      'disputed: Group dbas: the API server denies list (name db) on secrets in namespace app',
    );
    expect(reviews).toContainEqual({
      groups: ['dbas'],
      resourceAttributes: { namespace: NS, verb: 'list', group: '', resource: 'secrets', name: SECRET },
    });
  });
});
