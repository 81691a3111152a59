// What each command needs from the API server: the one list that the README's
// permission table is rendered from, that rotate checks before its first write,
// and that the permission e2e test grants and takes away one by one.
import type { Kube } from './client.js';
import { CliError } from '../errors.js';

export interface Permission {
  verbs: string[];
  /** API group ("" for the core group). */
  group: string;
  resources: string[];
  /** `cluster`: in every namespace (or a cluster-scoped kind); `namespace`: in the Secret's namespace. */
  scope: 'cluster' | 'namespace';
  /** Without it the answer is still complete: it only says what it skipped (e.g. key checks). */
  optional?: string;
  /** Only asked for when the cluster serves the API (a CRD such as Gateway). */
  servedOnly?: boolean;
  /** Only with this flag. */
  flag?: string;
}

const WORKLOADS: Permission = {
  verbs: ['list'],
  group: 'apps',
  resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'],
  scope: 'namespace',
};
const BATCH: Permission = { verbs: ['list'], group: 'batch', resources: ['jobs', 'cronjobs'], scope: 'namespace' };
const RCS_PODS: Permission = {
  verbs: ['list'],
  group: '',
  resources: ['pods', 'replicationcontrollers'],
  scope: 'namespace',
};

const EXPOSURE: readonly Permission[] = [
  RCS_PODS,
  WORKLOADS,
  BATCH,
  { verbs: ['list'], group: '', resources: ['serviceaccounts'], scope: 'namespace' },
  { verbs: ['list'], group: 'networking.k8s.io', resources: ['ingresses'], scope: 'namespace' },
  { verbs: ['list'], group: 'gateway.networking.k8s.io', resources: ['gateways'], scope: 'cluster', servedOnly: true },
  { verbs: ['list'], group: 'storage.k8s.io', resources: ['storageclasses'], scope: 'cluster' },
  {
    verbs: ['list'],
    group: 'secrets-store.csi.x-k8s.io',
    resources: ['secretproviderclasses'],
    scope: 'namespace',
    servedOnly: true,
  },
  { verbs: ['get'], group: '', resources: ['secrets'], scope: 'namespace', optional: 'key names, sizes and types' },
];

/** Every binding and role, and the ServiceAccounts that group subjects expand to. */
const RBAC_LISTS: readonly Permission[] = [
  {
    verbs: ['list'],
    group: 'rbac.authorization.k8s.io',
    resources: ['clusterroles', 'clusterrolebindings', 'roles', 'rolebindings'],
    scope: 'cluster',
  },
  { verbs: ['list'], group: '', resources: ['serviceaccounts'], scope: 'cluster' },
];

export const COMMAND_PERMISSIONS = {
  'who-can': [
    ...RBAC_LISTS,
    RCS_PODS,
    WORKLOADS,
    BATCH,
    {
      verbs: ['list'],
      group: '',
      resources: ['secrets'],
      scope: 'namespace',
      optional: 'metadata only, for existence',
    },
    {
      verbs: ['create'],
      group: 'authorization.k8s.io',
      resources: ['subjectaccessreviews'],
      scope: 'cluster',
      flag: '--verify',
    },
  ],
  exposure: EXPOSURE,
  // The inventory: the same lists in every namespace, and the Secrets listed rather than read one by one.
  'exposure -A': EXPOSURE.map((p) => ({
    ...p,
    scope: 'cluster' as const,
    ...(p.resources.includes('secrets') ? { verbs: ['list'] } : {}),
  })),
  rotate: [
    {
      verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'],
      group: '',
      resources: ['secrets'],
      scope: 'namespace',
    },
    {
      verbs: ['get', 'list', 'patch'],
      group: 'apps',
      resources: ['deployments', 'statefulsets', 'daemonsets'],
      scope: 'namespace',
    },
    { verbs: ['get', 'list', 'patch'], group: 'batch', resources: ['cronjobs'], scope: 'namespace' },
    // Old ReplicaSets and ControllerRevisions: `kubectl rollout undo` needs the versions they name.
    { verbs: ['list'], group: 'apps', resources: ['replicasets'], scope: 'namespace' },
    {
      verbs: ['list'],
      group: 'apps',
      resources: ['controllerrevisions'],
      scope: 'namespace',
      optional: 'without it no version is deleted',
    },
    { verbs: ['list'], group: 'batch', resources: ['jobs'], scope: 'namespace' },
    {
      verbs: ['list'],
      group: '',
      resources: ['pods', 'replicationcontrollers', 'serviceaccounts'],
      scope: 'namespace',
    },
    { verbs: ['delete'], group: '', resources: ['pods'], scope: 'namespace' },
    { verbs: ['list'], group: 'networking.k8s.io', resources: ['ingresses'], scope: 'namespace' },
    // The consumer scan it shares with exposure: objects that name the Secret keep their version alive.
    {
      verbs: ['list'],
      group: 'gateway.networking.k8s.io',
      resources: ['gateways'],
      scope: 'cluster',
      servedOnly: true,
    },
    { verbs: ['list'], group: 'storage.k8s.io', resources: ['storageclasses'], scope: 'cluster' },
    {
      verbs: ['list'],
      group: 'secrets-store.csi.x-k8s.io',
      resources: ['secretproviderclasses'],
      scope: 'namespace',
      servedOnly: true,
    },
    {
      verbs: ['get', 'create', 'update', 'delete'],
      group: 'coordination.k8s.io',
      resources: ['leases'],
      scope: 'namespace',
    },
  ],
  audit: [],
  // Who-can's and exposure's lists (shared, so each is made once), then the Secret itself for its summary.
  investigate: [
    ...RBAC_LISTS,
    ...EXPOSURE.filter((p) => !p.resources.includes('serviceaccounts')),
    { verbs: ['list'], group: '', resources: ['secrets'], scope: 'cluster', flag: '--value-from-file' },
    {
      verbs: ['get'],
      group: '',
      resources: ['namespaces'],
      scope: 'cluster',
      flag: '--value-from-file -n',
      optional: 'tells a mistyped namespace from an empty one',
    },
  ],
  'least-privilege': RBAC_LISTS,
} satisfies Record<string, readonly Permission[]>;

export type PermissionCommand = keyof typeof COMMAND_PERMISSIONS;

/** One verb on one resource: the unit that is granted, taken away and checked. */
export interface Grant {
  verb: string;
  group: string;
  resource: string;
  scope: 'cluster' | 'namespace';
  optional: boolean;
  servedOnly: boolean;
  flag?: string;
}

export function grantsOf(command: PermissionCommand): Grant[] {
  return (COMMAND_PERMISSIONS[command] as readonly Permission[]).flatMap((p) =>
    p.resources.flatMap((resource) =>
      p.verbs.map((verb) => ({
        verb,
        group: p.group,
        resource,
        scope: p.scope,
        optional: p.optional !== undefined,
        servedOnly: p.servedOnly === true,
        ...(p.flag ? { flag: p.flag } : {}),
      })),
    ),
  );
}

/** "patch deployments.apps", as kubectl spells a resource of a group. */
export function grantText(g: Pick<Grant, 'verb' | 'group' | 'resource'>): string {
  return `${g.verb} ${g.resource}${g.group ? `.${g.group}` : ''}`;
}

/** The README's permission table, rendered from COMMAND_PERMISSIONS (a test keeps the README equal to it). */
export function permissionTable(): string {
  const cell = (ps: readonly Permission[]): string =>
    ps.length === 0
      ? 'none in the cluster; read access to the audit log files'
      : ps
          .map((p) => {
            const what = `${p.verbs.join(', ')} ${p.resources.map((r) => `\`${r}\``).join(', ')}${p.group ? ` (${p.group})` : ''}`;
            const where = p.scope === 'cluster' ? ' in all namespaces' : '';
            const notes = [
              p.optional ? `optional: ${p.optional}` : '',
              p.servedOnly ? 'where served' : '',
              p.flag ? `for ${p.flag}` : '',
            ]
              .filter((n) => n !== '')
              .join('; ');
            return `${what}${where}${notes ? ` [${notes}]` : ''}`;
          })
          .join('; ');
  const rows = Object.entries(COMMAND_PERMISSIONS).map(([command, ps]) => `| ${command} | ${cell(ps)} |`);
  return [
    '| command | permissions (verbs on resources; "in all namespaces" = cluster-wide) |',
    '|---|---|',
    ...rows,
  ].join('\n');
}

/**
 * Asks the API server (SelfSubjectAccessReview, which everyone may create) for
 * every permission a writing command needs, and returns those it lacks, so the
 * command can refuse before its first change.
 */
export async function missingPermissions(kube: Kube, command: PermissionCommand, namespace: string): Promise<string[]> {
  const grants = grantsOf(command).filter((g) => !g.optional && !g.servedOnly && !g.flag);
  const answers = await Promise.all(
    grants.map(async (g) => {
      const review = await kube.create<{ status?: { allowed?: boolean } }>(
        '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
        {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: {
            resourceAttributes: {
              verb: g.verb,
              group: g.group,
              resource: g.resource,
              ...(g.scope === 'namespace' ? { namespace } : {}),
            },
          },
        },
      );
      return review.status?.allowed === true
        ? undefined
        : `${grantText(g)}${g.scope === 'namespace' ? ` in namespace ${namespace}` : ''}`;
    }),
  );
  return answers.filter((a): a is string => a !== undefined);
}

/** Refuses, before any change, when the user lacks a permission the command needs (one line naming them all). */
export async function requirePermissions(kube: Kube, command: PermissionCommand, namespace: string): Promise<void> {
  const missing = await missingPermissions(kube, command, namespace);
  if (missing.length > 0) {
    throw new CliError(
      `cannot ${command}: missing permission${missing.length === 1 ? '' : 's'} ${missing.join(', ')} (nothing changed; see "Permissions it needs" in the README)`,
    );
  }
}
