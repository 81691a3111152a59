// Issue 14 on the real API server:
// - item 7: control characters in cluster objects (a RoleBinding subject, a
//   mount path, a Helm release annotation) and in the audit log (a user whose
//   client certificate CN carries ESC and OSC sequences) never reach the
//   terminal; -o json keeps them exact.
// - item 1: a Secret created with `kubectl apply` (stringData) carries its
//   values in last-applied-configuration: exposure flags it high, and no
//   command prints the copy.
// - item 8: the cluster's own audit log, gzipped and cut short, is a partial
//   answer with exit 5.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  applyYaml,
  asUser,
  deleteNamespace,
  freshNamespace,
  kubectl,
  useCluster,
  waitForAuditEvent,
} from '../harness/cluster.js';
import { assertNoLeak, makeCanary } from '../harness/canary.js';
import { runCli, type CliResult } from '../harness/runCli.js';
import { CONTROL_CHARS } from '../harness/terminal.js';

const PAUSE = 'registry.k8s.io/pause:3.10';
// CSI clear screen, OSC 0 (title) ended by BEL, OSC 8 (hyperlink) ended by ST, an 8-bit CSI.
const EVIL_USER = 'mallory\u001b[2J\u001b]0;owned\u0007';
const EVIL_SUBJECT = 'eve\u001b]8;;https://evil.example/\u001b\\click\u001b]8;;\u001b\\\u009b31m';
const EVIL_MOUNT = '/etc/creds\u001b[8m';
const EVIL_RELEASE = 'shop\u001b]0;title\u0007';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

const canary = { db: makeCanary('db'), applied: makeCanary('applied'), other: makeCanary('other') };
const CANARIES = Object.values(canary);

let ns: string;
const outputs: CliResult[] = [];

async function run(args: string[], opts: Parameters<typeof runCli>[1] = {}): Promise<CliResult> {
  const r = await runCli(args, { kubeconfig: useCluster().kubeconfig, ...opts });
  outputs.push(r);
  return r;
}

/** A terminal with colour: what an attacker would target. */
const onTerminal = { tty: true, env: { NO_COLOR: undefined, COLUMNS: '200' } };

function expectInert(r: CliResult): void {
  expect(r.stdout).not.toMatch(CONTROL_CHARS);
  expect(r.stderr).not.toMatch(CONTROL_CHARS);
}

/** Deployment web mounting Secret db at a given path. */
function webMountingDbAt(mountPath: string): object {
  const pod = {
    containers: [{ name: 'web', image: PAUSE, volumeMounts: [{ name: 'creds', mountPath, readOnly: true }] }],
    volumes: [{ name: 'creds', secret: { secretName: 'db' } }],
  };
  const labels = { app: 'web' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: pod } },
  };
}

beforeAll(async () => {
  ns = await freshNamespace('harden');
  const db = Buffer.from(canary.db).toString('base64');
  await applyYaml(
    `
apiVersion: v1
kind: Secret
metadata: {name: db, annotations: {meta.helm.sh/release-name: ${JSON.stringify(EVIL_RELEASE)}}}
data: {password: ${db}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: db-reader}
rules: [{apiGroups: [""], resources: [secrets], resourceNames: [db], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: db-readers}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: db-reader}
subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: User, name: ${JSON.stringify(EVIL_SUBJECT)}}
  - {apiGroup: rbac.authorization.k8s.io, kind: User, name: ${JSON.stringify(EVIL_USER)}}
---
${JSON.stringify(webMountingDbAt(EVIL_MOUNT))}
`,
    ns,
  );
  // Real traffic: the user with the hostile name reads the Secret; the API server logs it.
  const mallory = await asUser({ user: EVIL_USER });
  const read = await api('GET', `/api/v1/namespaces/${ns}/secrets/db`, { kubeconfig: mallory });
  expect(read.status).toBe(200);
  await waitForAuditEvent(
    (e) => e.user.username === EVIL_USER && e.objectRef?.namespace === ns && e.stage === 'ResponseComplete',
    {
      what: 'the audit event of the hostile user',
    },
  );
  // kubectl apply: the values are copied into last-applied-configuration.
  await kubectl(['apply', '-n', ns, '-f', '-'], {
    input: `apiVersion: v1\nkind: Secret\nmetadata: {name: applied}\nstringData: {password: ${canary.applied}}\n`,
  });
  await kubectl(['create', 'secret', 'generic', 'created', '-n', ns, `--from-literal=password=${canary.other}`]);
}, 120_000);

afterAll(async () => {
  // Whatever ran, no value was printed.
  assertNoLeak(
    CANARIES,
    outputs.flatMap((r, i) => [
      { name: `run ${i} stdout`, text: r.stdout },
      { name: `run ${i} stderr`, text: r.stderr },
    ]),
  );
  if (ns) await deleteNamespace(ns);
});

describe('item 7: control characters from the cluster and its audit log', () => {
  it('the API server kept them as given (the premise of the test)', async () => {
    const rb = await api('GET', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings/db-readers`);
    expect(rb.body.subjects.map((s: { name: string }) => s.name)).toEqual([EVIL_SUBJECT, EVIL_USER]);
    const d = await api('GET', `/apis/apps/v1/namespaces/${ns}/deployments/web`);
    expect(d.body.spec.template.spec.containers[0].volumeMounts[0].mountPath).toBe(EVIL_MOUNT);
  });

  it("a Secret's type with escapes and invisible characters: escaped in exposure's and rotate's summary lines", async () => {
    const type = 'example.com/evil\u001b[31m\u202e\u200b';
    const created = await api('POST', `/api/v1/namespaces/${ns}/secrets`, {
      body: { metadata: { name: 'typed' }, type, data: { password: Buffer.from(canary.other).toString('base64') } },
    });
    expect(created.status).toBe(201);
    for (const args of [
      ['exposure', 'typed', '-n', ns],
      ['rotate', 'typed', '-n', ns, '--from-literal', 'password=x', '--dry-run'],
    ]) {
      const r = await run(args, onTerminal);
      expect(r.code, r.stderr).toBe(0);
      expectInert(r);
      expect(r.stdout + r.stderr, args[0]).not.toMatch(/[\u202e\u200b]/);
      expect(r.stdout + r.stderr, args[0]).toContain('example.com/evil^[[31m\\u202e\\u200b');
    }
  });

  for (const output of ['table', 'wide', 'name']) {
    it(`who-can -o ${output}: subjects escaped`, async () => {
      const r = await run(['who-can', 'db', '-n', ns, '-o', output], onTerminal);
      expect(r.code, r.stderr).toBe(0);
      expectInert(r);
      expect(r.stdout).toContain('mallory^[[2J^[]0;owned^G');
      expect(r.stdout).toContain('eve^[]8;;https://evil.example/^[\\click^[]8;;^[\\\\u009b31m');
    });

    it(`exposure -o ${output}: mount path and Helm release escaped`, async () => {
      const r = await run(['exposure', 'db', '-n', ns, '-o', output], onTerminal);
      expect(r.code, r.stderr).toBe(0);
      expectInert(r);
      if (output !== 'name') {
        expect(r.stdout).toContain('/etc/creds^[[8m');
        expect(r.stderr).toContain('shop^[]0;title^G');
      }
    });
  }

  it('exposure -A and its wide form', async () => {
    for (const output of ['table', 'wide']) {
      const r = await run(['exposure', '-n', ns, '-o', output], onTerminal);
      expect(r.code, r.stderr).toBe(0);
      expectInert(r);
    }
  });

  for (const by of ['subject', 'user-agent', 'secret']) {
    it(`audit --by ${by} of the real audit log: the user name escaped`, async () => {
      for (const output of ['table', 'wide']) {
        const r = await run(
          ['audit', 'db', '-n', ns, '--log', useCluster().auditLog, '--by', by, '-o', output],
          onTerminal,
        );
        expect(r.code, r.stderr).toBe(0);
        expectInert(r);
        if (by === 'subject') expect(r.stdout).toContain('mallory^[[2J^[]0;owned^G');
      }
    });
  }

  it('-o json and -o yaml keep the strings exact', async () => {
    const who = await run(['who-can', 'db', '-n', ns, '-o', 'json']);
    expect(who.stdout).not.toMatch(CONTROL_CHARS);
    expect(JSON.parse(who.stdout).items.map((i: { subject: string }) => i.subject)).toEqual(
      expect.arrayContaining([EVIL_USER, EVIL_SUBJECT]),
    );
    const exposure = await run(['exposure', 'db', '-n', ns, '-o', 'yaml']);
    expect(exposure.stdout).not.toMatch(CONTROL_CHARS);
    const doc = yaml.load(exposure.stdout) as any;
    expect(doc.items[0].uses[0].mountPath).toBe(EVIL_MOUNT);
    expect(doc.metadata.secrets[0].manager.by).toContain(EVIL_RELEASE);
    const audit = await run(['audit', 'db', '-n', ns, '--log', useCluster().auditLog, '-o', 'json']);
    expect(JSON.parse(audit.stdout).items.map((i: { key: string }) => i.key)).toContain(EVIL_USER);
  });
});

describe('item 1: a Secret created with kubectl apply carries its values in an annotation', () => {
  it('the premise: last-applied-configuration holds the value', async () => {
    const s = await api('GET', `/api/v1/namespaces/${ns}/secrets/applied`);
    expect(s.body.metadata.annotations[LAST_APPLIED]).toContain(canary.applied);
  });

  it('exposure NAME: high risk value-in-metadata, without a consumer, and --fail-on=high fails', async () => {
    const r = await run(['exposure', 'applied', '-n', ns]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      new RegExp(
        `risk high value-in-metadata: annotation ${LAST_APPLIED.replace(/\./g, '\\.')} holds a copy of the data`,
      ),
    );
    const doc = JSON.parse((await run(['exposure', 'applied', '-n', ns, '-o', 'json'])).stdout);
    expect(doc.metadata.secrets[0].risks.map((x: { id: string }) => x.id)).toEqual(['value-in-metadata']);
    expect(doc.metadata.worstRisk).toBe('high');
    const gate = await run(['exposure', 'applied', '-n', ns, '--fail-on=high']);
    expect(gate.code).toBe(3);
  });

  it('exposure --metadata-only sees it too (it is metadata)', async () => {
    const doc = JSON.parse((await run(['exposure', 'applied', '-n', ns, '--metadata-only', '-o', 'json'])).stdout);
    expect(doc.metadata.secrets[0].risks.map((x: { id: string }) => x.id)).toEqual(['value-in-metadata']);
  });

  it('exposure -A: the row is high; kubectl create secret (no annotation) is not flagged', async () => {
    const doc = JSON.parse((await run(['exposure', '-n', ns, '-o', 'json'])).stdout);
    const row = (name: string) => doc.items.find((i: { name: string }) => i.name === name);
    expect(row('applied')).toMatchObject({ worstRisk: 'high', risks: ['value-in-metadata'] });
    expect(row('created').risks).toEqual([]);
  });

  it('who-can (metadata-only existence check) and every other output carry no copy', async () => {
    for (const output of ['table', 'json', 'yaml']) {
      const r = await run(['who-can', 'applied', '-n', ns, '-o', output]);
      expect(r.code, r.stderr).toBe(0);
    }
    // afterAll checks every output of this file for every canary.
  });
});

describe('item 8: the real audit log, gzipped and cut short', () => {
  it('gives a partial answer: warning with file and offset, complete false, exit 5', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'harden-audit-'));
    const gz = gzipSync(readFileSync(useCluster().auditLog));
    const cut = gz.subarray(0, Math.floor(gz.length * 0.9));
    const file = join(dir, 'audit-2030-01-01T00-00-00.000.log.gz');
    writeFileSync(file, cut);
    const r = await run(['audit', '--log', dir]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(
      new RegExp(
        `^warning: ${file.replace(/\./g, '\\.')}: truncated gzip data at compressed byte ${cut.length} of ${cut.length}`,
        'm',
      ),
    );
    const doc = JSON.parse((await run(['audit', '--log', dir, '-o', 'json'])).stdout);
    expect(doc.metadata.complete).toBe(false);
    expect(doc.metadata.inputs[0].readError.compressedOffset).toBe(cut.length);
    expect(doc.items.length).toBeGreaterThan(0);
  });
});
