// Writes of Secrets and RBAC objects (runAudit's onWrite). The fixture is real: the first 80
// and lines 470-490 of liggitt/audit2rbac testdata/demo.log @ 501d132 (v1beta1, RBAC
// creates, patches and deletes, RequestReceived and ResponseComplete) and falcosecurity/falco
// test/trace_files/k8s_audit create_secret.json and delete_secret.json @ 2583ea9 (v1).
import { describe, expect, it } from 'vitest';
import { runAudit, type AuditInput, type AuditQuery, type ObjectWrite } from '../../../src/audit/run.js';
import { mayWrite, WRITE_VERBS } from '../../../src/audit/write-event.js';
import { mayReadSecret } from '../../../src/audit/prefilter.js';
import { fixture, memoryInput } from './memory-input.js';

// Apart from fixtures/audit: the tests that read that whole directory count its files.
const FIXTURE = '../audit-writes/writes-audit2rbac-falco.jsonl';
const RESOURCES = ['secrets', 'rolebindings', 'clusterrolebindings', 'roles', 'clusterroles'];

async function writesOf(inputs: AuditInput[], query: AuditQuery = {}): Promise<ObjectWrite[]> {
  const writes: ObjectWrite[] = [];
  await runAudit(inputs, { ...query, onWrite: (w) => writes.push(w) });
  return writes;
}

/** What the log says, read without the engine: one entry per write request. */
function writesInFixture(): Map<string, { verb: string; resource: string; name?: string; code?: number }> {
  const byId = new Map<string, { verb: string; resource: string; name?: string; code?: number }>();
  for (const line of fixture(FIXTURE).toString('utf8').split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line);
    if (!(WRITE_VERBS as readonly string[]).includes(e.verb) || !RESOURCES.includes(e.objectRef?.resource)) continue;
    const seen = byId.get(e.auditID);
    byId.set(e.auditID, {
      verb: e.verb,
      resource: e.objectRef.resource,
      name: e.objectRef.name ?? seen?.name,
      code: e.responseStatus?.code ?? seen?.code,
    });
  }
  return byId;
}

describe('audit engine: writes of Secrets and RBAC objects', () => {
  it('hands on each write request once, stages merged, as the log has them', async () => {
    const writes = await writesOf([memoryInput(FIXTURE, fixture(FIXTURE), 4096)]);
    const expected = writesInFixture();
    expect(writes).toHaveLength(expected.size);
    expect(expected.size).toBe(34);
    for (const w of writes) {
      const e = expected.get(w.auditID!)!;
      expect({ verb: w.verb, resource: w.resource, name: w.name, code: w.code }).toEqual(e);
    }
    const secretDelete = writes.find((w) => w.resource === 'secrets' && w.verb === 'delete')!;
    expect(secretDelete).toMatchObject({
      namespace: 'default',
      name: 'example-secret',
      user: 'minikube-user',
      sourceIPs: ['192.168.64.1'],
      code: 200,
      denied: false,
      time: Date.parse('2020-04-21T17:58:49.691845Z'),
    });
  });

  it('writes change nothing a read report says, and are not looked for unless asked', async () => {
    const plain = await runAudit([memoryInput(FIXTURE, fixture(FIXTURE))]);
    const withWrites = await runAudit([memoryInput(FIXTURE, fixture(FIXTURE))], { onWrite: () => {} });
    expect(withWrites).toEqual(plain);
  });

  it('narrows to the Secret asked for and the RBAC of its namespace; cluster-scoped RBAC stays', async () => {
    const writes = await writesOf([memoryInput(FIXTURE, fixture(FIXTURE))], {
      namespace: 'default',
      name: 'example-secret',
    });
    const secrets = writes.filter((w) => w.resource === 'secrets');
    expect(secrets.map((w) => w.verb)).toEqual(['create', 'delete']);
    expect(writes.some((w) => w.resource === 'clusterroles')).toBe(true);
    expect(writes.every((w) => w.namespace === 'default' || w.namespace === null)).toBe(true);
    const none = await writesOf([memoryInput(FIXTURE, fixture(FIXTURE))], { since: '2025-01-01' });
    expect(none).toEqual([]);
  });

  it('a create that does not name the Secret (generateName, or another one) is not taken for it', async () => {
    const stage = (stage: string, name?: string) =>
      JSON.stringify({
        kind: 'Event',
        apiVersion: 'audit.k8s.io/v1',
        auditID: '0db00000-0000-4000-8000-000000000001', // holds the bytes "db"
        stage,
        verb: 'create',
        requestURI: '/api/v1/namespaces/shop/secrets',
        user: { username: 'helm' },
        objectRef: { resource: 'secrets', namespace: 'shop', ...(name ? { name } : {}) },
        ...(stage === 'ResponseComplete' ? { responseStatus: { code: 201 } } : {}),
      });
    for (const log of [
      `${stage('RequestReceived')}\n${stage('ResponseComplete', 'other')}\n`,
      `${stage('RequestReceived')}\n${stage('ResponseComplete')}\n`, // generateName: no stage names it
    ])
      expect(await writesOf([memoryInput('helm.log', log)], { namespace: 'shop', name: 'db' })).toEqual([]);
    const mine = `${stage('RequestReceived')}\n${stage('ResponseComplete', 'db')}\n`;
    const found = await writesOf([memoryInput('mine.log', mine)], { namespace: 'shop', name: 'db' });
    expect(found.map((w) => [w.verb, w.name, w.code])).toEqual([['create', 'db', 201]]);
  });

  it('EKS, AKS and GKE records, and a record split across chunks', async () => {
    const native = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      auditID: 'a0000000-0000-4000-8000-000000000001',
      stage: 'ResponseComplete',
      requestURI: '/apis/rbac.authorization.k8s.io/v1/namespaces/shop/rolebindings/readers',
      verb: 'delete',
      user: { username: 'arn:aws:sts::1:assumed-role/Admin/erin', groups: ['system:authenticated'] },
      sourceIPs: ['52.0.0.9'],
      objectRef: {
        resource: 'rolebindings',
        namespace: 'shop',
        name: 'readers',
        apiGroup: 'rbac.authorization.k8s.io',
      },
      responseStatus: { code: 200 },
      requestReceivedTimestamp: '2025-06-02T08:00:00.000000Z',
    };
    const eks = JSON.stringify({ timestamp: 1748851200000, message: JSON.stringify(native) });
    const aks = JSON.stringify({
      category: 'kube-audit',
      properties: {
        log: JSON.stringify({ ...native, auditID: 'a0000000-0000-4000-8000-000000000002', verb: 'create' }),
      },
    });
    const gke = (method: string, resourceName: string, id: string) =>
      JSON.stringify({
        insertId: id,
        operation: { first: true, last: true, id },
        protoPayload: {
          authenticationInfo: { principalEmail: 'ops@example.com' },
          methodName: method,
          resourceName,
          requestMetadata: { callerIp: '35.0.0.1' },
          status: {},
        },
        timestamp: '2025-06-02T09:00:00Z',
      });
    const lines = [
      eks,
      aks,
      gke(
        'io.k8s.authorization.rbac.v1.clusterrolebindings.create',
        'rbac.authorization.k8s.io/v1/clusterrolebindings/x',
        'g1',
      ),
      gke('io.k8s.core.v1.secrets.update', 'core/v1/namespaces/shop/secrets/db', 'g2'),
      gke('io.k8s.core.v1.secrets.get', 'core/v1/namespaces/shop/secrets/db', 'g3'),
    ];
    const writes = await writesOf([memoryInput('mixed.log', `${lines.join('\n')}\n`, 97)]);
    expect(writes.map((w) => [w.format, w.verb, w.resource, w.namespace, w.name, w.user])).toEqual([
      ['eks', 'delete', 'rolebindings', 'shop', 'readers', 'arn:aws:sts::1:assumed-role/Admin/erin'],
      ['aks', 'create', 'rolebindings', 'shop', 'readers', 'arn:aws:sts::1:assumed-role/Admin/erin'],
      ['gke', 'create', 'clusterrolebindings', null, 'x', 'ops@example.com'],
      ['gke', 'update', 'secrets', 'shop', 'db', 'ops@example.com'],
    ]);
  });

  it('byte prefilter: writes pass, reads of RBAC and look-alikes do not; reads never pass as writes', () => {
    const line = (s: string) => Buffer.from(s);
    const rbac = (verb: string) =>
      line(`{"verb":"${verb}","objectRef":{"resource":"roles","apiGroup":"rbac.authorization.k8s.io"}}`);
    const secret = (verb: string) => line(`{"verb":"${verb}","objectRef":{"resource":"secrets"}}`);
    for (const verb of WRITE_VERBS) {
      expect(mayWrite(rbac(verb), 0, rbac(verb).length)).toBe(true);
      expect(mayWrite(secret(verb), 0, secret(verb).length)).toBe(true);
      expect(mayReadSecret(secret(verb), 0, secret(verb).length)).toBe(false);
    }
    for (const verb of ['get', 'list', 'watch', 'deleted', 'created-by']) {
      expect(mayWrite(rbac(verb), 0, rbac(verb).length)).toBe(false);
      expect(mayWrite(secret(verb), 0, secret(verb).length)).toBe(false);
    }
    const named = line('{"verb":"update","objectRef":{"resource":"configmaps","name":"app-secrets"}}');
    expect(mayWrite(named, 0, named.length)).toBe(false);
    // asked about one Secret: writes of others are not parsed; a deletecollection of its namespace is
    const db = Buffer.from('db');
    const other = line('{"verb":"update","objectRef":{"resource":"secrets","name":"helm-release"}}');
    const ours = line('{"verb":"update","objectRef":{"resource":"secrets","name":"db"}}');
    const all = line('{"verb":"deletecollection","objectRef":{"resource":"secrets","namespace":"shop"}}');
    const gke = line('{"methodName":"io.k8s.core.v1.secrets.patch","resourceName":"core/v1/namespaces/s/secrets/db"}');
    expect([other, ours, all, gke].map((l) => mayWrite(l, 0, l.length, db))).toEqual([false, true, true, true]);
    expect(mayWrite(rbac('delete'), 0, rbac('delete').length, db)).toBe(true);
  });
});
