// Rule matching exactly as Kubernetes' RBAC authorizer does it
// (pkg/apis/rbac/v1/evaluation_helpers.go: RuleAllows and friends).
import type { PolicyRule, RequestAttributes } from './types.js';

const ALL = '*';

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return rule.verbs.some((v) => v === ALL || v === verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return (rule.apiGroups ?? []).some((g) => g === ALL || g === group);
}

/**
 * `*` matches everything and `resource/subresource` only its subresource.
 * `*\/sub` matches a subresource of any resource. A subresource rule such as
 * `secrets/status` never matches the resource itself.
 */
export function resourceMatches(rule: PolicyRule, resource: string, subresource?: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of rule.resources ?? []) {
    if (r === ALL || r === combined) return true;
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

/**
 * A rule without resourceNames matches any name (and no name); with them,
 * only those names. A request without a name is the empty name, as in k8s.
 */
export function resourceNameMatches(rule: PolicyRule, name: string | undefined): boolean {
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(name ?? '');
}

export function hasResourceNames(rule: PolicyRule): boolean {
  return (rule.resourceNames ?? []).length > 0;
}

/** Whether the rule allows the request (nonResourceURL rules never match resource requests). */
export function ruleAllows(rule: PolicyRule, req: RequestAttributes): boolean {
  return ruleAllowsSomeName(rule, req) && resourceNameMatches(rule, req.name);
}

/** Like ruleAllows, but for any name: used to ask "on which names?" afterwards. */
export function ruleAllowsSomeName(rule: PolicyRule, req: Omit<RequestAttributes, 'name'>): boolean {
  return (
    verbMatches(rule, req.verb) &&
    apiGroupMatches(rule, req.apiGroup) &&
    resourceMatches(rule, req.resource, req.subresource)
  );
}

/** The rule as kubectl describe shows it: `get,list secrets [db] (apiGroups: "")`. */
export function ruleText(rule: PolicyRule): string {
  if ((rule.nonResourceURLs ?? []).length > 0) return `${rule.verbs.join(',')} ${rule.nonResourceURLs!.join(',')}`;
  const groups = (rule.apiGroups ?? []).map((g) => (g === '' ? '""' : g)).join(',');
  const names = hasResourceNames(rule) ? ` [${rule.resourceNames!.join(',')}]` : '';
  return `${rule.verbs.join(',')} ${(rule.resources ?? []).join(',')}${names} (apiGroups: ${groups})`;
}
