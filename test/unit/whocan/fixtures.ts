// Small builders for RBAC fixtures: one line per object in each test.
import type { PodLike, WorkloadLike } from '../../../src/consumers/rollup.js';
import { DEFAULT_OPTIONS, whoCan, type WhoCanInput, type WhoCanOptions } from '../../../src/whocan/analyze.js';
import type { WhoCanRow } from '../../../src/whocan/report.js';
import type {
  Binding,
  ClusterRole,
  LabelSelector,
  PolicyRule,
  RbacSnapshot,
  Role,
  Subject,
} from '../../../src/whocan/types.js';

export const NS = 'app';
export const SECRET = 'db';

export const rule = (
  verbs: string[],
  resources: string[],
  apiGroups: string[] = [''],
  resourceNames?: string[],
): PolicyRule => ({
  verbs,
  resources,
  apiGroups,
  ...(resourceNames ? { resourceNames } : {}),
});

export const readSecrets = (verbs = ['get', 'list', 'watch'], resourceNames?: string[]): PolicyRule =>
  rule(verbs, ['secrets'], [''], resourceNames);

export const role = (name: string, rules: PolicyRule[], namespace = NS): Role => ({
  metadata: { name, namespace },
  rules,
});

export const clusterRole = (
  name: string,
  rules: PolicyRule[] | null,
  extra: { labels?: Record<string, string>; aggregate?: LabelSelector[] } = {},
): ClusterRole => ({
  metadata: { name, ...(extra.labels ? { labels: extra.labels } : {}) },
  rules,
  ...(extra.aggregate ? { aggregationRule: { clusterRoleSelectors: extra.aggregate } } : {}),
});

export const user = (name: string): Subject => ({ kind: 'User', name, apiGroup: 'rbac.authorization.k8s.io' });
export const group = (name: string): Subject => ({ kind: 'Group', name, apiGroup: 'rbac.authorization.k8s.io' });
export const sa = (name: string, namespace?: string): Subject => ({
  kind: 'ServiceAccount',
  name,
  ...(namespace ? { namespace } : {}),
});

export const rb = (
  name: string,
  roleRef: { kind: 'Role' | 'ClusterRole'; name: string },
  subjects: Subject[],
  namespace = NS,
): Binding => ({
  metadata: { name, namespace },
  roleRef: { ...roleRef, apiGroup: 'rbac.authorization.k8s.io' },
  subjects,
});

export const crb = (name: string, roleName: string, subjects: Subject[]): Binding => ({
  metadata: { name },
  roleRef: { kind: 'ClusterRole', name: roleName, apiGroup: 'rbac.authorization.k8s.io' },
  subjects,
});

export const pod = (
  name: string,
  opts: { secret?: string; node?: string; owner?: { kind: string; name: string }; env?: boolean } = {},
): PodLike => ({
  kind: 'Pod',
  metadata: {
    name,
    namespace: NS,
    ...(opts.owner
      ? {
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: opts.owner.kind, name: opts.owner.name, uid: 'u', controller: true },
          ],
        }
      : {}),
  },
  spec: {
    ...(opts.node ? { nodeName: opts.node } : {}),
    containers: [
      {
        name: 'app',
        ...(opts.secret && opts.env
          ? { env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: opts.secret, key: 'pw' } } }] }
          : {}),
      },
    ],
    ...(opts.secret && !opts.env ? { volumes: [{ name: 'creds', secret: { secretName: opts.secret } }] } : {}),
  },
});

export const deployment = (name: string, secret?: string): WorkloadLike => ({
  kind: 'Deployment',
  metadata: { name, namespace: NS },
  spec: {
    template: {
      spec: {
        containers: [{ name: 'app', ...(secret ? { envFrom: [{ secretRef: { name: secret } }] } : {}) }],
      },
    },
  },
});

export interface Fixture extends Partial<RbacSnapshot> {
  serviceAccounts?: Array<{ namespace: string; name: string }>;
  pods?: PodLike[];
  workloads?: WorkloadLike[];
  serverVersion?: { major: number; minor: number };
}

export function input(f: Fixture): WhoCanInput {
  return {
    secret: { namespace: NS, name: SECRET },
    rbac: {
      roles: f.roles ?? [],
      clusterRoles: f.clusterRoles ?? [],
      roleBindings: f.roleBindings ?? [],
      clusterRoleBindings: f.clusterRoleBindings ?? [],
    },
    serviceAccounts: f.serviceAccounts ?? [],
    pods: f.pods ?? [],
    workloads: f.workloads ?? [],
    serverVersion: f.serverVersion ?? { major: 1, minor: 37 },
  };
}

export function analyze(f: Fixture, options: Partial<WhoCanOptions> = {}) {
  return whoCan(input(f), { ...DEFAULT_OPTIONS, ...options });
}

/** Rows as compact strings: `path kind ns/subject verbs`, without the fixed system:masters row. */
export function summary(rows: readonly WhoCanRow[]): string[] {
  return rows
    .filter((r) => r.subject !== 'system:masters')
    .map((r) => {
      const who = r.namespace ? `${r.namespace}/${r.subject}` : r.subject;
      const verbs = r.verbs.map((v) => (r.fieldSelectedOnly.includes(v) ? `${v}(by-name)` : v)).join(',');
      return `${r.path} ${r.kind} ${who} ${verbs}`;
    });
}

export function find(
  rows: readonly WhoCanRow[],
  kind: string,
  subject: string,
  path = 'direct',
): WhoCanRow | undefined {
  return rows.find((r) => r.kind === kind && r.subject === subject && r.path === path);
}
