// A plain-HTTP stand-in for the API server, serving generated objects as one page per
// list: N bindings (RoleBindings in the Secret's namespace and ClusterRoleBindings),
// N/5 roles, N pods (a few of which use the Secret) and their Deployments. Run as a
// child of run.mjs, so its CPU is not counted in the measured process.
//   node server.mjs NAMESPACE SECRET BINDINGS PODS  → prints "listening PORT"
import http from 'node:http';
import { mulberry32 as prng } from '../../test/harness/prng.mjs';

const [namespace, secret, bindingsArg, podsArg] = process.argv.slice(2);
const BINDINGS = Number(bindingsArg);
const PODS = Number(podsArg);
const rand = prng(7);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const RBAC = 'rbac.authorization.k8s.io';
const users = Array.from({ length: 500 }, (_, i) => `user${i}@example.com`);
const groups = Array.from({ length: 50 }, (_, i) => `group${i}`);
const time = '2026-01-15T10:00:00Z';

function rule() {
  const r = rand();
  if (r < 0.1)
    return { apiGroups: [''], resources: ['secrets'], verbs: pick([['get'], ['get', 'list', 'watch'], ['list']]) };
  if (r < 0.15)
    return { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: [pick([secret, 'other'])] };
  if (r < 0.2) return { apiGroups: ['apps'], resources: ['deployments'], verbs: ['create', 'patch'] };
  return {
    apiGroups: [pick(['', 'apps', 'batch'])],
    resources: [pick(['configmaps', 'pods', 'services', 'jobs'])],
    verbs: pick([['get'], ['list', 'watch']]),
  };
}
const subject = () =>
  rand() < 0.6
    ? { kind: 'User', apiGroup: RBAC, name: pick(users) }
    : { kind: 'Group', apiGroup: RBAC, name: pick(groups) };
const roleCount = Math.max(10, Math.floor(BINDINGS / 5));
const roles = Array.from({ length: roleCount }, (_, i) => ({
  metadata: { name: `role${i}`, namespace },
  rules: [rule(), rule()],
}));
const clusterRoles = Array.from({ length: 40 }, (_, i) => ({ metadata: { name: `cr${i}` }, rules: [rule(), rule()] }));
const roleBindings = Array.from({ length: Math.floor(BINDINGS * 0.8) }, (_, i) => ({
  metadata: { name: `rb${i}`, namespace, creationTimestamp: time },
  roleRef:
    rand() < 0.7
      ? { apiGroup: RBAC, kind: 'Role', name: `role${i % roleCount}` }
      : { apiGroup: RBAC, kind: 'ClusterRole', name: pick(clusterRoles).metadata.name },
  subjects: [subject(), subject()],
}));
const clusterRoleBindings = Array.from({ length: BINDINGS - roleBindings.length }, (_, i) => ({
  metadata: { name: `crb${i}`, creationTimestamp: time },
  roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: pick(clusterRoles).metadata.name },
  subjects: [subject()],
}));
const deployments = Array.from({ length: Math.max(1, Math.floor(PODS / 10)) }, (_, i) => ({
  metadata: { name: `app${i}`, namespace, uid: `d${i}`, generation: 1 },
  spec: { replicas: 10, selector: { matchLabels: { app: `app${i}` } }, template: podSpec(i) },
  status: { replicas: 10, readyReplicas: 10, updatedReplicas: 10, availableReplicas: 10, observedGeneration: 1 },
}));
const replicaSets = deployments.map((d, i) => ({
  metadata: {
    name: `app${i}-5d4f`,
    namespace,
    uid: `r${i}`,
    ownerReferences: [
      { apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name, uid: d.metadata.uid, controller: true },
    ],
  },
  spec: { replicas: 10, template: d.spec.template },
}));
const pods = Array.from({ length: PODS }, (_, i) => {
  const d = i % deployments.length;
  return {
    metadata: {
      name: `app${d}-5d4f-${i}`,
      namespace,
      uid: `p${i}`,
      labels: { app: `app${d}` },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: replicaSets[d].metadata.name,
          uid: `r${d}`,
          controller: true,
        },
      ],
    },
    spec: { ...podSpec(d).spec, nodeName: `node-${i % 40}` },
    status: {
      phase: 'Running',
      podIP: `10.1.${Math.floor(i / 250)}.${i % 250}`,
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
});
function podSpec(i) {
  const uses = i % 20 === 0;
  return {
    metadata: { labels: { app: `app${i}` } },
    spec: {
      serviceAccountName: uses ? 'api' : 'default',
      containers: [
        {
          name: 'app',
          image: 'registry.example.com/app:1',
          env: uses
            ? [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: secret, key: 'password' } } }]
            : [{ name: 'MODE', value: 'prod' }],
          volumeMounts: [{ name: 'config', mountPath: '/etc/app' }],
        },
      ],
      volumes: [{ name: 'config', configMap: { name: 'app-config' } }],
    },
  };
}
const serviceAccounts = ['default', 'api', 'worker'].map((name) => ({ metadata: { name, namespace } }));
const secretObject = {
  metadata: {
    name: secret,
    namespace,
    creationTimestamp: time,
    resourceVersion: '42',
    managedFields: [{ manager: 'kubectl', operation: 'Update', time }],
  },
  type: 'Opaque',
  data: { password: Buffer.from('bench-only-not-a-secret').toString('base64') },
};

const lists = new Map();
const put = (path, items) =>
  lists.set(path, JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items }));
put(`/apis/${RBAC}/v1/roles`, roles);
put(`/apis/${RBAC}/v1/namespaces/${namespace}/roles`, roles);
put(`/apis/${RBAC}/v1/clusterroles`, clusterRoles);
put(`/apis/${RBAC}/v1/rolebindings`, roleBindings);
put(`/apis/${RBAC}/v1/namespaces/${namespace}/rolebindings`, roleBindings);
put(`/apis/${RBAC}/v1/clusterrolebindings`, clusterRoleBindings);
put('/api/v1/serviceaccounts', serviceAccounts);
put(`/api/v1/namespaces/${namespace}/serviceaccounts`, serviceAccounts);
put(`/api/v1/namespaces/${namespace}/pods`, pods);
put(`/apis/apps/v1/namespaces/${namespace}/deployments`, deployments);
put(`/apis/apps/v1/namespaces/${namespace}/replicasets`, replicaSets);
put(`/api/v1/namespaces/${namespace}/secrets`, [{ metadata: secretObject.metadata }]);

const server = http.createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  res.setHeader('Content-Type', 'application/json');
  if (path === '/version') return res.end('{"gitVersion":"v1.37.2"}');
  if (path === `/api/v1/namespaces/${namespace}/secrets/${secret}`) return res.end(JSON.stringify(secretObject));
  const body = lists.get(path);
  if (body) return res.end(body);
  // Discovery of optional APIs (Gateway, SecretProviderClass): not served.
  if (/^\/apis\/[^/]+\/[^/]+$/.test(path)) {
    res.statusCode = 404;
    return res.end('{"kind":"Status","code":404,"reason":"NotFound"}');
  }
  res.end('{"kind":"List","apiVersion":"v1","metadata":{},"items":[]}');
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
