// Proves the local control plane is a real cluster: RBAC, audit log,
// ServiceAccount tokens, controllers, scheduler and KWOK nodes all work.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  applyYaml,
  asServiceAccount,
  asUser,
  canI,
  freshNamespace,
  kubectl,
  NEVER_READY_LABEL,
  useCluster,
  waitFor,
  waitForAuditEvent,
} from '../harness/cluster.js';

const secret = (name: string) => `
apiVersion: v1
kind: Secret
metadata: {name: ${name}}
type: Opaque
stringData: {password: demo-not-a-real-password}
`;

const secretReader = (kind: 'User' | 'ServiceAccount', name: string) => `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: read-secrets-${name}}
rules:
  - {apiGroups: [""], resources: [secrets], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read-secrets-${name}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: read-secrets-${name}}
subjects:
  - ${kind === 'User' ? `{kind: User, apiGroup: rbac.authorization.k8s.io, name: ${name}}` : `{kind: ServiceAccount, name: ${name}}`}
`;

describe('local cluster', () => {
  let ns: string;
  beforeAll(async () => {
    ns = await freshNamespace('cluster');
    // applyYaml returns once alice's RoleBinding is in force: the tests below read as her at once.
    await applyYaml(`${secret('db')}---${secretReader('User', 'alice')}`, ns);
  });

  it('serves the version it was built from', async () => {
    const { body } = await api('GET', '/version');
    expect(body.gitVersion).toBe(useCluster().version);
    expect(body.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
  });

  it('authorizes with RBAC as bound', async () => {
    expect(await canI({ user: 'alice', verb: 'get', resource: 'secrets', namespace: ns, name: 'db' })).toBe(true);
    expect(await canI({ user: 'alice', verb: 'list', resource: 'secrets', namespace: ns })).toBe(false);
    expect(await canI({ user: 'alice', verb: 'get', resource: 'secrets', namespace: 'default' })).toBe(false);
    expect(await canI({ user: 'bob', verb: 'get', resource: 'secrets', namespace: ns })).toBe(false);
    expect(
      await canI({ user: 'root', groups: ['system:masters'], verb: 'get', resource: 'secrets', namespace: ns }),
    ).toBe(true);
  });

  it('records reads and denials in the audit log with the real user', async () => {
    const alice = await asUser({ user: 'alice', groups: ['dev'] });
    const bob = await asUser({ user: 'bob' });
    expect((await api('GET', `/api/v1/namespaces/${ns}/secrets/db`, { kubeconfig: alice })).status).toBe(200);
    expect((await api('GET', `/api/v1/namespaces/${ns}/secrets/db`, { kubeconfig: bob })).status).toBe(403);

    const read = await waitForAuditEvent(
      (e) =>
        e.user.username === 'alice' &&
        e.verb === 'get' &&
        e.objectRef?.namespace === ns &&
        e.stage === 'ResponseComplete',
    );
    expect(read.objectRef).toMatchObject({ resource: 'secrets', name: 'db' });
    expect(read.user.groups).toEqual(expect.arrayContaining(['dev', 'system:authenticated']));
    expect(read.responseStatus?.code).toBe(200);
    expect(read.level).toBe('Metadata');

    const denied = await waitForAuditEvent(
      (e) => e.user.username === 'bob' && e.objectRef?.namespace === ns && e.stage === 'ResponseComplete',
    );
    expect(denied.responseStatus?.code).toBe(403);
    expect(denied.annotations?.['authorization.k8s.io/decision']).toBe('forbid');
  });

  it('issues ServiceAccount tokens through TokenRequest', async () => {
    await applyYaml(
      `apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: reader}\n---${secretReader('ServiceAccount', 'reader')}`,
      ns,
    );
    const reader = await asServiceAccount(ns, 'reader');
    // applyYaml returned once the RoleBinding was in force.
    expect((await api('GET', `/api/v1/namespaces/${ns}/secrets/db`, { kubeconfig: reader })).status).toBe(200);
    const event = await waitForAuditEvent(
      (e) =>
        e.user.username === `system:serviceaccount:${ns}:reader` && e.verb === 'get' && e.stage === 'ResponseComplete',
    );
    expect(event.user.groups).toContain(`system:serviceaccounts:${ns}`);
    expect(event.user.extra?.['authentication.kubernetes.io/pod-name']).toBeUndefined();
  });

  it('runs a Deployment on KWOK nodes and completes kubectl rollout restart', async () => {
    await applyYaml(
      `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: registry.k8s.io/pause:3.10
          env:
            - name: DB_PASSWORD
              valueFrom: {secretKeyRef: {name: db, key: password}}
`,
      ns,
    );
    await waitFor(
      async () => {
        const { body } = await api('GET', `/apis/apps/v1/namespaces/${ns}/deployments/web`);
        return body.status?.conditions?.some((c: any) => c.type === 'Available' && c.status === 'True');
      },
      { timeout: 60_000, what: 'Deployment web Available' },
    );
    const { body: pods } = await api('GET', `/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dweb`);
    expect(pods.items).toHaveLength(2);
    for (const pod of pods.items) expect(useCluster().nodes).toContain(pod.spec.nodeName);

    await kubectl(['rollout', 'restart', 'deployment/web', '-n', ns]);
    const status = await kubectl(['rollout', 'status', 'deployment/web', '-n', ns, '--timeout=90s'], {
      timeout: 100_000,
    });
    expect(status.stdout).toContain('successfully rolled out');
    const { body: web } = await api('GET', `/apis/apps/v1/namespaces/${ns}/deployments/web`);
    expect(web.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toBeTruthy();
    expect(web.status.updatedReplicas).toBe(2);
  });

  it(`keeps pods labelled ${NEVER_READY_LABEL} Running but NotReady`, async () => {
    await applyYaml(
      `
apiVersion: v1
kind: Pod
metadata: {name: stuck, labels: {"${NEVER_READY_LABEL}": "true"}}
spec:
  containers: [{name: app, image: registry.k8s.io/pause:3.10}]
`,
      ns,
    );
    const ready = async () => {
      const { body } = await api('GET', `/api/v1/namespaces/${ns}/pods/stuck`);
      return {
        phase: body.status?.phase,
        ready: body.status?.conditions?.find((c: any) => c.type === 'Ready')?.status,
      };
    };
    await waitFor(async () => (await ready()).phase === 'Running', { what: 'pod stuck Running' });
    await new Promise((r) => setTimeout(r, 3000));
    expect(await ready()).toEqual({ phase: 'Running', ready: 'False' });
  });
});
