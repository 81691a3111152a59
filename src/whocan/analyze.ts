// who-can's answer from plain data: direct readers, then the indirect paths.
import type { PodLike, WorkloadLike } from '../consumers/rollup.js';
import { findConsumers, type Consumers } from './consumers.js';
import { addNodeReaders, addRbacReaders, addSuperusers, type SecretRef } from './direct.js';
import {
  addExecutors,
  addImpersonators,
  addNodeProxies,
  addPodCreators,
  addRbacEscalators,
  addTokenMinters,
  addWorkloadModifiers,
  namespacesRead,
  type IndirectInput,
} from './indirect.js';
import { bindingLabel, RbacIndex, type DanglingBinding } from './policy.js';
import { READ_VERBS, rowIdentity, type ReadVerb, type WhoCanRow } from './report.js';
import { RowCollector, ServiceAccountDirectory } from './rows.js';
import { identityKey, identityLabel, type Identity, type SubjectKind } from './subjects.js';
import type { RbacSnapshot } from './types.js';

export interface WhoCanInput {
  secret: SecretRef;
  rbac: RbacSnapshot;
  /** ServiceAccounts that exist (for the system:serviceaccounts groups). */
  serviceAccounts: ReadonlyArray<{ namespace: string; name: string }>;
  /** Pods and workloads of the Secret's namespace. */
  pods: readonly PodLike[];
  workloads: readonly WorkloadLike[];
  /** The API server's version; undefined when unknown (then the pre-1.35 exec rule is assumed). */
  serverVersion?: { major: number; minor: number } | undefined;
}

export interface WhoCanOptions {
  verbs: readonly ReadVerb[];
  indirect: boolean;
  /** Also list indirect paths of subjects that can read directly. */
  allPaths: boolean;
  subjectKinds?: readonly SubjectKind[] | undefined;
  /** List control-plane components one by one instead of counting them in metadata. */
  includeSystem?: boolean | undefined;
}

export interface WhoCanAnswer {
  rows: WhoCanRow[];
  dangling: DanglingBinding[];
  /** Everyone-groups and unreconciled aggregation (dangling bindings are in `dangling`). */
  warnings: string[];
  /** ServiceAccounts bound directly that are not among those listed ("ns/name"): a grant left behind, if they were. */
  missingServiceAccounts: string[];
  consumers: { pods: string[]; workloads: string[]; nodes: string[] };
}

export const DEFAULT_OPTIONS: WhoCanOptions = { verbs: READ_VERBS, indirect: true, allPaths: false };

export function whoCan(input: WhoCanInput, options: WhoCanOptions = DEFAULT_OPTIONS): WhoCanAnswer {
  const { index, serviceAccounts, rows } =
    takeDirectReaders(input, options.verbs) ?? directReaders(input, options.verbs);
  const consumers = findConsumers(input.secret.name, input.pods, input.workloads);
  addNodeReaders(consumers, options.verbs, rows);

  if (options.indirect) {
    const indirect = indirectInput(input, options, { index, serviceAccounts, rows, consumers });
    addPodCreators(indirect);
    addWorkloadModifiers(indirect);
    addExecutors(indirect);
    addImpersonators(indirect);
    addTokenMinters(indirect);
    addRbacEscalators(indirect);
    addNodeProxies(indirect);
  }

  let built = rows.build();
  if (options.subjectKinds && options.subjectKinds.length > 0)
    built = built.filter((r) => options.subjectKinds!.includes(r.kind));
  const dangling = index.dangling(input.secret.namespace);
  return {
    rows: built,
    dangling,
    warnings: warningsFor(built, index, input.secret),
    missingServiceAccounts: [
      ...new Set(
        built
          .filter(
            (r) => r.kind === 'ServiceAccount' && r.path === 'direct' && !serviceAccounts.has(r.namespace, r.subject),
          )
          .map((r) => `${r.namespace}/${r.subject}`),
      ),
    ],
    consumers: {
      pods: consumers.pods.map((p) => p.metadata.name ?? ''),
      workloads: consumers.workloads.map((w) => `${w.kind}/${w.metadata.name ?? ''}`),
      nodes: [...consumers.nodes.keys()],
    },
  };
}

/**
 * The namespaces besides the Secret's whose RoleBindings and Roles the indirect paths read, from a snapshot that
 * holds the ClusterRoleBindings and the Secret's namespace's RoleBindings (all that direct readers depend on):
 * the loader lists only those ('all': every namespace).
 */
export function indirectNamespaces(
  input: Pick<WhoCanInput, 'secret' | 'rbac' | 'serviceAccounts'>,
  options: Pick<WhoCanOptions, 'verbs' | 'allPaths'>,
): string[] | 'all' {
  const direct = directReaders(input, options.verbs);
  worked.set(input.rbac.clusterRoleBindings, {
    secret: input.secret,
    verbs: options.verbs,
    rbac: input.rbac,
    serviceAccounts: input.serviceAccounts,
    direct,
  });
  // Node users read too, but the only path through them (impersonating them) is cluster-wide.
  const consumers: Consumers = { pods: [], workloads: [], nodes: new Map() };
  return namespacesRead(
    indirectInput({ ...input, pods: [], workloads: [] }, { ...options, indirect: true }, { ...direct, consumers }),
  );
}

type DirectReaders = { index: RbacIndex; serviceAccounts: ServiceAccountDirectory; rows: RowCollector };

/**
 * The direct readers indirectNamespaces worked out while the other namespaces loaded, by the ClusterRoleBindings
 * they were read from: whoCan goes on from them (adding the other namespaces to the index) instead of starting
 * over, when it is asked about the same Secret and verbs with those very lists. Used once.
 */
const worked = new WeakMap<
  object,
  {
    secret: SecretRef;
    verbs: readonly ReadVerb[];
    rbac: RbacSnapshot;
    serviceAccounts: WhoCanInput['serviceAccounts'];
    direct: DirectReaders;
  }
>();

function takeDirectReaders(input: WhoCanInput, verbs: readonly ReadVerb[]): DirectReaders | undefined {
  const w = worked.get(input.rbac.clusterRoleBindings);
  if (!w) return undefined;
  worked.delete(input.rbac.clusterRoleBindings);
  const ns = input.secret.namespace;
  const same =
    w.secret.namespace === ns &&
    w.secret.name === input.secret.name &&
    w.verbs.length === verbs.length &&
    w.verbs.every((v, i) => v === verbs[i]) &&
    w.rbac.clusterRoles === input.rbac.clusterRoles &&
    w.serviceAccounts === input.serviceAccounts &&
    sameItems(
      w.rbac.roles,
      input.rbac.roles.filter((r) => r.metadata.namespace === ns),
    ) &&
    sameItems(
      w.rbac.roleBindings,
      input.rbac.roleBindings.filter((b) => b.metadata.namespace === ns),
    );
  if (!same) return undefined;
  w.direct.index.addNamespaces(input.rbac.roles, input.rbac.roleBindings, ns);
  return w.direct;
}

/** The same objects (the Secret's namespace's, as indirectNamespaces had them), in the same order. */
const sameItems = (a: readonly object[], b: readonly object[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** system:masters and RBAC's readers: everything indirect paths start from but the Node authorizer's. */
function directReaders(input: Pick<WhoCanInput, 'secret' | 'rbac' | 'serviceAccounts'>, verbs: readonly ReadVerb[]) {
  const index = new RbacIndex(input.rbac);
  const serviceAccounts = new ServiceAccountDirectory(input.serviceAccounts);
  const rows = new RowCollector(serviceAccounts);
  addSuperusers(verbs, rows);
  addRbacReaders(index, input.secret, verbs, rows);
  return { index, serviceAccounts, rows };
}

function indirectInput(
  input: WhoCanInput,
  options: WhoCanOptions,
  { index, serviceAccounts, rows, consumers }: DirectReaders & { consumers: Consumers },
): IndirectInput {
  const readers = rows.identities('direct');
  const readerKeys = new Set(readers.map(identityKey));
  return {
    index,
    secret: input.secret,
    pods: input.pods,
    workloads: input.workloads,
    consumers,
    readers,
    serviceAccounts,
    execAllowsGet: execAllowsGet(input.serverVersion),
    rows,
    skip: options.allPaths ? () => false : (id: Identity) => readerKeys.has(rows.keyOf(id)),
  };
}

/** Since 1.35 (WebSocket exec needs `create`), `get pods/exec` no longer lets anyone in. */
export function execAllowsGet(version: { major: number; minor: number } | undefined): boolean {
  if (!version) return true;
  return version.major < 1 || (version.major === 1 && version.minor < 35);
}

function warningsFor(rows: readonly WhoCanRow[], index: RbacIndex, secret: SecretRef): string[] {
  const warnings: string[] = [];
  for (const row of rows) {
    if (!row.everyone) continue;
    const who = rowIdentity(row);
    const scope =
      who.name === 'system:authenticated'
        ? 'EVERY authenticated user and ServiceAccount'
        : 'EVERY anonymous request (if anonymous auth is on)';
    warnings.push(
      `${identityLabel(who)} ${row.path === 'direct' ? 'can read' : `has an indirect path (${row.path}) to`} ${secret.namespace}/${secret.name}: that is ${scope}`,
    );
  }
  for (const cr of index.unreconciledInUse(secret.namespace)) {
    warnings.push(
      `ClusterRole ${cr.name} is aggregated but its stored rules differ from its labelled children (aggregation not reconciled yet): counted both`,
    );
  }
  return warnings;
}

export function danglingWarning(d: DanglingBinding): string {
  return `${bindingLabel(d.binding)} references ${d.role.kind} ${d.role.name}, which does not exist: it grants nothing (dangling)`;
}
