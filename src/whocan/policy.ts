// The RBAC authorizer's view of a snapshot: which bindings apply to a request
// and which of their rules allow it (plugin/pkg/auth/authorizer/rbac).
import { effectiveClusterRoles, type EffectiveClusterRole, type EffectiveRule } from './aggregation.js';
import { resourceNameMatches, ruleAllows, ruleAllowsSomeName } from './rules.js';
import type { Binding, RbacSnapshot, RequestAttributes, Subject } from './types.js';

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
}

/**
 * The grants of a set of bindings, bucketed by the resource each rule names
 * (`secrets`, `pods/exec`, `*`, `*\/exec`), so that a question only looks at
 * rules that can possibly match it.
 */
class RuleBuckets {
  private readonly byResource = new Map<string, Grant[]>();

  add(grant: Grant): void {
    for (const resource of new Set(grant.rule.rule.resources ?? [])) {
      let list = this.byResource.get(resource);
      if (!list) this.byResource.set(resource, (list = []));
      list.push(grant);
    }
  }

  candidates(resource: string, subresource: string | undefined, into: Set<Grant>): void {
    const keys = subresource ? [`${resource}/${subresource}`, '*', `*/${subresource}`] : [resource, '*'];
    for (const key of keys) for (const g of this.byResource.get(key) ?? []) into.add(g);
  }
}

export class RbacIndex {
  readonly clusterRoles: Map<string, EffectiveClusterRole>;
  private readonly roles = new Map<string, EffectiveRule[]>();
  private readonly clusterBindings: ResolvedBinding[];
  private readonly bindingsByNamespace = new Map<string, ResolvedBinding[]>();
  private readonly clusterRules = new RuleBuckets();
  private readonly namespaceRules = new Map<string, RuleBuckets>();
  private readonly cache = new Map<string, Grant[]>();
  private readonly clusterCache = new Map<string, Grant[]>();

  constructor(snapshot: RbacSnapshot) {
    this.clusterRoles = effectiveClusterRoles(snapshot.clusterRoles);
    for (const role of snapshot.roles) {
      this.roles.set(
        `${role.metadata.namespace ?? ''}/${role.metadata.name ?? ''}`,
        (role.rules ?? []).map((rule, index) => ({ rule, index })),
      );
    }
    this.clusterBindings = snapshot.clusterRoleBindings.map((b) => this.resolve(b, 'ClusterRoleBinding', undefined));
    for (const b of snapshot.roleBindings) {
      const ns = b.metadata.namespace ?? '';
      let list = this.bindingsByNamespace.get(ns);
      if (!list) this.bindingsByNamespace.set(ns, (list = []));
      list.push(this.resolve(b, 'RoleBinding', ns));
    }
    const bucket = (bindings: ResolvedBinding[], into: RuleBuckets): void => {
      for (const b of bindings) {
        if (!b.rules || b.subjects.length === 0) continue;
        for (const rule of b.rules) {
          into.add({
            binding: b.id,
            role: b.role,
            rule,
            subjects: b.subjects,
            ...(b.namespace === undefined ? {} : { bindingNamespace: b.namespace }),
          });
        }
      }
    };
    bucket(this.clusterBindings, this.clusterRules);
    for (const [ns, bindings] of this.bindingsByNamespace) {
      const buckets = new RuleBuckets();
      bucket(bindings, buckets);
      this.namespaceRules.set(ns, buckets);
    }
  }

  private resolve(b: Binding, kind: BindingId['kind'], namespace: string | undefined): ResolvedBinding {
    const id: BindingId =
      namespace === undefined
        ? { kind, name: b.metadata.name ?? '' }
        : { kind, name: b.metadata.name ?? '', namespace };
    const subjects = b.subjects ?? [];
    // A ClusterRoleBinding can only reference a ClusterRole; a RoleBinding either.
    if (b.roleRef.kind === 'Role' && namespace !== undefined) {
      const role: RoleId = { kind: 'Role', name: b.roleRef.name, namespace };
      return { id, role, rules: this.roles.get(`${namespace}/${b.roleRef.name}`), subjects, namespace };
    }
    if (b.roleRef.kind === 'ClusterRole') {
      const role: RoleId = { kind: 'ClusterRole', name: b.roleRef.name };
      return {
        id,
        role,
        rules: this.clusterRoles.get(b.roleRef.name)?.rules,
        subjects,
        ...(namespace === undefined ? {} : { namespace }),
      };
    }
    return {
      id,
      role: { kind: 'Role', name: b.roleRef.name },
      rules: undefined,
      subjects,
      ...(namespace === undefined ? {} : { namespace }),
    };
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
    const select = (buckets: RuleBuckets | undefined): Grant[] => {
      const candidates = new Set<Grant>();
      buckets?.candidates(req.resource, req.subresource, candidates);
      return [...candidates].filter((g) => ruleAllowsSomeName(g.rule.rule, req));
    };
    // ClusterRoleBindings answer the same for every namespace: select them once per shape.
    const clusterKey = JSON.stringify([req.verb, req.apiGroup, req.resource, req.subresource ?? '']);
    let cluster = this.clusterCache.get(clusterKey);
    if (!cluster) this.clusterCache.set(clusterKey, (cluster = select(this.clusterRules)));
    let out = cluster;
    if (req.namespace === ANY_NAMESPACE) out = [...cluster, ...[...this.namespaceRules.values()].flatMap(select)];
    else if (req.namespace !== undefined) out = [...cluster, ...select(this.namespaceRules.get(req.namespace))];
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

  /** Whether a role (by kind and name, Roles in `namespace`) has a rule allowing the request. */
  roleAllows(role: RoleId, req: RequestAttributes): boolean {
    const rules =
      role.kind === 'ClusterRole'
        ? this.clusterRoles.get(role.name)?.rules
        : this.roles.get(`${role.namespace ?? ''}/${role.name}`);
    return (rules ?? []).some((r) => ruleAllows(r.rule, req));
  }

  /** Names of Roles in a namespace and of all ClusterRoles. */
  roleNames(namespace: string): { roles: string[]; clusterRoles: string[] } {
    const prefix = `${namespace}/`;
    return {
      roles: [...this.roles.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)),
      clusterRoles: [...this.clusterRoles.keys()],
    };
  }
}
