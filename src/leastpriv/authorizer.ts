// Who-can's engine asked the questions least-privilege needs: through which
// binding, rule and subject did RBAC let this actor make this read, and what
// can a subject read at all. Works on any snapshot (the current RBAC or the
// RBAC with a suggestion applied).
import type { ObservedRead } from '../audit/read-ledger.js';
import { ruleKey } from '../whocan/aggregation.js';
import { checkSubject } from '../whocan/check.js';
import { bindingKey, RbacIndex, type BindingId, type Grant, type RoleId } from '../whocan/policy.js';
import { rowIdentity, type ChainStep } from '../whocan/report.js';
import { RowCollector, ServiceAccountDirectory } from '../whocan/rows.js';
import { hasResourceNames, resourceNameMatches } from '../whocan/rules.js';
import {
  identityKey,
  identityOfSubject,
  impliedGroups,
  parseServiceAccountUser,
  type Identity,
} from '../whocan/subjects.js';
import type { PolicyRule, RbacSnapshot, RequestAttributes } from '../whocan/types.js';

/** Who made a request, as the authorizer saw them. */
export interface Actor {
  identity: Identity;
  /** Groups from the log (the implied ones are added by checkSubject). */
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

export class SecretAuthorizer {
  readonly index: RbacIndex;
  private readonly serviceAccounts: ServiceAccountDirectory;
  /** The grants of each request shape by the identity of their subjects: built once, asked for many subjects. */
  private readonly grantCache = new Map<string, Map<string, Grant[]>>();
  private readonly actorSteps = new Map<string, Array<{ step: ChainStep; subjectKey: string }>>();

  constructor(rbac: RbacSnapshot, serviceAccounts: ReadonlyArray<{ namespace: string; name: string }>) {
    this.index = new RbacIndex(rbac);
    this.serviceAccounts = new ServiceAccountDirectory(serviceAccounts);
  }

  /** Every (binding, rule, subject) that lets the actor make the request; empty when RBAC does not. */
  uses(actor: Actor, request: RequestAttributes): RuleUse[] {
    const { name, ...anyName } = request;
    const key = JSON.stringify(['any-name', request.verb, request.namespace ?? null]);
    // Steps for any name, kept per actor (an actor reads many Secrets), then those whose rule allows this name.
    const actorKey = JSON.stringify([key, identityKey(actor.identity), actor.groups]);
    let all = this.actorSteps.get(actorKey);
    if (!all)
      this.actorSteps.set(
        actorKey,
        (all = this.steps(key, () => this.index.grantsForAnyName(anyName), actor.identity, actor.groups, request.verb)),
      );
    return all
      .filter(({ step }) => resourceNameMatches(step.rule!, name))
      .map(({ step, subjectKey }) => ({
        binding: step.binding!,
        role: step.role!,
        subjectKey,
        ruleId: ruleId({ index: step.ruleIndex, aggregatedFrom: step.aggregatedFrom, rule: step.rule! }),
        rule: step.rule!,
      }));
  }

  allows(actor: Actor, request: RequestAttributes): boolean {
    return this.uses(actor, request).length > 0;
  }

  /** What the subject (with the groups it always has) may `verb` in a namespace (undefined: cluster-wide). */
  reach(subject: Identity, verb: string, namespace: string | undefined): Reach {
    const request = { verb, apiGroup: '', resource: 'secrets', ...(namespace === undefined ? {} : { namespace }) };
    const key = JSON.stringify(['any-name', verb, namespace ?? null]);
    const reach: Reach = { any: false, names: new Set() };
    for (const { step } of this.steps(key, () => this.index.grantsForAnyName(request), subject, [], verb)) {
      if (!hasResourceNames(step.rule!)) reach.any = true;
      else for (const n of step.rule!.resourceNames!) reach.names.add(n);
    }
    return reach;
  }

  /** The steps of who-can rows that apply to the subject, each with the binding subject that matched. */
  private steps(key: string, grants: () => Grant[], subject: Identity, groups: string[], verb: string) {
    let bySubject = this.grantCache.get(key);
    if (!bySubject) {
      bySubject = new Map();
      for (const grant of grants()) {
        for (const s of grant.subjects) {
          const id = identityOfSubject(s, grant.bindingNamespace);
          if (!id) continue;
          const k = identityKey(id);
          const list = bySubject.get(k);
          if (!list) bySubject.set(k, [grant]);
          else if (list[list.length - 1] !== grant) list.push(grant);
        }
      }
      this.grantCache.set(key, bySubject);
    }
    // Only grants bound to the subject or to one of its groups can apply: who-can's rows and checkSubject decide among those.
    const candidates = new Set([
      identityKey(subject),
      ...[...groups, ...impliedGroups(subject)].map((name) => identityKey({ kind: 'Group', name })),
    ]);
    const relevant = new Set([...candidates].flatMap((k) => bySubject.get(k) ?? []));
    if (relevant.size === 0) return [];
    const rows = new RowCollector(this.serviceAccounts);
    // Rows for the bindings' other subjects (and a ServiceAccount group's other members) would only be built,
    // sorted and indexed for checkSubject to leave them out.
    const skip = (id: Identity) => !candidates.has(rows.keyOf(id));
    for (const grant of relevant) rows.addGrant(grant, 'direct', { verbs: [verb] }, skip);
    const out = new Map<string, { step: ChainStep; subjectKey: string }>();
    for (const row of checkSubject(rows.build(), subject, groups).rows) {
      const rowKey = identityKey(rowIdentity(row));
      for (const step of row.chain) {
        if (step.authorizer !== 'RBAC' || !step.binding || !step.rule) continue;
        // A ServiceAccount reached through its group was bound as the group.
        const subjectKey = step.memberOf ? identityKey({ kind: 'Group', name: step.memberOf }) : rowKey;
        const id = ruleId({ index: step.ruleIndex, aggregatedFrom: step.aggregatedFrom, rule: step.rule });
        out.set(`${bindingKey(step.binding)}#${id}#${subjectKey}`, { step, subjectKey });
      }
    }
    return [...out.values()];
  }
}
