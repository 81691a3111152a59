// The RBAC authorizer's view of a snapshot: which bindings apply to a request
// and which of their rules allow it (plugin/pkg/auth/authorizer/rbac).
import { effectiveClusterRoles, type EffectiveClusterRole, type EffectiveRule } from './aggregation.js';
import { resourceNameMatches, ruleAllows, ruleAllowsSomeName } from './rules.js';
import type { Binding, RbacSnapshot, RequestAttributes, Role, Subject } from './types.js';

export interface BindingId {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  name: string;
  namespace?: string;
}

export const bindingKey = (b: BindingId): string => `${b.kind}/${b.namespace ?? ''}/${b.name}`;

/** How a binding reads in messages: RoleBinding ns/name, ClusterRoleBinding name. */
export const bindingLabel = (b: BindingId): string => `${b.kind} ${b.namespace ? `${b.namespace}/` : ''}${b.name}`;

export interface RoleId {
  kind: 'Role' | 'ClusterRole';
  name: string;
  namespace?: string;
}

/** One rule of one bound role that allows a request, and who it is bound to. */
export interface Grant {
  binding: BindingId;
  role: RoleId;
  rule: EffectiveRule;
  subjects: Subject[];
  /** RoleBindings: their namespace (ServiceAccount subjects default to it). */
  bindingNamespace?: string;
}

/** A binding whose role does not exist: it grants nothing (until someone creates the role). */
export interface DanglingBinding {
  binding: BindingId;
  role: RoleId;
  subjects: Subject[];
}

/** As the namespace of a request: a request in some namespace, whichever. */
export const ANY_NAMESPACE = '*';

interface ResolvedBinding {
  id: BindingId;
  role: RoleId;
  rules: EffectiveRule[] | undefined;
  subjects: Subject[];
  namespace?: string;
  /** The grants of its rules, made when a question first needs them (one object per rule: callers compare them). */
  grants?: Array<Grant | undefined>;
}

/** Positions of a role's rules by the resource each names (`secrets`, `pods/exec`, `*`, `*\/exec`). */
type RulesByResource = Map<string, number[]>;

/**
 * The bindings of one scope (the ClusterRoleBindings, or one namespace's RoleBindings) grouped by the rules of
 * the role they reference: a question looks at the roles (a few thousand) that have a rule naming its resource,
 * then at the bindings of those roles only, never at every binding (there may be 100,000).
 */
class ScopeBindings {
  private readonly byRules = new Map<EffectiveRule[], number[]>();
  /** More than any role's number of rules. */
  private stride = 1;
  /** Made by the first question: it then looks at the roles naming its resource only, not at every role. */
  private resources: ScopeByResource | undefined;

  constructor(
    readonly bindings: readonly ResolvedBinding[],
    /** Each role's rules by resource, shared by the scopes (a ClusterRole's rules serve many). */
    private readonly rulesByResource: RulesByResourceCache,
  ) {
    bindings.forEach((b, i) => {
      if (!b.rules || b.subjects.length === 0) return;
      this.stride = Math.max(this.stride, b.rules.length + 1);
      let list = this.byRules.get(b.rules);
      if (!list) this.byRules.set(b.rules, (list = []));
      list.push(i);
    });
  }

  private byResource(): ScopeByResource {
    if (this.resources) return this.resources;
    const out: ScopeByResource = new Map();
    for (const [rules, bindings] of this.byRules) {
      let index = this.rulesByResource.get(rules);
      if (!index) this.rulesByResource.set(rules, (index = byResource(rules)));
      for (const [resource, positions] of index) {
        let list = out.get(resource);
        if (!list) out.set(resource, (list = []));
        list.push({ rules, positions, bindings });
      }
    }
    return (this.resources = out);
  }

  /**
   * Grants whose rule names one of `keys` and allows the request (for some name), ordered by the first key
   * that matches, then by binding, then by rule: as if every (binding, rule) were scanned in that order.
   */
  select(keys: readonly string[], req: Omit<RequestAttributes, 'name'>): Grant[] {
    const out: Grant[] = [];
    const seen = new Set<Grant>();
    const byResource = this.byResource();
    for (const key of keys) {
      // (binding, rule) pairs as one number, binding * stride + rule, so that sorting them is a numeric sort
      const found: number[] = [];
      const stride = this.stride;
      for (const { rules, positions, bindings } of byResource.get(key) ?? []) {
        const allowed = positions.filter((p) => ruleAllowsSomeName(rules[p]!.rule, req));
        for (const b of bindings) for (const p of allowed) found.push(b * stride + p);
      }
      found.sort((x, y) => x - y);
      for (const pair of found) {
        const grant = grantOf(this.bindings[Math.floor(pair / stride)]!, pair % stride);
        if (!seen.has(grant)) {
          seen.add(grant);
          out.push(grant);
        }
      }
    }
    return out;
  }
}

type RulesByResourceCache = Map<EffectiveRule[], RulesByResource>;

/** The roles of a scope that have rules naming a resource, with those rules and the bindings of each role. */
type ScopeByResource = Map<string, Array<{ rules: EffectiveRule[]; positions: number[]; bindings: number[] }>>;

function grantOf(b: ResolvedBinding, position: number): Grant {
  b.grants ??= [];
  let grant = b.grants[position];
  if (!grant) {
    grant = { binding: b.id, role: b.role, rule: b.rules![position]!, subjects: b.subjects };
    if (b.namespace !== undefined) grant.bindingNamespace = b.namespace;
    b.grants[position] = grant;
  }
  return grant;
}

function byResource(rules: readonly EffectiveRule[]): RulesByResource {
  const out: RulesByResource = new Map();
  rules.forEach((r, position) => {
    for (const resource of r.rule.resources ?? []) {
      let list = out.get(resource);
      if (!list) out.set(resource, (list = []));
      if (list[list.length - 1] !== position) list.push(position); // once per rule, however often it names it
    }
  });
  return out;
}

export class RbacIndex {
  readonly clusterRoles: Map<string, EffectiveClusterRole>;
  /** Roles' rules by namespace, then name. */
  private readonly roles = new Map<string, Map<string, EffectiveRule[]>>();
  /** The RoleIds bindings reference, by namespace (undefined: ClusterRoles), then name: one for all of them. */
  private readonly roleIds = new Map<string | undefined, Map<string, RoleId>>();
  private readonly clusterBindings: ResolvedBinding[];
  private readonly bindingsByNamespace = new Map<string, ResolvedBinding[]>();
  private readonly clusterScope: ScopeBindings;
  private readonly namespaceScopes = new Map<string, ScopeBindings>();
  private readonly rulesByResource: RulesByResourceCache = new Map();
  private readonly cache = new Map<string, Grant[]>();
  private readonly clusterCache = new Map<string, Grant[]>();

  constructor(snapshot: RbacSnapshot) {
    this.clusterRoles = effectiveClusterRoles(snapshot.clusterRoles);
    this.clusterBindings = snapshot.clusterRoleBindings.map((b) => this.resolve(b, 'ClusterRoleBinding', undefined));
    this.clusterScope = new ScopeBindings(this.clusterBindings, this.rulesByResource);
    this.addNamespaces(snapshot.roles, snapshot.roleBindings);
  }

  /**
   * Adds Roles and RoleBindings, but those of `except` (a namespace indexed already: the Secret's, when the
   * other namespaces' arrive later). Questions answered before are forgotten.
   */
  addNamespaces(roles: readonly Role[], roleBindings: readonly Binding[], except?: string): void {
    for (const role of roles) {
      if (except !== undefined && role.metadata.namespace === except) continue;
      const ns = role.metadata.namespace ?? '';
      let byName = this.roles.get(ns);
      if (!byName) this.roles.set(ns, (byName = new Map()));
      byName.set(
        role.metadata.name ?? '',
        (role.rules ?? []).map((rule, index) => ({ rule, index })),
      );
    }
    const added = new Set<string>();
    for (const b of roleBindings) {
      const ns = b.metadata.namespace ?? '';
      if (ns === except) continue;
      let list = this.bindingsByNamespace.get(ns);
      if (!list) this.bindingsByNamespace.set(ns, (list = []));
      list.push(this.resolve(b, 'RoleBinding', ns));
      added.add(ns);
    }
    for (const ns of added)
      this.namespaceScopes.set(ns, new ScopeBindings(this.bindingsByNamespace.get(ns)!, this.rulesByResource));
    this.cache.clear();
  }

  private resolve(b: Binding, kind: BindingId['kind'], namespace: string | undefined): ResolvedBinding {
    const id: BindingId =
      namespace === undefined
        ? { kind, name: b.metadata.name ?? '' }
        : { kind, name: b.metadata.name ?? '', namespace };
    const subjects = b.subjects ?? [];
    // A ClusterRoleBinding can only reference a ClusterRole; a RoleBinding either.
    if (b.roleRef.kind === 'Role' && namespace !== undefined) {
      const name = b.roleRef.name;
      return {
        id,
        role: this.roleId(namespace, name),
        rules: this.roles.get(namespace)?.get(name),
        subjects,
        namespace,
      };
    }
    // (the namespace set apart: a conditional spread costs an object for each of thousands of bindings)
    const resolved: ResolvedBinding =
      b.roleRef.kind === 'ClusterRole'
        ? {
            id,
            role: this.roleId(undefined, b.roleRef.name),
            rules: this.clusterRoles.get(b.roleRef.name)?.rules,
            subjects,
          }
        : { id, role: { kind: 'Role', name: b.roleRef.name }, rules: undefined, subjects };
    if (namespace !== undefined) resolved.namespace = namespace;
    return resolved;
  }

  /** The Role `name` of `namespace` (undefined: the ClusterRole) as bindings reference it: one object for all. */
  private roleId(namespace: string | undefined, name: string): RoleId {
    let byName = this.roleIds.get(namespace);
    if (!byName) this.roleIds.set(namespace, (byName = new Map()));
    let id = byName.get(name);
    if (!id)
      byName.set(
        name,
        (id = namespace === undefined ? { kind: 'ClusterRole', name } : { kind: 'Role', name, namespace }),
      );
    return id;
  }

  /** Bindings that apply to requests in `namespace` (undefined: cluster-scoped requests; '*': any namespace). */
  private applicable(namespace: string | undefined): ResolvedBinding[] {
    if (namespace === undefined) return this.clusterBindings;
    if (namespace === ANY_NAMESPACE) return [...this.clusterBindings, ...[...this.bindingsByNamespace.values()].flat()];
    return [...this.clusterBindings, ...(this.bindingsByNamespace.get(namespace) ?? [])];
  }

  /** Every rule that allows the request, with its binding and role. */
  grants(req: RequestAttributes): Grant[] {
    return this.grantsForAnyName(req).filter((g) => resourceNameMatches(g.rule.rule, req.name));
  }

  /** Rules that allow the request for some name (check resourceNames afterwards). Cached per request shape. */
  grantsForAnyName(req: Omit<RequestAttributes, 'name'>): Grant[] {
    const key = JSON.stringify([req.verb, req.apiGroup, req.resource, req.subresource ?? '', req.namespace ?? null]);
    const hit = this.cache.get(key);
    if (hit) return hit;
    const keys = req.subresource
      ? [`${req.resource}/${req.subresource}`, '*', `*/${req.subresource}`]
      : [req.resource, '*'];
    const select = (scope: ScopeBindings | undefined): Grant[] => scope?.select(keys, req) ?? [];
    // ClusterRoleBindings answer the same for every namespace: select them once per shape.
    const clusterKey = JSON.stringify([req.verb, req.apiGroup, req.resource, req.subresource ?? '']);
    let cluster = this.clusterCache.get(clusterKey);
    if (!cluster) this.clusterCache.set(clusterKey, (cluster = select(this.clusterScope)));
    let out = cluster;
    if (req.namespace === ANY_NAMESPACE) out = [...cluster, ...[...this.namespaceScopes.values()].flatMap(select)];
    else if (req.namespace !== undefined) out = [...cluster, ...select(this.namespaceScopes.get(req.namespace))];
    this.cache.set(key, out);
    return out;
  }

  /** Bindings applying in `namespace` whose role is missing. */
  dangling(namespace: string | undefined): DanglingBinding[] {
    return this.applicable(namespace)
      .filter((b) => b.rules === undefined)
      .map((b) => ({ binding: b.id, role: b.role, subjects: b.subjects }));
  }

  /** Aggregated ClusterRoles referenced by bindings applying in `namespace` whose stored rules lag behind. */
  unreconciledInUse(namespace: string | undefined): EffectiveClusterRole[] {
    const names = new Set(
      this.applicable(namespace)
        .filter((b) => b.role.kind === 'ClusterRole')
        .map((b) => b.role.name),
    );
    return [...names]
      .map((n) => this.clusterRoles.get(n))
      .filter((cr): cr is EffectiveClusterRole => cr?.unreconciled === true);
  }

  /** A role's rules with their positions (a ClusterRole's aggregated), by kind and name (Roles in `namespace`). */
  rulesOf(role: RoleId): EffectiveRule[] {
    const rules =
      role.kind === 'ClusterRole'
        ? this.clusterRoles.get(role.name)?.rules
        : this.roles.get(role.namespace ?? '')?.get(role.name);
    return rules ?? [];
  }

  /** Whether a role (by kind and name, Roles in `namespace`) has a rule allowing the request. */
  roleAllows(role: RoleId, req: RequestAttributes): boolean {
    return this.rulesOf(role).some((r) => ruleAllows(r.rule, req));
  }

  /** Names of Roles in a namespace and of all ClusterRoles. */
  roleNames(namespace: string): { roles: string[]; clusterRoles: string[] } {
    return {
      roles: [...(this.roles.get(namespace)?.keys() ?? [])],
      clusterRoles: [...this.clusterRoles.keys()],
    };
  }
}
