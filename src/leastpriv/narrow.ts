// Rules rewritten: what a rule grants besides reading Secrets (kept as it is),
// and the Secret reads it should grant given what was read through it.
import { READ_VERBS, type ReadVerb } from '../whocan/report.js';
import { hasResourceNames, ruleAllowsSomeName } from '../whocan/rules.js';
import type { PolicyRule } from '../whocan/types.js';

const ALL = '*';
const SECRETS = 'secrets';
const CORE = '';
/** What `*` verbs grant on Secrets besides reading them. */
const SECRET_WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection'];

/** How a verb was used through a rule: on named Secrets only, or also unnamed (whole namespace or cluster). */
export interface VerbUse {
  unnamed: boolean;
  names: Set<string>;
}

/** The read verbs a rule grants on core Secrets (for some name at least). */
export function secretReadVerbs(rule: PolicyRule): ReadVerb[] {
  if ((rule.nonResourceURLs ?? []).length > 0 && (rule.resources ?? []).length === 0) return [];
  return READ_VERBS.filter((verb) => ruleAllowsSomeName(rule, { verb, apiGroup: CORE, resource: SECRETS }));
}

export function hasWildcard(rule: PolicyRule): boolean {
  return [rule.verbs, rule.resources ?? [], rule.apiGroups ?? []].some((list) => list.includes(ALL));
}

/**
 * Everything the rule grants except reading core Secrets, as rules; undefined
 * when RBAC cannot say it (`*` resources or API groups: there is no "all but
 * Secrets"). Nothing else is lost: other resources, other groups' `secrets`,
 * and writes to Secrets stay.
 */
export function remainderOf(rule: PolicyRule): PolicyRule[] | undefined {
  const groups = rule.apiGroups ?? [];
  const resources = rule.resources ?? [];
  if (groups.includes(ALL) || resources.includes(ALL)) return undefined;
  const names = hasResourceNames(rule) ? { resourceNames: [...rule.resourceNames!] } : {};
  const out: PolicyRule[] = [];
  const otherResources = resources.filter((r) => r !== SECRETS);
  if (otherResources.length > 0)
    out.push({ apiGroups: [...groups], resources: otherResources, verbs: [...rule.verbs], ...names });
  const otherGroups = groups.filter((g) => g !== CORE);
  if (otherGroups.length > 0 && resources.includes(SECRETS))
    out.push({ apiGroups: otherGroups, resources: [SECRETS], verbs: [...rule.verbs], ...names });
  const writes = rule.verbs.includes(ALL)
    ? SECRET_WRITE_VERBS
    : rule.verbs.filter((v) => !(READ_VERBS as readonly string[]).includes(v));
  if (groups.includes(CORE) && resources.includes(SECRETS) && writes.length > 0) {
    out.push({ apiGroups: [CORE], resources: [SECRETS], verbs: writes, ...names });
  }
  return out;
}

/**
 * The Secret reads to grant instead of `granted`: only verbs that were used;
 * the names read, unless some verb was used unnamed (a whole namespace or
 * cluster): then no names. Verbs with the same names share a rule.
 */
export function narrowedReads(granted: readonly ReadVerb[], uses: ReadonlyMap<string, VerbUse>): PolicyRule[] {
  const unnamed: string[] = [];
  const byNames = new Map<string, { verbs: string[]; names: string[] }>();
  // A list of a whole namespace returns every value: naming the Secrets of `get` would gain nothing.
  const wholeNamespace = granted.some((v) => uses.get(v)?.unnamed);
  for (const verb of granted) {
    const use = uses.get(verb);
    if (!use) continue;
    if (use.unnamed || wholeNamespace) {
      unnamed.push(verb);
      continue;
    }
    const names = [...use.names].sort();
    const key = JSON.stringify(names);
    const entry = byNames.get(key) ?? { verbs: [], names };
    entry.verbs.push(verb);
    byNames.set(key, entry);
  }
  const rules: PolicyRule[] = [];
  if (unnamed.length > 0) rules.push({ apiGroups: [CORE], resources: [SECRETS], verbs: unnamed });
  for (const { verbs, names } of byNames.values())
    rules.push({ apiGroups: [CORE], resources: [SECRETS], verbs, resourceNames: names });
  return rules;
}

/** The narrowed reads in words: `get secrets [db]`, `nothing`. */
export function readsText(rules: readonly PolicyRule[]): string {
  if (rules.length === 0) return 'no Secret reads';
  return rules
    .map((r) => `${r.verbs.join(',')} secrets${hasResourceNames(r) ? ` [${r.resourceNames!.join(',')}]` : ''}`)
    .join('; ');
}
