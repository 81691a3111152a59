// Indirect paths to a Secret's value: permissions that are not "read the
// Secret" but lead there (k8s docs, "Privilege escalation paths" in
// RBAC good practices).
import type { PodLike, WorkloadLike } from '../consumers/rollup.js';
import type { Consumers } from './consumers.js';
import { readRequest, type SecretRef } from './direct.js';
import { ANY_NAMESPACE, bindingKey, type Grant, type RbacIndex, type RoleId } from './policy.js';
import type { ChainStep, PathKind, TargetRef } from './report.js';
import type { RowCollector, ServiceAccountDirectory } from './rows.js';
import { resourceNameMatches } from './rules.js';
import {
  identityKey,
  identityOfSubject,
  isEveryoneGroup,
  NODES_GROUP,
  isNodeUser,
  serviceAccountGroupScope,
  type Identity,
} from './subjects.js';
import type { RequestAttributes } from './types.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** Everything that creates pods from a template, as (apiGroup, resource, kind). */
export const POD_CREATORS = [
  { apiGroup: '', resource: 'pods', kind: 'Pod' },
  { apiGroup: 'apps', resource: 'deployments', kind: 'Deployment' },
  { apiGroup: 'apps', resource: 'replicasets', kind: 'ReplicaSet' },
  { apiGroup: 'apps', resource: 'statefulsets', kind: 'StatefulSet' },
  { apiGroup: 'apps', resource: 'daemonsets', kind: 'DaemonSet' },
  { apiGroup: 'batch', resource: 'jobs', kind: 'Job' },
  { apiGroup: 'batch', resource: 'cronjobs', kind: 'CronJob' },
  { apiGroup: '', resource: 'replicationcontrollers', kind: 'ReplicationController' },
] as const;

export interface IndirectInput {
  index: RbacIndex;
  secret: SecretRef;
  /** Pods and workloads of the Secret's namespace. */
  pods: readonly PodLike[];
  workloads: readonly WorkloadLike[];
  consumers: Consumers;
  /** Subjects that can read the Secret directly. */
  readers: readonly Identity[];
  serviceAccounts: ServiceAccountDirectory;
  /** Before Kubernetes 1.35, exec over WebSocket was authorized as `get pods/exec`. */
  execAllowsGet: boolean;
  rows: RowCollector;
  /** Subjects not to list (those that already read directly). */
  skip: (id: Identity) => boolean;
}

type Shape = Omit<RequestAttributes, 'verb' | 'name'>;

/**
 * Adds a step for each rule that allows one of `verbs` on the shape for at
 * least one target (no targets: a request without a name, like create).
 */
function addTargeted(
  input: IndirectInput,
  path: PathKind,
  verbs: readonly string[],
  shape: Shape,
  targets: readonly TargetRef[] | undefined,
  step: Omit<ChainStep, 'authorizer' | 'verbs'> & { action: string },
  skip: (id: Identity) => boolean = input.skip,
): void {
  const merged = new Map<string, { grant: Grant; verbs: Set<string>; targets: TargetRef[] | undefined }>();
  for (const verb of verbs) {
    for (const grant of input.index.grantsForAnyName({ ...shape, verb })) {
      const hit =
        targets === undefined ? undefined : targets.filter((t) => resourceNameMatches(grant.rule.rule, t.name));
      if (hit === undefined ? !resourceNameMatches(grant.rule.rule, undefined) : hit.length === 0) continue;
      const key = grantKey(grant);
      const entry = merged.get(key);
      if (entry) entry.verbs.add(verb);
      else merged.set(key, { grant, verbs: new Set([verb]), targets: hit });
    }
  }
  for (const { grant, verbs: allowed, targets: hit } of merged.values()) {
    input.rows.addGrant(
      grant,
      path,
      {
        ...step,
        verbs: [...allowed],
        action: `${[...allowed].join('/')} ${step.action}`,
        ...(hit ? { targets: hit } : {}),
      },
      skip,
    );
  }
}

const grantKey = (g: Grant): string =>
  `${bindingKey(g.binding)}|${g.role.kind}/${g.role.name}|${g.rule.index ?? `+${g.rule.aggregatedFrom}`}|${JSON.stringify(g.rule.rule)}`;

const resourceLabel = (apiGroup: string, resource: string, subresource?: string): string =>
  `${resource}${subresource ? `/${subresource}` : ''}${apiGroup ? `.${apiGroup}` : ''}`;

/** An impersonation request: users and groups are cluster-wide, ServiceAccounts in their namespace. */
const impersonation = (resource: string, namespace?: string): Shape => ({
  apiGroup: '',
  resource,
  ...(namespace ? { namespace } : {}),
});

/** The verbs of a pod creator's step: one array for all of them (steps are not changed once made). */
const CREATE: string[] = ['create'];

/** Create a pod (or a workload that makes pods) in the namespace: it can mount the Secret. */
export function addPodCreators(input: IndirectInput): void {
  const ns = input.secret.namespace;
  for (const t of POD_CREATORS) {
    addTargeted(
      input,
      'create-workload',
      ['create'],
      { apiGroup: t.apiGroup, resource: t.resource, namespace: ns },
      undefined,
      {
        action: resourceLabel(t.apiGroup, t.resource),
        note: 'a new pod in the namespace can mount the Secret or load it into env',
      },
    );
  }
  // A pod runs as any ServiceAccount of its namespace: creating pods where a
  // reader ServiceAccount lives hands out its token (in the Secret's own
  // namespace, creating a pod is a path already).
  for (const [saNamespace, sas] of serviceAccountReadersByNamespace(input)) {
    if (saNamespace === ns) continue;
    for (const t of POD_CREATORS) {
      const grants = input.index.grants({
        verb: 'create',
        apiGroup: t.apiGroup,
        resource: t.resource,
        namespace: saNamespace,
      });
      if (grants.length === 0) continue;
      // one base for the namespace's grants (thousands at 10,000 bindings): steps copy it
      const base = {
        verbs: CREATE,
        action: `create ${resourceLabel(t.apiGroup, t.resource)} in namespace ${saNamespace}`,
        targets: sas,
        actsAs: true,
        note: 'a pod running as a ServiceAccount that can read the Secret gets its token',
      };
      for (const grant of grants) input.rows.addGrant(grant, 'create-workload', base, input.skip);
    }
  }
}

/**
 * Patch or update a workload (a consumer already loads the Secret; any other
 * can be given a mount of it), or add an ephemeral container to a pod.
 */
export function addWorkloadModifiers(input: IndirectInput): void {
  const ns = input.secret.namespace;
  const consuming = new Set(input.consumers.workloads.map((w) => `${w.kind}/${w.metadata.name}`));
  for (const t of POD_CREATORS) {
    if (t.kind === 'Pod') continue;
    const existing = input.workloads
      .filter((w) => w.kind === t.kind)
      .map((w): TargetRef => ({
        kind: t.kind,
        name: w.metadata.name ?? '',
        ...(consuming.has(`${t.kind}/${w.metadata.name}`) ? { consumer: true } : {}),
      }))
      .sort((a, b) => Number(b.consumer === true) - Number(a.consumer === true));
    if (existing.length === 0) continue;
    addTargeted(
      input,
      'modify-workload',
      ['patch', 'update'],
      { apiGroup: t.apiGroup, resource: t.resource, namespace: ns },
      existing,
      {
        action: resourceLabel(t.apiGroup, t.resource),
        note: 'a changed pod template can load the Secret (consumers already do: change their command)',
      },
    );
  }
  const pods = input.pods.map((p): TargetRef => ({ kind: 'Pod', name: p.metadata.name ?? '' }));
  if (pods.length > 0) {
    addTargeted(
      input,
      'modify-workload',
      ['patch', 'update'],
      { apiGroup: '', resource: 'pods', subresource: 'ephemeralcontainers', namespace: ns },
      pods,
      {
        action: 'pods/ephemeralcontainers',
        note: 'an ephemeral container can load the Secret into its env',
      },
    );
  }
}

/** Exec or attach into a pod that loads the Secret. */
export function addExecutors(input: IndirectInput): void {
  const ns = input.secret.namespace;
  const pods = input.consumers.pods.map((p): TargetRef => ({
    kind: 'Pod',
    name: p.metadata.name ?? '',
    consumer: true,
  }));
  if (pods.length === 0) return;
  const execVerbs = input.execAllowsGet ? ['create', 'get'] : ['create'];
  addTargeted(input, 'exec', execVerbs, { apiGroup: '', resource: 'pods', subresource: 'exec', namespace: ns }, pods, {
    action: 'pods/exec',
  });
  addTargeted(
    input,
    'exec',
    ['create'],
    { apiGroup: '', resource: 'pods', subresource: 'attach', namespace: ns },
    pods,
    { action: 'pods/attach' },
  );
}

/**
 * Impersonate a reader. Users and groups are checked cluster-wide;
 * ServiceAccounts as `serviceaccounts` in their namespace (their groups come
 * along). Impersonating a group needs a user to impersonate too; a node user
 * needs the group system:nodes for the Node authorizer.
 */
export function addImpersonators(input: IndirectInput): void {
  const users = input.readers.filter((r) => r.kind === 'User').map((r): TargetRef => ({ kind: 'User', name: r.name }));
  const groups = readerGroups(input);
  const someUser = holders(input, ['impersonate'], impersonation('users'), undefined).concat(
    holders(input, ['impersonate'], impersonation('serviceaccounts', ANY_NAMESPACE), undefined),
  );
  const someUserKeys = new Set(someUser.map(identityKey));
  const nodesGroup = new Set(holders(input, ['impersonate'], impersonation('groups'), NODES_GROUP).map(identityKey));

  const plainUsers = users.filter((u) => !isNodeUser(u.name));
  const nodeUsers = users.filter((u) => isNodeUser(u.name));
  const step = (what: string) => ({
    action: what,
    actsAs: true,
    note: 'impersonating a subject that can read the Secret',
  });
  if (plainUsers.length > 0)
    addTargeted(input, 'impersonate', ['impersonate'], impersonation('users'), plainUsers, step('users'));
  if (nodeUsers.length > 0) {
    addTargeted(
      input,
      'impersonate',
      ['impersonate'],
      impersonation('users'),
      nodeUsers,
      { ...step('users'), note: `also impersonates group ${NODES_GROUP}` },
      (id) => input.skip(id) || !nodesGroup.has(identityKey(id)),
    );
  }
  if (groups.length > 0) {
    addTargeted(
      input,
      'impersonate',
      ['impersonate'],
      impersonation('groups'),
      groups,
      { ...step('groups'), note: 'with any user it may impersonate' },
      (id) => input.skip(id) || !someUserKeys.has(identityKey(id)),
    );
  }
  for (const [namespace, sas] of serviceAccountReadersByNamespace(input)) {
    addTargeted(
      input,
      'impersonate',
      ['impersonate'],
      impersonation('serviceaccounts', namespace),
      sas,
      step('serviceaccounts'),
    );
  }
}

/** Mint a token for a reader ServiceAccount (TokenRequest). */
export function addTokenMinters(input: IndirectInput): void {
  for (const [namespace, sas] of serviceAccountReadersByNamespace(input)) {
    addTargeted(
      input,
      'sa-token',
      ['create'],
      { apiGroup: '', resource: 'serviceaccounts', subresource: 'token', namespace },
      sas,
      {
        action: 'serviceaccounts/token',
      },
    );
  }
}

/**
 * Grant oneself the permission: escalate (write roles beyond one's own
 * rights), bind (reference a role in a binding) and create bindings.
 */
export function addRbacEscalators(input: IndirectInput): void {
  const ns = input.secret.namespace;
  const rbac = (resource: string, namespace?: string): Shape => ({
    apiGroup: RBAC_GROUP,
    resource,
    ...(namespace ? { namespace } : {}),
  });
  const reads = ['get', 'list', 'watch'].map((verb) => readRequest(input.secret, verb, true));
  const readsIt = (role: RoleId): boolean => reads.some((req) => input.index.roleAllows(role, req));
  const names = input.index.roleNames(ns);
  const roles = names.roles
    .filter((name) => readsIt({ kind: 'Role', name, namespace: ns }))
    .map((name): TargetRef => ({ kind: 'Role', name, namespace: ns }));
  const clusterRoles = names.clusterRoles
    .filter((name) => readsIt({ kind: 'ClusterRole', name }))
    .map((name): TargetRef => ({ kind: 'ClusterRole', name }));
  // A RoleBinding in the namespace is authorized with `bind` in that namespace, even for a ClusterRole.
  if (roles.length > 0)
    addTargeted(input, 'rbac-escalation', ['bind'], rbac('roles', ns), roles, {
      action: 'roles',
      note: 'can bind a role that reads the Secret (with create rolebindings)',
    });
  if (clusterRoles.length > 0) {
    addTargeted(input, 'rbac-escalation', ['bind'], rbac('clusterroles', ns), clusterRoles, {
      action: 'clusterroles',
      note: 'can bind a ClusterRole that reads the Secret (with create rolebindings)',
    });
  }
  addTargeted(input, 'rbac-escalation', ['escalate'], rbac('roles', ns), undefined, {
    action: 'roles',
    note: 'can give a role permissions it does not hold (with create/update roles)',
  });
  addTargeted(input, 'rbac-escalation', ['escalate'], rbac('clusterroles'), undefined, {
    action: 'clusterroles',
    note: 'can give a ClusterRole permissions it does not hold (with create/update clusterroles)',
  });
  addTargeted(input, 'rbac-escalation', ['create'], rbac('rolebindings', ns), undefined, {
    action: 'rolebindings',
    note: 'with bind on a role that reads the Secret, or holding its permissions',
  });
  addTargeted(input, 'rbac-escalation', ['create'], rbac('clusterrolebindings'), undefined, {
    action: 'clusterrolebindings',
    note: 'with bind on a ClusterRole that reads the Secret, or holding its permissions',
  });
}

/** The kubelet API (nodes/proxy) of a node running a pod that loads the Secret: exec into it there. */
export function addNodeProxies(input: IndirectInput): void {
  const nodes = [...input.consumers.nodes.keys()].map((name): TargetRef => ({ kind: 'Node', name }));
  if (nodes.length === 0) return;
  addTargeted(
    input,
    'nodes-proxy',
    ['get', 'create'],
    { apiGroup: '', resource: 'nodes', subresource: 'proxy' },
    nodes,
    {
      action: 'nodes/proxy',
      note: "the kubelet API runs commands in the node's pods",
    },
  );
}

/**
 * The namespaces besides the Secret's whose RoleBindings (and Roles) the paths above read, given the direct
 * readers: those of reader ServiceAccounts (pods created there run as them, impersonating them, minting their
 * tokens). 'all' when impersonating a reader group hinges on who may impersonate some ServiceAccount anywhere:
 * a group impersonator that ClusterRoleBindings alone do not let impersonate a user.
 */
export function namespacesRead(input: IndirectInput): string[] | 'all' {
  const groups = readerGroups(input);
  if (groups.length > 0) {
    const someUser = new Set(
      holders(input, ['impersonate'], impersonation('users'), undefined)
        .concat(holders(input, ['impersonate'], impersonation('serviceaccounts'), undefined))
        .map(identityKey),
    );
    const impersonators = groups.flatMap((g) => holders(input, ['impersonate'], impersonation('groups'), g.name));
    if (impersonators.some((id) => !someUser.has(identityKey(id)))) return 'all';
  }
  const namespaces = new Set(serviceAccountReadersByNamespace(input).keys());
  namespaces.delete(input.secret.namespace);
  return [...namespaces].sort();
}

function readerGroups(input: IndirectInput): TargetRef[] {
  return input.readers
    .filter((r) => r.kind === 'Group' && !isEveryoneGroup(r))
    .map((r): TargetRef => ({ kind: 'Group', name: r.name }));
}

function serviceAccountReadersByNamespace(input: IndirectInput): Map<string, TargetRef[]> {
  const out = new Map<string, TargetRef[]>();
  for (const r of input.readers) {
    if (r.kind !== 'ServiceAccount') continue;
    const list = out.get(r.namespace!) ?? [];
    list.push({ kind: 'ServiceAccount', name: r.name, namespace: r.namespace! });
    out.set(r.namespace!, list);
  }
  return out;
}

/** Identities (ServiceAccount groups expanded) holding a permission for a name (undefined: any name). */
function holders(input: IndirectInput, verbs: readonly string[], shape: Shape, name: string | undefined): Identity[] {
  const out: Identity[] = [];
  for (const verb of verbs) {
    for (const grant of input.index.grantsForAnyName({ ...shape, verb })) {
      if (name !== undefined && !resourceNameMatches(grant.rule.rule, name)) continue;
      for (const subject of grant.subjects) {
        const id = identityOfSubject(subject, grant.bindingNamespace);
        if (!id) continue;
        out.push(id);
        const scope = id.kind === 'Group' ? serviceAccountGroupScope(id.name) : undefined;
        if (scope !== undefined) out.push(...input.serviceAccounts.members(scope));
      }
    }
  }
  return out;
}
