// Who-can's engine asked the questions least-privilege needs: through which
// binding, rule and subject did RBAC let this actor make this read, and what
// can a subject read at all. Works on any snapshot (the current RBAC or the
// RBAC with a suggestion applied). Who-can's RbacIndex says which grants allow
// a request; a grant applies to a subject bound by it, or to a member of a group
// bound by it: who-can's identity keys and implied groups, the test its
// checkSubject makes on rows (test/unit/leastpriv/authorizer.test.ts holds the
// two to the same answers), asked once per identity, not once per row.
import type { ObservedRead } from '../audit/read-ledger.js';
import { ruleKey } from '../whocan/aggregation.js';
import { subjectKeys } from '../whocan/check.js';
import { bindingKey, RbacIndex, type BindingId, type Grant, type RoleId } from '../whocan/policy.js';
import { hasResourceNames, resourceNameMatches } from '../whocan/rules.js';
import { identityKey, identityOfSubject, parseServiceAccountUser, type Identity } from '../whocan/subjects.js';
import type { PolicyRule, RbacSnapshot, RequestAttributes } from '../whocan/types.js';

/** Who made a request, as the authorizer saw them. */
export interface Actor {
  identity: Identity;
  /** Groups from the log (the implied ones are added). */
  groups: string[];
}

/** One binding subject and rule that allowed a request. */
export interface RuleUse {
  binding: BindingId;
  role: RoleId;
  /** Identity key of the binding subject that matched (the actor, or a group it is in). */
  subjectKey: string;
  ruleId: string;
  rule: PolicyRule;
}

/** A rule's identity within its role: position, aggregation source and content. */
export function ruleId(rule: {
  index?: number | undefined;
  aggregatedFrom?: string | undefined;
  rule: PolicyRule;
}): string {
  let key = ruleKeys.get(rule.rule);
  if (key === undefined) ruleKeys.set(rule.rule, (key = ruleKey(rule.rule)));
  return `${rule.index ?? 'pending'}|${rule.aggregatedFrom ?? ''}|${key}`;
}

/** Rule objects are shared by every grant of a role: their keys are worked out once. */
const ruleKeys = new WeakMap<PolicyRule, string>();

export function actorOf(read: ObservedRead): Actor {
  const sa = parseServiceAccountUser(read.user);
  return { identity: sa ? { kind: 'ServiceAccount', ...sa } : { kind: 'User', name: read.user }, groups: read.groups };
}

/** The request the authorizer saw for a read: named and field-selected reads carry the name. */
export function requestOf(read: Pick<ObservedRead, 'verb' | 'namespace' | 'name'>): RequestAttributes {
  return {
    verb: read.verb,
    apiGroup: '',
    resource: 'secrets',
    ...(read.namespace === null ? {} : { namespace: read.namespace }),
    ...(read.name === null ? {} : { name: read.name }),
  };
}

/** What a subject may read with one verb in one scope: any Secret, or only some names. */
export interface Reach {
  any: boolean;
  names: Set<string>;
}

/** A request without its name, as a key. */
const shapeKey = (r: Omit<RequestAttributes, 'name'>): string =>
  JSON.stringify([r.verb, r.apiGroup, r.resource, r.subresource ?? '', r.namespace ?? null]);

interface GrantKeys {
  /** Identity keys of the binding's subjects. */
  subjects: string[];
  ruleId: string;
  /** Binding and rule. */
  use: string;
}

interface Scope {
  /** Grants by the identity keys of their binding's subjects. */
  bySubject: Map<string, Grant[]>;
  /** The grants of each identity (a subject or a group) as uses, once asked. */
  matches: Map<string, RuleUse[]>;
}

export class SecretAuthorizer {
  readonly index: RbacIndex;
  /** Per request shape and scope (the cluster's bindings, or a namespace's), the grants and matches by identity. */
  private readonly scopes = new Map<string, Scope>();
  private readonly actorUses = new Map<string, RuleUse[]>();
  /** Grant objects are shared by every request shape they allow: their keys are worked out once. */
  private readonly grantKeys = new WeakMap<Grant, GrantKeys>();

  constructor(rbac: RbacSnapshot) {
    this.index = new RbacIndex(rbac);
  }

  /** Every (binding, rule, subject) that lets the actor make the request; empty when RBAC does not. */
  uses(actor: Actor, request: RequestAttributes): RuleUse[] {
    const { name, ...shape } = request;
    // Uses for any name, kept per actor (an actor reads many Secrets), then those whose rule allows this name.
    const actorKey = JSON.stringify([shapeKey(shape), identityKey(actor.identity), actor.groups]);
    let all = this.actorUses.get(actorKey);
    if (!all) this.actorUses.set(actorKey, (all = this.matches(shape, actor.identity, actor.groups)));
    return all.filter(({ rule }) => resourceNameMatches(rule, name));
  }

  allows(actor: Actor, request: RequestAttributes): boolean {
    return this.uses(actor, request).length > 0;
  }

  /** What the subject (with the groups it always has) may `verb` in a namespace (undefined: cluster-wide). */
  reach(subject: Identity, verb: string, namespace: string | undefined): Reach {
    const reach: Reach = { any: false, names: new Set() };
    const request = { verb, apiGroup: '', resource: 'secrets', ...(namespace === undefined ? {} : { namespace }) };
    for (const { rule } of this.matches(request, subject, [])) {
      if (!hasResourceNames(rule)) reach.any = true;
      else for (const n of rule.resourceNames!) reach.names.add(n);
    }
    return reach;
  }

  /**
   * The grants that let the subject make the request (for some name): those bound to it or to one of its groups
   * (those the API server adds to its requests: system:authenticated, a ServiceAccount's by its name; and those
   * from the log): subjectKeys, as who-can's checkSubject uses them on rows. Worked out once per scope and
   * identity: a group's are shared by its members.
   */
  private matches(request: Omit<RequestAttributes, 'name'>, subject: Identity, groups: string[]): RuleUse[] {
    const { namespace, ...clusterWide } = request;
    const scopes = [this.scope(clusterWide)];
    if (namespace !== undefined) scopes.push(this.scope(request));
    const { keys } = subjectKeys(subject, groups);
    const out: RuleUse[] = [];
    for (const k of keys) {
      for (const scope of scopes) {
        const granted = scope.bySubject.get(k);
        if (!granted) continue;
        let matches = scope.matches.get(k);
        if (!matches) scope.matches.set(k, (matches = this.matchesOf(k, granted)));
        // (matches through different binding subjects or bindings are different uses: nothing to merge)
        for (const m of matches) out.push(m);
      }
    }
    return out;
  }

  /**
   * The grants allowing the request (for some name) by the identity keys of their subjects: with no namespace,
   * those of ClusterRoleBindings (the same in every namespace: indexed once, not once per namespace); with one,
   * those of its RoleBindings.
   */
  private scope(request: Omit<RequestAttributes, 'name'>): Scope {
    const key = shapeKey(request);
    let scope = this.scopes.get(key);
    if (!scope) {
      const bySubject = new Map<string, Grant[]>();
      for (const grant of this.index.grantsForAnyName(request)) {
        if (request.namespace !== undefined && grant.binding.kind !== 'RoleBinding') continue;
        for (const k of this.keysOf(grant).subjects) {
          const list = bySubject.get(k);
          if (!list) bySubject.set(k, [grant]);
          else if (list[list.length - 1] !== grant) list.push(grant);
        }
      }
      this.scopes.set(key, (scope = { bySubject, matches: new Map() }));
    }
    return scope;
  }

  /** The grants bound to one identity, once per binding and rule. */
  private matchesOf(subjectKey: string, grants: readonly Grant[]): RuleUse[] {
    const seen = new Set<string>();
    const out: RuleUse[] = [];
    for (const grant of grants) {
      const { ruleId, use } = this.keysOf(grant);
      if (seen.has(use)) continue;
      seen.add(use);
      out.push({ binding: grant.binding, role: grant.role, subjectKey, ruleId, rule: grant.rule.rule });
    }
    return out;
  }

  private keysOf(grant: Grant): GrantKeys {
    let keys = this.grantKeys.get(grant);
    if (!keys) {
      const subjects: string[] = [];
      for (const s of grant.subjects) {
        const id = identityOfSubject(s, grant.bindingNamespace);
        if (id) subjects.push(identityKey(id));
      }
      const rid = ruleId(grant.rule);
      this.grantKeys.set(grant, (keys = { subjects, ruleId: rid, use: `${bindingKey(grant.binding)}#${rid}` }));
    }
    return keys;
  }
}
