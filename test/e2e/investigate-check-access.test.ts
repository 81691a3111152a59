// investigate's check-access step, run as printed on a real API server. A user who reads a Secret through a
// group binding, and who-can cannot list the bindings (investigate runs as that user: a partial view), is judged
// `unknown`; its step asks `kubectl auth can-i ... --as USER --as-group GROUP`. Impersonating the user alone
// gives it no groups but system:authenticated: the API server then answers "no", which the step reads as "its
// access was removed since". With the groups its logged read carried, it answers "yes", as it should.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  applyYaml,
  asUser,
  deleteNamespace,
  freshNamespace,
  useCluster,
  waitForAuditEvent,
} from '../harness/cluster.js';
import { assertNoLeak, makeCanary } from '../harness/canary.js';
import { runCli } from '../harness/runCli.js';
import { binding, g, rbac } from '../harness/rbac-yaml.js';

const canary = makeCanary('checkaccess');
const sfx = randomBytes(3).toString('hex');
const group = `devs-${sfx}`;
const alice = `alice-${sfx}`;
let ns: string;
let aliceConfig: string;

/** Runs a printed command in bash as the admin, who may impersonate: its exit code and output. */
function asAdmin(command: string): { code: number; out: string } {
  const cluster = useCluster();
  try {
    const out = execFileSync('bash', ['-c', command], {
      env: { PATH: `${cluster.binDir}:${process.env['PATH']}`, KUBECONFIG: cluster.kubeconfig, HOME: cluster.dir },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { code: 0, out: out.trim() };
  } catch (e) {
    const err = e as { status?: number; stdout?: string };
    return { code: err.status ?? 1, out: (err.stdout ?? '').trim() };
  }
}

beforeAll(async () => {
  ns = await freshNamespace('checkaccess');
  const secret = `apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: ${canary}}\n---\n`;
  const reader = 'rules: [{apiGroups: [""], resources: [secrets], resourceNames: [db], verbs: [get]}]';
  const objects = [secret, rbac('Role', 'db-reader', reader), binding('devs-read-db', 'Role', 'db-reader', [g(group)])];
  await applyYaml(objects.join(''), ns);
  aliceConfig = await asUser({ user: alice, groups: [group] });
  expect((await api('GET', `/api/v1/namespaces/${ns}/secrets/db`, { kubeconfig: aliceConfig })).status).toBe(200);
  await waitForAuditEvent(
    (e) => e.user.username === alice && e.objectRef?.namespace === ns && e.stage === 'ResponseComplete',
    { what: `${alice}'s read in the audit log` },
  );
}, 120_000);

afterAll(async () => {
  if (ns) await deleteNamespace(ns);
});

describe('check-access, for a user who reads through a group binding', () => {
  it('is asked with the groups its read carried, and the API server answers yes', async () => {
    // As alice: she may read the Secret, and list nothing, so who-can sees no binding of hers.
    const r = await runCli(['investigate', 'db', '-n', ns, '--log', useCluster().auditLog, '-o', 'json'], {
      kubeconfig: aliceConfig,
    });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.metadata.complete).toBe(false);
    const subject = doc.subjects.find((s: { name: string }) => s.name === alice);
    expect(subject?.verdict).toBe('unknown');
    const step = doc.nextSteps.find((s: { kind: string; command: string | null }) =>
      s.command?.includes(`--as ${alice}`),
    );
    expect(step?.kind).toBe('check-access');
    expect(step.command).toBe(`kubectl auth can-i get secret/db -n ${ns} --as ${alice} --as-group ${group}`);

    expect(asAdmin(step.command)).toEqual({ code: 0, out: 'yes' });
    // The command without her groups, as it was printed before: a false "no".
    expect(asAdmin(step.command.replace(` --as-group ${group}`, ''))).toEqual({ code: 1, out: 'no' });
    assertNoLeak([canary], r);
  }, 120_000);
});
