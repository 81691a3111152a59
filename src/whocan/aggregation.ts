// ClusterRole aggregation as the clusterrole-aggregation controller does it
// (pkg/controller/clusterroleaggregation): the rules of an aggregated
// ClusterRole are the de-duplicated rules of every other ClusterRole matching
// any of its selectors, in name order. The controller works asynchronously, so
// the stored rules can lag behind; we compute the aggregation ourselves.
import { selectorMatches } from './selectors.js';
import type { ClusterRole, PolicyRule } from './types.js';

/** A rule a role grants, and where it came from. */
export interface EffectiveRule {
  rule: PolicyRule;
  /** Position in the stored rules (0-based); undefined for a rule the controller has not stored yet. */
  index?: number;
  /** For aggregated ClusterRoles: the labelled child this rule comes from. */
  aggregatedFrom?: string;
}

export interface EffectiveClusterRole {
  name: string;
  rules: EffectiveRule[];
  aggregated: boolean;
  /** The stored rules differ from the aggregation of the current children. */
  unreconciled: boolean;
}

/**
 * The rules each ClusterRole grants. For an aggregated role whose stored rules
 * differ from what its children add up to, the answer is the union of both
 * (stored rules still grant until the controller removes them; computed ones
 * will grant once it adds them): a leak investigation must not undercount.
 */
export function effectiveClusterRoles(clusterRoles: readonly ClusterRole[]): Map<string, EffectiveClusterRole> {
  const byName = new Map(clusterRoles.map((cr) => [cr.metadata.name ?? '', cr]));
  const sorted = [...clusterRoles].sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  const computed = new Map<string, Array<{ rule: PolicyRule; from: string }>>();

  // Children that are aggregated themselves contribute their own aggregation (the
  // controller converges to that fixed point); a cycle contributes stored rules.
  const aggregate = (name: string, visiting: Set<string>): Array<{ rule: PolicyRule; from: string }> => {
    const done = computed.get(name);
    if (done) return done;
    const role = byName.get(name)!;
    visiting.add(name);
    const out: Array<{ rule: PolicyRule; from: string }> = [];
    const seen = new Set<string>();
    for (const selector of role.aggregationRule?.clusterRoleSelectors ?? []) {
      if (!selector) continue;
      for (const child of sorted) {
        const childName = child.metadata.name ?? '';
        if (childName === name || !selectorMatches(selector, child.metadata.labels)) continue;
        const childRules =
          child.aggregationRule && !visiting.has(childName)
            ? aggregate(childName, visiting).map((r) => r.rule)
            : (child.rules ?? []);
        for (const rule of childRules) {
          const key = ruleKey(rule);
          if (seen.has(key)) continue;
          seen.add(key);
          out.push({ rule, from: childName });
        }
      }
    }
    visiting.delete(name);
    computed.set(name, out);
    return out;
  };

  const result = new Map<string, EffectiveClusterRole>();
  for (const cr of clusterRoles) {
    const name = cr.metadata.name ?? '';
    const stored = (cr.rules ?? []).map((rule, index): EffectiveRule => ({ rule, index }));
    if (!cr.aggregationRule) {
      result.set(name, { name, rules: stored, aggregated: false, unreconciled: false });
      continue;
    }
    const expected = aggregate(name, new Set());
    const fromByKey = new Map(expected.map((e) => [ruleKey(e.rule), e.from])); // aggregate() de-duplicated them
    const storedKeys = new Set(stored.map((s) => ruleKey(s.rule)));
    const rules: EffectiveRule[] = stored.map((s) => {
      const from = fromByKey.get(ruleKey(s.rule));
      return from === undefined ? s : { ...s, aggregatedFrom: from };
    });
    const pending = expected.filter((e) => !storedKeys.has(ruleKey(e.rule)));
    for (const p of pending) rules.push({ rule: p.rule, aggregatedFrom: p.from });
    // Computed rules not stored yet, or stored rules no child grants any more.
    const unreconciled = pending.length > 0 || [...storedKeys].some((k) => !fromByKey.has(k));
    result.set(name, { name, rules, aggregated: true, unreconciled });
  }
  return result;
}

/** Identity of a rule as the controller compares them (nil and empty lists are equal). */
export function ruleKey(rule: PolicyRule): string {
  return JSON.stringify([
    rule.verbs ?? [],
    rule.apiGroups ?? [],
    rule.resources ?? [],
    rule.resourceNames ?? [],
    rule.nonResourceURLs ?? [],
  ]);
}
