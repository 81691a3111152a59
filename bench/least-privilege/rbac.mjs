// A generated RBAC snapshot (seeded) in the vocabulary of bench/audit/generate-log.mjs:
// bindings of its namespaces, to its ServiceAccounts, humans and groups (who do read
// Secrets in the log) and to many made-up users and ServiceAccounts (who never do).
import { mulberry32 as prng } from '../../test/harness/prng.mjs';
import { NAMESPACES, SECRETS, WORKLOAD_SAS } from '../audit/generate-log.mjs';

export { NAMESPACES };

const HUMANS = [
  'alice@example.com',
  'bob@example.com',
  'oidc:carol',
  'arn:aws:sts::123456789012:assumed-role/Dev/dave',
];
const GROUPS = ['developers', 'oidc:sre', 'kubeadm:cluster-admins'];
const CREATED = '2025-01-01T00:00:00Z';
const RBAC = 'rbac.authorization.k8s.io';

export function generateRbac(bindings, seed = 1204) {
  const rand = prng(seed);
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const some = (xs, max) => [...new Set(Array.from({ length: 1 + Math.floor(rand() * max) }, () => pick(xs)))];
  const secretRule = () => {
    const r = rand();
    if (r < 0.4)
      return {
        apiGroups: [''],
        resources: ['secrets'],
        verbs: pick([['get'], ['get', 'list', 'watch'], ['get', 'list'], ['list', 'watch']]),
      };
    if (r < 0.6)
      return {
        apiGroups: [''],
        resources: ['secrets'],
        verbs: ['get', 'list', 'watch'],
        resourceNames: some(SECRETS, 3),
      };
    if (r < 0.85) return { apiGroups: [''], resources: ['secrets', 'configmaps'], verbs: ['get', 'list', 'watch'] };
    return { apiGroups: [''], resources: ['secrets'], verbs: ['*'] };
  };
  const otherRule = () => ({
    apiGroups: [pick(['', 'apps', 'batch'])],
    resources: [pick(['pods', 'services', 'jobs', 'deployments', 'events'])],
    verbs: pick([
      ['get', 'list'],
      ['create', 'delete'],
    ]),
  });
  const rules = () =>
    Array.from({ length: 1 + Math.floor(rand() * 3) }, () => (rand() < 0.6 ? secretRule() : otherRule()));

  const clusterRoles = Array.from({ length: 40 }, (_, i) => ({ metadata: { name: `bench-cr${i}` }, rules: rules() }));
  clusterRoles.push({
    metadata: { name: 'bench-wildcard' },
    rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
  });
  const rolesPerNs = 50;
  const roles = NAMESPACES.flatMap((ns) =>
    Array.from({ length: rolesPerNs }, (_, i) => ({ metadata: { name: `role${i}`, namespace: ns }, rules: rules() })),
  );
  const synthetic = Array.from({ length: 2000 }, (_, i) => `user${i}@example.com`);
  const subject = (ns, cluster) => {
    const r = rand();
    if (r < 0.1) return { kind: 'User', apiGroup: RBAC, name: pick(HUMANS) };
    if (r < 0.15) return { kind: 'Group', apiGroup: RBAC, name: pick(GROUPS) };
    if (r < 0.35) {
      const [sns, name] = pick(WORKLOAD_SAS);
      return !cluster && sns === ns
        ? { kind: 'ServiceAccount', name }
        : { kind: 'ServiceAccount', name, namespace: sns };
    }
    if (r < 0.5) return { kind: 'ServiceAccount', name: `sa${Math.floor(rand() * 20)}`, namespace: pick(NAMESPACES) };
    return { kind: 'User', apiGroup: RBAC, name: pick(synthetic) };
  };
  const roleBindings = [];
  const clusterRoleBindings = [];
  for (let i = 0; i < bindings; i++) {
    const subjects = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => null);
    if (rand() < 0.15) {
      const role = rand() < 0.03 ? 'bench-wildcard' : `bench-cr${Math.floor(rand() * 40)}`;
      clusterRoleBindings.push({
        metadata: { name: `bench-crb${i}`, creationTimestamp: CREATED },
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
        subjects: subjects.map(() => subject('', true)),
      });
      continue;
    }
    const ns = pick(NAMESPACES);
    const roleRef =
      rand() < 0.7
        ? { apiGroup: RBAC, kind: 'Role', name: `role${Math.floor(rand() * rolesPerNs)}` }
        : { apiGroup: RBAC, kind: 'ClusterRole', name: `bench-cr${Math.floor(rand() * 40)}` };
    roleBindings.push({
      metadata: { name: `rb${i}`, namespace: ns, creationTimestamp: CREATED },
      roleRef,
      subjects: subjects.map(() => subject(ns, false)),
    });
  }
  const serviceAccounts = [
    ...WORKLOAD_SAS.map(([namespace, name]) => ({ namespace, name, creationTimestamp: CREATED })),
    ...NAMESPACES.flatMap((namespace) =>
      Array.from({ length: 20 }, (_, i) => ({ namespace, name: `sa${i}`, creationTimestamp: CREATED })),
    ),
  ];
  return { rbac: { roles, clusterRoles, roleBindings, clusterRoleBindings }, serviceAccounts, gaps: [] };
}
