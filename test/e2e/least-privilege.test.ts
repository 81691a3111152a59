// least-privilege on the real API server: RBAC for several identities, real
// reads through the API server (its own audit log is the input), then the
// report's verdicts, the suggestion applied with the cluster's kubectl, and
// SubjectAccessReviews proving every observed read still allowed and every
// removed access denied. Canary values are planted in every Secret.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoLeak, makeCanary } from '../harness/canary.js';
import {
  api,
  applyYaml,
  asServiceAccount,
  asUser,
  canI,
  deleteNamespace,
  freshNamespace,
  kubectl,
  readAuditLog,
  useCluster,
  waitFor,
} from '../harness/cluster.js';
import { runCli } from '../harness/runCli.js';
import { apiRequest } from '../cluster/cluster.mjs';

const canary = makeCanary('least-privilege');
let A: string;
let B: string;
let windowStart: string;
const user = (name: string) => `${A}-${name}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const RBAC = 'rbac.authorization.k8s.io';
const subjectUser = (name: string) => `{kind: User, apiGroup: ${RBAC}, name: "${user(name)}"}`;
const binding = (name: string, roleKind: string, role: string, subjects: string[]) =>
  `apiVersion: ${RBAC}/v1\nkind: RoleBinding\nmetadata: {name: ${name}}\nroleRef: {apiGroup: ${RBAC}, kind: ${roleKind}, name: "${role}"}\nsubjects: [${subjects.join(', ')}]\n---\n`;
const sharedRole = () => `${A}-shared-reader`;

async function get(kubeconfig: string, path: string): Promise<number> {
  return (await apiRequest(kubeconfig, 'GET', path)).status;
}

/** A SubjectAccessReview as the subject itself, with the groups its requests always carry. */
function ask(
  subject: { kind: string; name: string; namespace?: string },
  verb: string,
  namespace: string,
  name?: string,
  resource = 'secrets',
) {
  const who =
    subject.kind === 'ServiceAccount'
      ? {
          user: `system:serviceaccount:${subject.namespace}:${subject.name}`,
          groups: ['system:serviceaccounts', `system:serviceaccounts:${subject.namespace}`, 'system:authenticated'],
        }
      : subject.kind === 'Group'
        ? { user: '', groups: [subject.name] }
        : { user: subject.name, groups: ['system:authenticated'] };
  return canI({ ...who, verb, resource, namespace, ...(name ? { name } : {}) });
}

beforeAll(async () => {
  A = await freshNamespace('lp');
  B = await freshNamespace('lp');
  const secret = (name: string) =>
    `apiVersion: v1\nkind: Secret\nmetadata: {name: ${name}}\nstringData: {value: ${canary}}\n---\n`;
  const role = (name: string, rules: string) =>
    `apiVersion: ${RBAC}/v1\nkind: Role\nmetadata: {name: ${name}}\nrules: ${rules}\n---\n`;
  await applyYaml(
    `apiVersion: ${RBAC}/v1\nkind: ClusterRole\nmetadata: {name: ${sharedRole()}}\nrules: [{apiGroups: [""], resources: [secrets], verbs: [get, list]}]\n`,
  );
  await applyYaml(
    `${
      secret('db') + secret('api-token') + secret('other')
    }apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {k: v}\n---\n` +
      `apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: robot}\n---\n${role(
        'broad-reader',
        '[{apiGroups: [""], resources: [secrets], verbs: [get, list, watch]}]',
      )}${role(
        'robot-reader',
        '[{apiGroups: [""], resources: [secrets], verbs: [get, list, watch], resourceNames: [api-token]}]',
      )}${role('mixed', '[{apiGroups: [""], resources: [secrets, configmaps], verbs: [get, list]}]')}${role(
        'db-only',
        '[{apiGroups: [""], resources: [secrets], verbs: [get], resourceNames: [db]}]',
      )}${binding('alice-broad', 'Role', 'broad-reader', [subjectUser('alice')])}${binding(
        'nobody-uses',
        'Role',
        'broad-reader',
        [subjectUser('bob')],
      )}${binding('robot-reads', 'Role', 'robot-reader', ['{kind: ServiceAccount, name: robot}'])}${binding(
        'carol-shared',
        'ClusterRole',
        sharedRole(),
        [subjectUser('carol'), subjectUser('zed')],
      )}${binding('erin-mixed', 'Role', 'mixed', [subjectUser('erin')])}${binding('frank-db', 'Role', 'db-only', [
        subjectUser('frank'),
      ])}${binding('newbie-reads', 'Role', 'broad-reader', ['{kind: ServiceAccount, name: newbie}'])}`,
    A,
  );
  await applyYaml(secret('ledger') + binding('dave-shared', 'ClusterRole', sharedRole(), [subjectUser('dave')]), B);

  // creationTimestamp has whole seconds: the window starts after every binding above, before anything below.
  await sleep(1500);
  windowStart = new Date().toISOString();
  await sleep(1200);
  await applyYaml(
    `apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: newbie}\n---\n${binding(
      'late-binding',
      'Role',
      'broad-reader',
      [subjectUser('yara')],
    )}`,
    A,
  );

  const [alice, carol, dave, erin, frank, mallory, robot] = await Promise.all([
    asUser({ user: user('alice') }),
    asUser({ user: user('carol') }),
    asUser({ user: user('dave') }),
    asUser({ user: user('erin') }),
    asUser({ user: user('frank') }),
    asUser({ user: user('mallory') }),
    asServiceAccount(A, 'robot'),
  ]);
  const s = (ns: string, name = '') => `/api/v1/namespaces/${ns}/secrets${name ? `/${name}` : ''}`;
  const statuses = [
    await get(alice, s(A, 'db')),
    await get(alice, s(A, 'db')),
    await get(robot, s(A, 'api-token')),
    await get(carol, s(A, 'db')),
    await get(dave, s(B)),
    await get(erin, s(A, 'api-token')),
    await get(erin, `/api/v1/namespaces/${A}/configmaps/cm`),
    await get(frank, s(A, 'api-token')),
    await get(mallory, s(A, 'db')),
  ];
  expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 403, 403]);
  // 8 requests on Secrets: wait until each one's last stage is in the log.
  await waitFor(
    async () =>
      (await readAuditLog()).filter(
        (e) =>
          e.stage === 'ResponseComplete' &&
          e.objectRef?.resource === 'secrets' &&
          (e.user.username.includes(A) || e.user.username.includes(`:${A}:`)),
      ).length >= 8,
    { what: '8 Secret requests in the audit log' },
  );
});

afterAll(async () => {
  await api('DELETE', `/apis/${RBAC}/v1/clusterroles/${sharedRole()}`);
  if (A) await deleteNamespace(A);
  if (B) await deleteNamespace(B);
});

async function leastPrivilege(args: string[]) {
  const r = await runCli(['least-privilege', '--log', useCluster().auditLog, '--since', windowStart, ...args], {
    kubeconfig: useCluster().kubeconfig,
  });
  assertNoLeak([canary], r);
  return r;
}

async function report(ns: string) {
  const r = await leastPrivilege(['-n', ns, '-o', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

const verdicts = (doc: any) =>
  Object.fromEntries(
    doc.items.map((i: any) => [
      `${i.binding.name}${i.ruleIndex === null ? '' : ` rules[${i.ruleIndex}]`}`,
      i.findings.join(','),
    ]),
  );

describe('least-privilege on the real API server', () => {
  it('judges every binding against the reads made through it: denied attempts are not use, young ones not judged', async () => {
    const doc = await report(A);
    expect(doc).toMatchObject({ apiVersion: 'kubectl-secrets.dev/v1alpha1', kind: 'LeastPrivilegeReport' });
    expect(verdicts(doc)).toEqual({
      'nobody-uses': 'unused-binding',
      'frank-db': 'unused-binding',
      'carol-shared': 'unused-subject',
      'alice-broad rules[0]': 'unused-verb,too-broad',
      'carol-shared rules[0]': 'unused-verb,too-broad',
      'erin-mixed rules[0]': 'unused-verb,too-broad',
      'robot-reads rules[0]': 'unused-verb',
      'late-binding': 'not-judged',
      'newbie-reads': 'not-judged',
    });
    const item = (name: string, rule: number | null = 0) =>
      doc.items.find((i: any) => i.binding.name === name && i.ruleIndex === rule);
    expect(item('alice-broad')).toMatchObject({
      proposal: 'get secrets [db]',
      used: { verbs: ['get'], secrets: [`${A}/db`], reads: 2 },
    });
    expect(item('robot-reads').proposal).toBe('get secrets [api-token]');
    expect(item('erin-mixed').proposal).toBe("get secrets [api-token] (+ the rule's other permissions, unchanged)");
    expect(item('carol-shared', null).subjects.map((s: any) => [s.subject.name, s.verdict])).toEqual([
      [user('carol'), 'used'],
      [user('zed'), 'unused'],
    ]);
    expect(item('late-binding', null).subjects[0].reason).toMatch(/^binding created .*, after the window start$/);
    expect(item('newbie-reads', null).subjects[0].reason).toMatch(
      /^ServiceAccount created .*, after the window start$/,
    );
    expect(doc.metadata.summary).toMatchObject({ bindings: 8, judged: 6, notJudged: 2 });
    expect(doc.metadata.logs.denied).toBeGreaterThanOrEqual(2);
    expect(doc.metadata.complete).toBe(true);
    // ClusterRoleBindings grant here too (the controllers' own): judged only with -A
    expect(doc.metadata.clusterBindingsOutOfScope.length).toBeGreaterThan(0);

    expect(verdicts(await report(B))).toEqual({ 'dave-shared rules[0]': 'unused-verb' });
  });

  it('prints a kubectl-style table with notes on what was not judged', async () => {
    const r = await leastPrivilege(['-n', A]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+BINDING\s+ROLE\s+RULE\s+FINDING\s+SUBJECTS\s+READS\s+LAST READ\s+PROPOSAL$/);
    expect(lines.find((l) => l.includes('rolebinding/alice-broad'))).toMatch(
      /role\/broad-reader\s+rules\[0\]\s+unused-verb,too-broad\s+\S+alice\s+2\s+\S+Z\s+get secrets \[db\]$/,
    );
    expect(r.stderr).toMatch(/note: 2 binding\(s\) not judged/);
  });

  it('--suggest applies with kubectl apply, keeps every read seen, and removes exactly what it lists', async () => {
    const before = await api('GET', `/apis/${RBAC}/v1/namespaces/${A}/roles/broad-reader`);
    const sharedBefore = await api('GET', `/apis/${RBAC}/v1/clusterroles/${sharedRole()}`);
    const removed: any[] = [];
    for (const ns of [A, B]) {
      const s = await leastPrivilege(['-n', ns, '--suggest']);
      expect(s.code, s.stderr).toBe(0);
      expect(s.stdout).toMatch(/^# kubectl secrets least-privilege --suggest/);
      const asJson = JSON.parse((await leastPrivilege(['-n', ns, '--suggest', '-o', 'json'])).stdout);
      expect(asJson).toMatchObject({ apiVersion: 'v1', kind: 'List' });
      const applied = await kubectl(['apply', '-f', '-'], { input: s.stdout });
      expect(applied.stdout).toMatch(/created|configured/);
      // the comments list what goes, one line per removed access
      const lines = s.stdout.split('\n').filter((l) => l.startsWith('#   '));
      removed.push(...lines.map((l) => l.slice(4)));
    }
    expect(removed.sort()).toEqual(
      [
        `User ${user('alice')}: get secrets in namespace ${A}, except db`,
        `User ${user('alice')}: list secrets in namespace ${A}`,
        `User ${user('alice')}: watch secrets in namespace ${A}`,
        `User ${user('bob')}: get secrets in namespace ${A}`,
        `User ${user('bob')}: list secrets in namespace ${A}`,
        `User ${user('bob')}: watch secrets in namespace ${A}`,
        `ServiceAccount ${A}/robot: list secrets api-token in namespace ${A}`,
        `ServiceAccount ${A}/robot: watch secrets api-token in namespace ${A}`,
        `User ${user('carol')}: get secrets in namespace ${A}, except db`,
        `User ${user('carol')}: list secrets in namespace ${A}`,
        `User ${user('zed')}: get secrets in namespace ${A}`,
        `User ${user('zed')}: list secrets in namespace ${A}`,
        `User ${user('erin')}: get secrets in namespace ${A}, except api-token`,
        `User ${user('erin')}: list secrets in namespace ${A}`,
        `User ${user('frank')}: get secrets db in namespace ${A}`,
        `User ${user('dave')}: get secrets in namespace ${B}`,
      ].sort(),
    );

    // Every read seen in the window is still allowed.
    const sa = (name: string) => ({ kind: 'ServiceAccount', name, namespace: A });
    const u = (name: string) => ({ kind: 'User', name: user(name) });
    expect(await ask(u('alice'), 'get', A, 'db')).toBe(true);
    expect(await ask(sa('robot'), 'get', A, 'api-token')).toBe(true);
    expect(await ask(u('carol'), 'get', A, 'db')).toBe(true);
    expect(await ask(u('dave'), 'list', B)).toBe(true);
    expect(await ask(u('erin'), 'get', A, 'api-token')).toBe(true);
    // The mixed rule was split, not dropped: configmaps stay.
    expect(await ask(u('erin'), 'list', A, undefined, 'configmaps')).toBe(true);
    expect(await ask(u('erin'), 'get', A, 'cm', 'configmaps')).toBe(true);

    // Every removed access is denied.
    for (const line of removed) {
      const m =
        /^(User|ServiceAccount|Group) (\S+): (get|list|watch) secrets(?: (\S+))? in namespace (\S+)(?:, except (\S+))?$/.exec(
          line,
        );
      expect(m, line).not.toBeNull();
      const [, kind, who, verb, names, ns, except] = m!;
      const subject =
        kind === 'ServiceAccount'
          ? { kind, name: who!.split('/')[1]!, namespace: who!.split('/')[0]! }
          : { kind: kind!, name: who! };
      if (names) {
        for (const name of names.split(',')) expect(await ask(subject, verb!, ns!, name), line).toBe(false);
      } else {
        const probe = 'never-read-probe';
        expect(except?.split(',') ?? []).not.toContain(probe);
        expect(await ask(subject, verb!, ns!, probe), line).toBe(false);
        if (verb !== 'get') expect(await ask(subject, verb!, ns!), line).toBe(false);
      }
    }

    // Real requests: alice still reads db, and can no longer list.
    const alice = await asUser({ user: user('alice') });
    expect(await get(alice, `/api/v1/namespaces/${A}/secrets/db`)).toBe(200);
    expect(await get(alice, `/api/v1/namespaces/${A}/secrets`)).toBe(403);

    // Existing roles untouched; the emptied binding kept its roleRef; young bindings untouched.
    const after = await api('GET', `/apis/${RBAC}/v1/namespaces/${A}/roles/broad-reader`);
    expect(after.body.rules).toEqual(before.body.rules);
    expect((await api('GET', `/apis/${RBAC}/v1/clusterroles/${sharedRole()}`)).body.rules).toEqual(
      sharedBefore.body.rules,
    );
    const nobody = (await api('GET', `/apis/${RBAC}/v1/namespaces/${A}/rolebindings/nobody-uses`)).body;
    expect(nobody.subjects ?? []).toEqual([]);
    expect(nobody.roleRef.name).toBe('broad-reader');
    const late = (await api('GET', `/apis/${RBAC}/v1/namespaces/${A}/rolebindings/late-binding`)).body;
    expect(late.subjects.map((s: any) => s.name)).toEqual([user('yara')]);

    // Undo, asked after applying, restores the bindings with every subject.
    for (const ns of [A, B]) {
      const undo = await leastPrivilege(['-n', ns, '--suggest-undo']);
      expect(undo.code, undo.stderr).toBe(0);
      expect(undo.stdout).toMatch(/^# kubectl secrets least-privilege --suggest-undo/);
      // Only this namespace's bindings: the other namespace's suggestion is undone (or kept) on its own.
      expect(undo.stdout).toContain(`namespace: ${ns}\n`);
      expect(undo.stdout).not.toContain(`namespace: ${ns === A ? B : A}\n`);
      await kubectl(['apply', '-f', '-'], { input: undo.stdout });
    }
    const restored = (await api('GET', `/apis/${RBAC}/v1/namespaces/${A}/rolebindings/carol-shared`)).body;
    expect(restored.subjects.map((s: any) => s.name).sort()).toEqual([user('carol'), user('zed')]);
    expect(await ask(u('alice'), 'list', A)).toBe(true);
    expect(await ask(u('bob'), 'get', A, 'db')).toBe(true);
    expect(await ask(u('dave'), 'get', B, 'ledger')).toBe(true);
  });

  it('bad input: one error line, no stack', async () => {
    const both = await runCli(['least-privilege', '-n', 'x', '-A', '--log', useCluster().auditLog]);
    expect(both).toMatchObject({ code: 1, stdout: '' });
    expect(both.stderr).toMatch(/^error: --namespace and --all-namespaces cannot be combined/);
    const since = await runCli(['least-privilege', '--log', useCluster().auditLog, '--since', 'yesterday']);
    expect(since.stderr).toMatch(/^error: invalid --since "yesterday"/);
    const missing = await runCli(['least-privilege', '--log', '/nonexistent/audit.log'], {
      kubeconfig: useCluster().kubeconfig,
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: .*\/nonexistent\/audit.log/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });
});
