// investigate against the real API server and its own audit log: consumers on KWOK
// nodes, people and ServiceAccounts with and without access, an impersonator, a
// denied prober, a namespace-wide lister and a binding removed after a read; then an
// update of the Secret by an operator and a binding created. Every request below goes
// through the API server as that identity; each subject's verdict and counts, and the
// timeline's changes, are checked against the audit events the API server wrote.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLeak, makeCanary } from '../harness/canary.js';
import {
  api,
  applyYaml,
  asServiceAccount,
  asUser,
  deleteNamespace,
  freshNamespace,
  kubectl,
  podBoundKubeconfig,
  readAuditLog,
  useCluster,
  waitFor,
  type AuditEvent,
} from '../harness/cluster.js';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { ensureBinary, runBuilt, runCli } from '../harness/runCli.js';
import { apiRequest } from '../cluster/cluster.mjs';
import { parseMermaid } from '../harness/mermaid.js';

const canary = makeCanary('investigate');
let ns: string;
let started: string;
let webPod: { name: string; node: string };
const user = (name: string) => `${ns}-${name}`;
const clusterObjects: string[] = [];

async function get(kubeconfig: string, path: string, headers: Record<string, string> = {}): Promise<number> {
  return (await apiRequest(kubeconfig, 'GET', path, { headers })).status;
}

beforeAll(async () => {
  ns = await freshNamespace('inv');
  const rbac = 'rbac.authorization.k8s.io';
  await applyYaml(
    `apiVersion: v1
kind: Secret
metadata: {name: db}
stringData: {password: ${canary}, username: app}
---
apiVersion: v1
kind: Secret
metadata: {name: dsn}
stringData: {url: "postgres://app:${canary}@db.internal:5432/shop?sslmode=require"}
---
apiVersion: v1
kind: Secret
metadata: {name: registry}
type: kubernetes.io/dockerconfigjson
stringData:
  .dockerconfigjson: '{"auths":{"registry.example.com":{"auth":"${Buffer.from(`robot:${canary}`).toString('base64')}"}}}'
---
apiVersion: v1
kind: Secret
metadata: {name: encoded}
data: {token: ${Buffer.from(Buffer.from(canary).toString('base64')).toString('base64')}}
---
apiVersion: v1
kind: Secret
metadata: {name: unrelated}
stringData: {token: ${makeCanary('other')}}
---
{apiVersion: v1, kind: ServiceAccount, metadata: {name: web}}
---
{apiVersion: v1, kind: ServiceAccount, metadata: {name: robot}}
---
{apiVersion: v1, kind: ServiceAccount, metadata: {name: idle}}
---
{apiVersion: v1, kind: ServiceAccount, metadata: {name: nobody}}
---
{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, spec: {replicas: 2, selector: {matchLabels: {app: web}}, template: {
  metadata: {labels: {app: web}},
  spec: {serviceAccountName: web, containers: [{name: web, image: "registry.k8s.io/pause:3.10",
    env: [{name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db, key: password}}}]}]}}}}
---
apiVersion: ${rbac}/v1
kind: Role
metadata: {name: db-reader}
rules: [{apiGroups: [""], resources: [secrets], resourceNames: [db], verbs: [get]}]
---
apiVersion: ${rbac}/v1
kind: RoleBinding
metadata: {name: db-readers}
roleRef: {apiGroup: ${rbac}, kind: Role, name: db-reader}
subjects:
  - {kind: User, apiGroup: ${rbac}, name: "${user('alice')}"}
  - {kind: User, apiGroup: ${rbac}, name: "${user('bob')}"}
  - {kind: ServiceAccount, name: robot}
  - {kind: ServiceAccount, name: idle}
  - {kind: ServiceAccount, name: web}
---
apiVersion: ${rbac}/v1
kind: Role
metadata: {name: lister}
rules: [{apiGroups: [""], resources: [secrets], verbs: [list]}]
---
apiVersion: ${rbac}/v1
kind: RoleBinding
metadata: {name: listers}
roleRef: {apiGroup: ${rbac}, kind: Role, name: lister}
subjects: [{kind: User, apiGroup: ${rbac}, name: "${user('grace')}"}]
---
apiVersion: ${rbac}/v1
kind: Role
metadata: {name: db-labeller}
rules: [{apiGroups: [""], resources: [secrets], resourceNames: [db], verbs: [patch]}]
---
apiVersion: ${rbac}/v1
kind: RoleBinding
metadata: {name: ops-labels}
roleRef: {apiGroup: ${rbac}, kind: Role, name: db-labeller}
subjects: [{kind: User, apiGroup: ${rbac}, name: "${user('ops')}"}]
---
apiVersion: ${rbac}/v1
kind: RoleBinding
metadata: {name: carol-temporary}
roleRef: {apiGroup: ${rbac}, kind: Role, name: db-reader}
subjects: [{kind: User, apiGroup: ${rbac}, name: "${user('carol')}"}]
`,
    ns,
  );
  const impersonator = `${ns}-impersonate-alice`;
  await applyYaml(`apiVersion: ${rbac}/v1
kind: ClusterRole
metadata: {name: ${impersonator}}
rules: [{apiGroups: [""], resources: [users], resourceNames: ["${user('alice')}"], verbs: [impersonate]}]
---
apiVersion: ${rbac}/v1
kind: ClusterRoleBinding
metadata: {name: ${impersonator}}
roleRef: {apiGroup: ${rbac}, kind: ClusterRole, name: ${impersonator}}
subjects: [{kind: User, apiGroup: ${rbac}, name: "${user('frank')}"}]
`);
  clusterObjects.push(
    `/apis/${rbac}/v1/clusterrolebindings/${impersonator}`,
    `/apis/${rbac}/v1/clusterroles/${impersonator}`,
  );
  const rbacMade = Date.now();

  const pods = await waitFor(
    async () => {
      const { body } = await api('GET', `/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dweb`);
      const items = (body?.items ?? []) as any[];
      return items.length === 2 && items.every((p) => p.spec?.nodeName) ? items : undefined;
    },
    { timeout: 60_000, what: 'the two web pods scheduled on KWOK nodes' },
  );
  webPod = { name: pods[0].metadata.name, node: pods[0].spec.nodeName };

  const [ops, alice, carol, grace, mallory, frank, robot, web] = await Promise.all([
    asUser({ user: user('ops') }),
    asUser({ user: user('alice') }),
    asUser({ user: user('carol') }),
    asUser({ user: user('grace') }),
    asUser({ user: user('mallory') }),
    asUser({ user: user('frank') }),
    asServiceAccount(ns, 'robot'),
    podBoundKubeconfig(ns, 'web', { name: pods[0].metadata.name, uid: pods[0].metadata.uid }),
  ]);
  // The bindings above are older than the window (a creationTimestamp has whole seconds): never reading through
  // them is judged, as for bindings made long before an incident.
  await sleep(Math.max(0, rbacMade + 2000 - Date.now()));
  started = new Date(Date.now() - 1000).toISOString();
  const db = `/api/v1/namespaces/${ns}/secrets/db`;
  const statuses = {
    alice: [await get(alice, db), await get(alice, db)],
    frankAsAlice: [await get(frank, db, { 'Impersonate-User': user('alice') })],
    grace: [await get(grace, `/api/v1/namespaces/${ns}/secrets`)],
    mallory: [await get(mallory, db), await get(mallory, db), await get(mallory, `/api/v1/namespaces/${ns}/secrets`)],
    robot: [await get(robot, db)],
    web: [await get(web, db)],
    carol: [await get(carol, db)],
  };
  expect(statuses).toEqual({
    alice: [200, 200],
    frankAsAlice: [200],
    grace: [200],
    mallory: [403, 403, 403],
    robot: [200],
    web: [200],
    carol: [200],
  });
  // carol's access is removed after her read
  expect((await api('DELETE', `/apis/${rbac}/v1/namespaces/${ns}/rolebindings/carol-temporary`)).status).toBe(200);
  // an operator changes the Secret (a label: no value in this test is ever sent twice)
  const label = { metadata: { labels: { 'kubectl-secrets.test/checked': 'yes' } } };
  const patched = await apiRequest(ops, 'PATCH', db, { body: label, contentType: 'application/merge-patch+json' });
  expect(patched.status).toBe(200);
  // and dave is given read access
  const created = await api('POST', `/apis/${rbac}/v1/namespaces/${ns}/rolebindings`, {
    body: {
      apiVersion: `${rbac}/v1`,
      kind: 'RoleBinding',
      metadata: { name: 'dave-reads' },
      roleRef: { apiGroup: rbac, kind: 'Role', name: 'db-reader' },
      subjects: [{ kind: 'User', apiGroup: rbac, name: user('dave') }],
    },
  });
  expect(created.status).toBe(201);
  await waitFor(async () => ourEvents(await readAuditLog()).length >= 10, { what: '10 requests in the audit log' });
  const logged = (events: AuditEvent[]) => ourChanges(events).map((e) => `${e.verb} ${e.objectRef?.name}`);
  await waitFor(
    async () => {
      const changes = logged(await readAuditLog());
      return ['delete carol-temporary', 'patch db', 'create dave-reads'].every((c) => changes.includes(c));
    },
    { what: 'the 3 changes in the audit log' },
  );
}, 120_000);

afterAll(async () => {
  for (const path of clusterObjects) await api('DELETE', path);
  if (ns) await deleteNamespace(ns);
});

/** Requests for our Secret (by name, or every Secret of our namespace) by our identities, once each. */
function ourEvents(events: AuditEvent[]): AuditEvent[] {
  return events.filter(
    (e) =>
      e.stage === 'ResponseComplete' &&
      ['get', 'list', 'watch'].includes(e.verb) &&
      e.objectRef?.resource === 'secrets' &&
      e.objectRef.namespace === ns &&
      (e.objectRef.name === 'db' || e.objectRef.name === undefined) &&
      (e.user.username.includes(ns) || (e.impersonatedUser?.username ?? '').includes(ns)),
  );
}

/** Writes of our Secret and of our namespace's bindings and roles since `started`, as the API server logged them. */
function ourChanges(events: AuditEvent[]): AuditEvent[] {
  return events.filter(
    (e) =>
      e.stage === 'ResponseComplete' &&
      ['create', 'update', 'patch', 'delete', 'deletecollection'].includes(e.verb) &&
      e.objectRef?.namespace === ns &&
      ((e.objectRef.resource === 'secrets' && e.objectRef.name === 'db') ||
        ['rolebindings', 'roles'].includes(e.objectRef.resource ?? '')) &&
      Date.parse((e as any).requestReceivedTimestamp) >= Date.parse(started),
  );
}

const KIND: Record<string, string> = { secrets: 'Secret', rolebindings: 'RoleBinding', roles: 'Role' };

/** What the audit log itself says each identity did: reads (not denied) and denials, impersonation counted for both. */
function countsFromLog(events: AuditEvent[]): Map<string, { reads: number; denied: number }> {
  const counts = new Map<string, { reads: number; denied: number }>();
  for (const e of ourEvents(events)) {
    const denied = e.responseStatus?.code === 403;
    for (const who of [e.user.username, e.impersonatedUser?.username]) {
      if (!who) continue;
      const c = counts.get(who) ?? { reads: 0, denied: 0 };
      if (denied) c.denied++;
      else c.reads++;
      counts.set(who, c);
    }
  }
  return counts;
}

async function investigate(args: string[], withLog = true) {
  const log = withLog ? ['--log', useCluster().auditLog, '--since', started] : [];
  const r = await runCli(['investigate', 'db', '-n', ns, ...log, ...args], { kubeconfig: useCluster().kubeconfig });
  expect(r.code, r.stderr).toBe(0);
  assertNoLeak([canary], r);
  return r;
}

const userName = (s: any) => (s.kind === 'ServiceAccount' ? `system:serviceaccount:${s.namespace}:${s.name}` : s.name);

describe('investigate on the local cluster', () => {
  it('-o json: each subject has the verdict and counts the audit log supports', async () => {
    const doc = JSON.parse((await investigate(['-o', 'json'])).stdout);
    expect(doc).toMatchObject({ apiVersion: 'kubectl-secrets.dev/v1alpha1', kind: 'IncidentReport' });
    const ours = doc.subjects.filter((s: any) => userName(s).includes(ns));
    const verdicts = Object.fromEntries(ours.map((s: any) => [userName(s), s.verdict]));
    expect(verdicts).toEqual({
      [user('alice')]: 'authorised',
      [user('frank')]: 'authorised',
      [user('grace')]: 'authorised',
      [user('carol')]: 'not-authorised-now',
      [user('mallory')]: 'denied',
      [user('bob')]: 'unused',
      [user('dave')]: 'unused',
      [`system:serviceaccount:${ns}:robot`]: 'authorised',
      [`system:serviceaccount:${ns}:idle`]: 'unused',
      [`system:serviceaccount:${ns}:web`]: 'expected',
    });
    // counts from the report equal counts from the API server's own audit log
    const fromLog = countsFromLog(await readAuditLog());
    for (const s of ours) {
      const logged = fromLog.get(userName(s)) ?? { reads: 0, denied: 0 };
      expect({ who: userName(s), reads: s.reads, denied: s.denied }).toEqual({ who: userName(s), ...logged });
    }
    expect(fromLog.get(user('alice'))).toEqual({ reads: 3, denied: 0 }); // 2 own + 1 by frank
    const byName = (n: string) => ours.find((s: any) => userName(s) === n);
    expect(byName(user('frank'))).toMatchObject({
      canRead: true,
      impersonation: [`as ${user('alice')}`],
      paths: [expect.objectContaining({ path: 'impersonate' })],
    });
    expect(byName(user('grace'))).toMatchObject({ verbs: ['list'], scopes: ['namespace-wide'] });
    const web = byName(`system:serviceaccount:${ns}:web`);
    expect(web).toMatchObject({
      pods: [`${ns}/${webPod.name}`],
      nodes: [webPod.node],
      expected: 'ServiceAccount of Deployment/web',
    });
    expect(web.credentialIds).toHaveLength(1);
    expect(web.credentialIds[0]).toMatch(/^JTI=/);
    // kubelets of the consumer's nodes are expected readers
    const kubelets = doc.subjects.filter((s: any) => s.name.startsWith('system:node:'));
    expect(kubelets.length).toBeGreaterThan(0);
    for (const k of kubelets) expect(k.verdict).toBe('expected');

    expect(doc.summary.secret).toMatchObject({
      namespace: ns,
      name: 'db',
      exists: true,
      type: 'Opaque',
      keys: [
        { name: 'password', size: canary.length },
        { name: 'username', size: 3 },
      ],
    });
    expect(doc.summary.secret.created).toMatch(/^\d{4}-/);
    expect(doc.summary.secret.lastChange).toMatchObject({ time: expect.any(String), manager: expect.any(String) });
    expect(doc.summary.mounted).toMatchObject({ workloads: 1, pods: 2 });
    // Other test files run meanwhile: a denied cluster-wide list of theirs is a denied read of this Secret too.
    expect(doc.summary.didRead.denied).toBe(doc.timeline.filter((t: any) => t.kind === 'denied').length);
    expect(doc.consumers).toEqual([
      expect.objectContaining({ kind: 'Deployment', name: 'web', serviceAccount: 'web', uses: ['env'] }),
    ]);

    // the timeline holds every read and denial of ours, in order
    const timeline = doc.timeline.filter((t: any) => t.subject.includes(ns) && !t.object);
    expect(timeline).toHaveLength(ourEvents(await readAuditLog()).length);
    expect(timeline.map((t: any) => t.time)).toEqual([...timeline.map((t: any) => t.time)].sort());
    expect(timeline.filter((t: any) => t.kind === 'denied').map((t: any) => t.subject)).toEqual([
      user('mallory'),
      user('mallory'),
      user('mallory'),
    ]);

    const commands = doc.nextSteps.map((s: any) => s.command);
    expect(commands).toContain(`kubectl secrets rotate db -n ${ns} --dry-run`);
    expect(commands).toContain(`kubectl describe rolebinding db-readers -n ${ns}`);
    expect(commands).toContain(`kubectl describe rolebinding listers -n ${ns}`);
    // frank read it only by impersonating alice: the binding that lets him is the one to review
    expect(commands).toContain(`kubectl describe clusterrolebinding ${ns}-impersonate-alice`);
    // bob and idle never read: exact JSON Patches that take each out of db-readers
    expect(commands).toContain(
      `kubectl patch rolebinding db-readers -n ${ns} --type=json -p '[{"op":"test","path":"/subjects/1/name","value":"${user('bob')}"},{"op":"remove","path":"/subjects/1"}]'`,
    );
    expect(commands).toContain(
      `kubectl patch rolebinding db-readers -n ${ns} --type=json -p '[{"op":"test","path":"/subjects/3/name","value":"idle"},{"op":"remove","path":"/subjects/3"}]'`,
    );
    expect(doc.nextSteps.find((s: any) => s.kind === 'revoke')?.reason).toContain(user('carol'));
    // dave was given access after the window began: never reading it since is no evidence, so no removal
    expect(commands).not.toContain(`kubectl delete rolebinding dave-reads -n ${ns}`);
    expect(doc.nextSteps).toContainEqual({
      kind: 'review-binding',
      command: `kubectl describe rolebinding dave-reads -n ${ns}`,
      reason: expect.stringMatching(
        /^User \S+ can read it through RoleBinding\/dave-reads and never did, but the binding was created \S+Z, after the window began \(\S+Z\): too new to judge/,
      ),
    });
    expect(Date.parse(doc.metadata.window.logsBegin)).toBeLessThanOrEqual(Date.parse(started));
  });

  it('timeline: the Secret updated, a binding deleted after a read, one created; as the log has them', async () => {
    const doc = JSON.parse((await investigate(['-o', 'json'])).stdout);
    const order = (a: any, b: any) => a.time.localeCompare(b.time) || a.object.name.localeCompare(b.object.name);
    // Cluster-scoped RBAC that other tests change at the same time may be listed too (on a path to every
    // Secret, or deleted in the window): each of those must be in the log as well.
    const events = await readAuditLog();
    const clusterScoped = doc.timeline.filter((t: any) => t.object && t.object.namespace === null);
    for (const t of clusterScoped)
      expect(
        events.some((e) => e.stage === 'ResponseComplete' && e.verb === t.verb && e.objectRef?.name === t.object.name),
      ).toBe(true);
    const changes = doc.timeline.filter((t: any) => t.object && t.object.namespace === ns).sort(order);
    // (the scenario's own creates may fall in the window too: `started` is a second before the first read)
    const fromLog = ourChanges(events).map((e) => ({
      time: new Date((e as any).requestReceivedTimestamp).toISOString(),
      subject: e.user.username,
      verb: e.verb,
      code: e.responseStatus?.code,
      object: { kind: KIND[e.objectRef!.resource!], name: e.objectRef!.name },
    }));
    fromLog.sort(order);
    expect(fromLog.map((c) => [c.verb, c.object.name])).toEqual(
      expect.arrayContaining([
        ['delete', 'carol-temporary'],
        ['patch', 'db'],
        ['create', 'dave-reads'],
      ]),
    );
    expect(changes).toEqual(
      fromLog.map((c) => expect.objectContaining({ ...c, object: expect.objectContaining(c.object), outcome: 'done' })),
    );
    const last = (name: string) => changes.filter((t: any) => t.object.name === name).at(-1);
    expect(last('carol-temporary')).toMatchObject({ kind: 'binding-deleted', object: { grantsNow: false } });
    expect(last('dave-reads')).toMatchObject({ kind: 'binding-created', object: { grantsNow: true } });
    expect(last('db')).toMatchObject({ kind: 'secret-updated', subject: user('ops'), verb: 'patch', scope: 'named' });
    expect(last('db').object.grantsNow).toBeUndefined();
    expect(last('db').sourceIP).toEqual(expect.any(String));
    // the whole timeline stays in time order
    expect(doc.timeline.map((t: any) => t.time)).toEqual([...doc.timeline.map((t: any) => t.time)].sort());
    // and every view shows the changes
    const table = (await investigate([])).stdout;
    expect(table).toMatch(new RegExp(`\\s${user('ops')}\\s+patch secret/db\\s+secret-updated\\s`));
    expect(table).toMatch(/\sdelete rolebinding\/carol-temporary\s+binding-deleted\s/);
    expect(table).toMatch(/\screate rolebinding\/dave-reads\s+binding-created\s/);
    const wide = (await investigate(['-o', 'wide'])).stdout;
    expect(wide).toMatch(/\screate rolebinding\/dave-reads\s+binding-created\s/);
    const md = (await investigate(['-o', 'markdown'])).stdout;
    expect(md).toMatch(new RegExp(`\\| ${user('ops')} \\| patch secret/db \\| \\*\\*secret-updated\\*\\* \\|`));
    const yaml = (await investigate(['-o', 'yaml'])).stdout;
    expect(yaml).toContain('kind: binding-deleted');
  });

  it('the suggested patch works: kubectl-style JSON Patch removes exactly bob, and SubjectAccessReview agrees', async () => {
    const patch = [
      { op: 'test', path: '/subjects/1/name', value: user('bob') },
      { op: 'remove', path: '/subjects/1' },
    ];
    const { status, body } = await api(
      'PATCH',
      `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings/db-readers?dryRun=All`,
      {
        body: patch,
        contentType: 'application/json-patch+json',
      },
    );
    expect(status).toBe(200);
    expect(body.subjects.map((s: any) => s.name)).toEqual([user('alice'), 'robot', 'idle', 'web']);
  });

  it('the rotate step runs as printed: it plans the rotation and changes nothing', async () => {
    const doc = JSON.parse((await investigate(['-o', 'json'])).stdout);
    const step = doc.nextSteps.find((s: any) => s.kind === 'rotate');
    expect(step.command).toBe(`kubectl secrets rotate db -n ${ns} --dry-run`);
    const secretsBefore = (await api('GET', `/api/v1/namespaces/${ns}/secrets`)).body.items.map(
      (s: any) => s.metadata.name,
    );
    const r = await runCli(step.command.split(' ').slice(2), { kubeconfig: useCluster().kubeconfig });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Deployment\/web/);
    expect(r.stderr).toContain('no new values given');
    assertNoLeak([canary], r);
    const secretsAfter = (await api('GET', `/api/v1/namespaces/${ns}/secrets`)).body.items.map(
      (s: any) => s.metadata.name,
    );
    expect(secretsAfter).toEqual(secretsBefore);
  });

  it('table: summary, subjects, consumers, timeline and next steps; no value anywhere', async () => {
    const { stdout } = await investigate([]);
    expect(stdout).toContain(`Secret ${ns}/db: Opaque, 2 keys (password ${canary.length}B, username 3B)`);
    expect(stdout).toMatch(
      /could read: \d+ subjects \(\d+ direct, \d+ indirect\); did read: \d+ subjects in \d+ requests \(\d+ denied\); mounted in 1 workload, 2 pods, \d nodes?\./,
    );
    for (const section of ['SUBJECTS', 'CONSUMERS', 'TIMELINE', 'NEXT STEPS'])
      expect(stdout).toContain(`\n${section}\n`);
    expect(stdout).toMatch(new RegExp(`User\\s+${user('carol')}\\s+<none>\\s+not-authorised-now\\s+1\\s+0`));
    expect(stdout).toMatch(new RegExp(`User\\s+${user('mallory')}\\s+<none>\\s+denied\\s+0\\s+3`));
  });

  it('-o yaml and -o wide carry the same report', async () => {
    const yaml = (await investigate(['-o', 'yaml'])).stdout;
    expect(yaml).toContain('kind: IncidentReport');
    expect(yaml).toContain('verdict: not-authorised-now');
    const wide = (await investigate(['-o', 'wide'])).stdout;
    expect(wide).toContain('CREDENTIALS');
    expect(wide).toContain(`${ns}/${webPod.name}`);
  });

  it('-o markdown: sections and two Mermaid diagrams that mermaid itself parses', async () => {
    const md = (await investigate(['-o', 'markdown'])).stdout;
    expect(md).toContain(`# Incident report: Secret ${ns}/db`);
    const blocks = [...md.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toMatch(/^flowchart LR/);
    expect(blocks[1]).toMatch(/^xychart-beta/);
    for (const block of blocks) expect(await parseMermaid(block)).toMatch(/flowchart|xychart/);
  });

  it('without --log: could read and mounted where, a warning, and the audit policy that turns reads on', async () => {
    const r = await investigate(['-o', 'json'], false);
    const doc = JSON.parse(r.stdout);
    expect(r.stderr).toContain('warning: no --log: "did read" needs the API server\'s audit logs');
    expect(doc.summary.didRead).toBeNull();
    expect(doc.timeline).toEqual([]);
    const bob = doc.subjects.find((s: any) => s.name === user('bob'));
    expect(bob).toMatchObject({ canRead: true, reads: 0 });
    const audit = doc.nextSteps.find((s: any) => s.kind === 'enable-audit');
    expect(audit.reason).toContain('level: Metadata');
    expect(audit.reason).toContain('resources: [secrets]');
    const table = await investigate([], false);
    expect(table.stdout).toContain('did read: unknown (no audit logs)');
  });

  it('who-can --log: READS and LAST READ per row, unused marked', async () => {
    const r = await runCli(['who-can', 'db', '-n', ns, '--log', useCluster().auditLog, '--since', started], {
      kubeconfig: useCluster().kubeconfig,
    });
    expect(r.code, r.stderr).toBe(0);
    assertNoLeak([canary], r);
    expect(r.stdout.split('\n')[0]).toMatch(/READS\s+LAST READ/);
    expect(r.stdout).toMatch(new RegExp(`User\\s+${user('bob')}\\s.*\\s0\\s+unused`));
    expect(r.stdout).toMatch(new RegExp(`User\\s+${user('alice')}\\s.*\\s3\\s+\\d{4}-\\d\\d-\\d\\dT`));
    const json = await runCli(
      ['who-can', 'db', '-n', ns, '--log', useCluster().auditLog, '--since', started, '-o', 'json'],
      { kubeconfig: useCluster().kubeconfig },
    );
    const rows = JSON.parse(json.stdout).items;
    expect(rows.find((row: any) => row.subject === user('bob'))).toMatchObject({
      reads: 0,
      lastRead: null,
      unused: true,
    });
    expect(rows.find((row: any) => row.subject === 'idle')).toMatchObject({ reads: 0, unused: true });
    expect(rows.find((row: any) => row.subject === 'robot')).toMatchObject({
      reads: 1,
      unused: false,
      lastRead: expect.any(String),
    });
  });
  /**
   * What the logs decide, and the subjects, bindings and steps of this scenario: other test files
   * change cluster-wide RBAC while this one runs (and the timeline tells whether a change still grants), so
   * the rest may differ between two runs.
   */
  function answer(command: string, text: string) {
    const doc = JSON.parse(text);
    const ours = (entries: unknown[]) => entries.filter((e) => JSON.stringify(e).includes(ns));
    if (command === 'who-can') return { items: ours(doc.items), window: doc.metadata.window, logs: doc.metadata.logs };
    return {
      didRead: doc.summary.didRead,
      subjects: ours(doc.subjects),
      consumers: doc.consumers,
      timeline: ours(doc.timeline),
      nextSteps: ours(doc.nextSteps),
      warnings: ours(doc.metadata.warnings),
    };
  }

  it('as users run it (bundle and single executable): the logs are read on a worker thread, with the same answers as on one thread', async () => {
    ensureBinary();
    // a copy: the live log grows with every command run, this one's own reads included
    const log = join(mkdtempSync(join(tmpdir(), 'investigate-thread-')), 'audit.log');
    copyFileSync(useCluster().auditLog, log);
    const logArgs = ['-n', ns, '--log', log, '--since', started, '-o', 'json', '-v=4'];
    const docs: any[] = [];
    for (const [args, binary] of [
      [['investigate', 'db', ...logArgs], false],
      [['who-can', 'db', ...logArgs], false],
      [['investigate', 'db', ...logArgs], true],
    ] as const) {
      const kubeconfig = useCluster().kubeconfig;
      const threaded = await runBuilt(args, { kubeconfig, binary });
      const alone = await runBuilt(args, { kubeconfig, binary, env: { KUBECTL_SECRETS_AUDIT_THREADS: '0' } });
      expect(threaded.code, threaded.stderr).toBe(0);
      expect(alone.code, alone.stderr).toBe(0);
      assertNoLeak([canary], threaded);
      expect(threaded.stderr).toContain('audit: logs read on a worker thread');
      expect(alone.stderr).not.toContain('worker thread');
      expect(answer(args[0], threaded.stdout)).toEqual(answer(args[0], alone.stdout));
      docs.push(JSON.parse(threaded.stdout));
    }
    const report = docs[0]!;
    expect(report.subjects.find((s: any) => s.name === user('alice'))).toMatchObject({ reads: 3 });
    // the writes of the timeline came from the thread too
    expect(report.timeline.some((t: any) => t.object)).toBe(true);
  }, 180_000);
});

describe('investigate --value-from-file on the local cluster', () => {
  const locate = async (stdin: string, args: string[]) => {
    const r = await runCli(['investigate', '--value-from-file', '-', '-n', ns, ...args], {
      kubeconfig: useCluster().kubeconfig,
      stdin,
    });
    assertNoLeak([canary], r);
    return r;
  };

  it('finds the value exactly, inside a DSN, inside a dockerconfigjson auth, and as base64; -o name lists the Secrets', async () => {
    const r = await locate(`${canary}\n`, ['-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    const matches = doc.matches.map((m: any) => [m.name, m.key, m.how]).sort();
    expect(matches).toEqual([
      ['db', 'password', 'exact'],
      ['dsn', 'url', 'contained'],
      ['encoded', 'token', 'base64'],
      ['registry', '.dockerconfigjson', 'contained'],
    ]);
    // each match is investigated: the consumer of db shows up in its report
    const db = doc.incidents.find((i: any) => i.metadata.secret.name === 'db');
    expect(db.consumers.map((c: any) => `${c.kind}/${c.name}`)).toEqual(['Deployment/web']);
    const names = await locate(canary, ['-o', 'name']);
    expect(names.stdout.split('\n').filter(Boolean).sort()).toEqual(
      ['db', 'dsn', 'encoded', 'registry'].map((n) => `secret/${n} -n ${ns}`),
    );
  });

  it('a value changed since kubectl apply is still found in the copy its annotation keeps', async () => {
    const applied = makeCanary('applied');
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'applied-then-edited', namespace: ns },
      stringData: { token: applied },
    };
    await applyYaml(
      JSON.stringify({
        ...secret,
        metadata: {
          ...secret.metadata,
          annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(secret) },
        },
        stringData: { token: 'edited-by-hand-since' },
      }),
      ns,
    );
    const r = await locate(`${applied}\n`, ['-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    assertNoLeak([applied], r);
    expect(JSON.parse(r.stdout).matches).toEqual([
      {
        namespace: ns,
        name: 'applied-then-edited',
        type: 'Opaque',
        key: 'token',
        how: 'exact',
        detail: 'a copy in annotation kubectl.kubernetes.io/last-applied-configuration',
      },
    ]);
  });

  it('the base64 text as kubectl get -o yaml shows it is found too', async () => {
    const r = await locate(Buffer.from(canary).toString('base64'), ['-o', 'name']);
    expect(r.stdout).toContain(`secret/db -n ${ns}`);
  });

  it('no match: nothing listed, and the count of Secrets compared', async () => {
    const r = await locate(makeCanary('absent'), []);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^no Secret holds the value \(compared \d+ Secrets in namespace /);
  });

  it('an oversized stdin is refused before the cluster is asked', async () => {
    const r = await locate('x'.repeat(65 * 1024 + 1), []);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'error: --value-from-file -: more than 64 KiB; give a file holding only the leaked value',
    );
  });

  it('without list secrets: a clear error', async () => {
    const mallory = await asUser({ user: user('mallory') });
    const r = await runCli(['investigate', '--value-from-file', '-', '-n', ns], { kubeconfig: mallory, stdin: canary });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `error: cannot list secrets in namespace ${ns} (forbidden): locating a leaked value needs permission to list secrets there`,
    );
    assertNoLeak([canary], r);
  });
});

describe('investigate --value-from-file over Secrets whose readers reach few namespaces and many', () => {
  // The same value in two Secrets: nothing but system:masters reads the first, so who-can needs no other
  // namespace and drops the cluster-wide RBAC lists it asked for early; every ServiceAccount reads the
  // second, so it needs every namespace. investigate shares the lists between the two.
  const value = makeCanary('two-scopes');
  const namespaces: string[] = [];

  beforeAll(async () => {
    for (const prefix of ['inva', 'invz']) namespaces.push(await freshNamespace(prefix));
    // more namespaces (each with its default ServiceAccount) than who-can lists one by one
    for (let i = 0; i < 9; i++) namespaces.push(await freshNamespace('invn'));
    const [few, many] = namespaces as [string, string];
    await applyYaml(`{apiVersion: v1, kind: Secret, metadata: {name: a}, stringData: {token: ${value}}}`, few);
    await applyYaml(
      `apiVersion: v1
kind: Secret
metadata: {name: b}
stringData: {token: ${value}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: read-b}
rules: [{apiGroups: [""], resources: [secrets], resourceNames: [b], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: every-serviceaccount}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: read-b}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: "system:serviceaccounts"}]`,
      many,
    );
  }, 120_000);

  afterAll(async () => {
    for (const name of namespaces) await deleteNamespace(name);
  });

  it('investigates both, the second with its readers in every namespace', async () => {
    const r = await runCli(['investigate', '--value-from-file', '-', '-A', '-o', 'json'], {
      kubeconfig: useCluster().kubeconfig,
      stdin: value,
    });
    assertNoLeak([value], r);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    const [few, many] = namespaces as [string, string];
    expect(doc.matches.map((m: any) => `${m.namespace}/${m.name}`)).toEqual([`${few}/a`, `${many}/b`]);
    const readers = (ns: string) =>
      doc.incidents
        .find((i: any) => i.metadata.secret.namespace === ns)
        .subjects.filter((x: any) => x.canRead)
        .map((x: any) => `${x.kind}/${x.name}`);
    // every ServiceAccount, through its group
    expect(readers(many)).toContain('Group/system:serviceaccounts');
    expect(readers(few)).not.toContain('Group/system:serviceaccounts');
  }, 120_000);
});

describe('investigate a leaked long-lived ServiceAccount token', () => {
  it('its first step, run as printed, revokes the token', async () => {
    await applyYaml(
      `apiVersion: v1
kind: ServiceAccount
metadata: {name: deployer}
---
apiVersion: v1
kind: Secret
metadata: {name: deployer-token, annotations: {kubernetes.io/service-account.name: deployer}}
type: kubernetes.io/service-account-token
`,
      ns,
    );
    const token = await waitFor(async () => {
      const { body } = await api('GET', `/api/v1/namespaces/${ns}/secrets/deployer-token`);
      return body.data?.token ? Buffer.from(body.data.token, 'base64').toString() : undefined;
    });
    const { server, caCert } = useCluster();
    const whoami = () =>
      kubectl(['auth', 'whoami', '--server', server, '--certificate-authority', caCert, '--token', token], {
        kubeconfig: '/dev/null',
        allowFailure: true,
      });
    expect((await whoami()).stdout).toContain(`system:serviceaccount:${ns}:deployer`);

    const r = await runCli(['investigate', 'deployer-token', '-n', ns, '-o', 'json'], {
      kubeconfig: useCluster().kubeconfig,
    });
    expect(r.code, r.stderr).toBe(0);
    const [step] = JSON.parse(r.stdout).nextSteps;
    expect(step.command).toBe(`kubectl delete secret deployer-token -n ${ns}`);
    const done = await kubectl(step.command.split(' ').slice(1));
    expect(done.code, done.stderr).toBe(0);
    await waitFor(async () => ((await whoami()).stderr.includes('Unauthorized') ? true : undefined));
  });
});
