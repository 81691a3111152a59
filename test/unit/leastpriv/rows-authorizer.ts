// least-privilege's authorizer as it was at 3d87e2b (who-can rows for each question, filtered by checkSubject),
// kept as the reference the differential test (authorizer-differential.test.ts) holds the current one to.
import { ruleId, type Actor, type Reach, type RuleUse } from '../../../src/leastpriv/authorizer.js';
import { checkSubject } from '../../../src/whocan/check.js';
import { bindingKey, RbacIndex, type Grant } from '../../../src/whocan/policy.js';
import { rowIdentity, type ChainStep } from '../../../src/whocan/report.js';
import { RowCollector, ServiceAccountDirectory } from '../../../src/whocan/rows.js';
import { hasResourceNames, resourceNameMatches } from '../../../src/whocan/rules.js';
import { identityKey, identityOfSubject, impliedGroups, type Identity } from '../../../src/whocan/subjects.js';
import type { RbacSnapshot, RequestAttributes } from '../../../src/whocan/types.js';

export class RowsAuthorizer {
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
    const candidates = [
      identityKey(subject),
      ...[...groups, ...impliedGroups(subject)].map((name) => identityKey({ kind: 'Group', name })),
    ];
    const relevant = new Set([...new Set(candidates)].flatMap((k) => bySubject.get(k) ?? []));
    if (relevant.size === 0) return [];
    const rows = new RowCollector(this.serviceAccounts);
    for (const grant of relevant) rows.addGrant(grant, 'direct', { verbs: [verb] });
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
