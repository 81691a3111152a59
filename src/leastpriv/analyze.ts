// Granted against used, per binding and rule: every binding that lets someone
// read Secrets (who-can's direct grants), joined with the reads its subjects
// made through it in the window (the audit logs).
import { targetOf } from '../audit/aggregate.js';
import type { ObservedRead } from '../audit/read-ledger.js';
import { isControlPlaneUser } from '../util/control-plane.js';
import type { EffectiveRule } from '../whocan/aggregation.js';
import { ANY_NAMESPACE, bindingKey, type BindingId, type Grant, type RoleId } from '../whocan/policy.js';
import { READ_VERBS } from '../whocan/report.js';
import { hasResourceNames } from '../whocan/rules.js';
import {
  identityKey,
  identityOfSubject,
  isEveryoneGroup,
  isNodeUser,
  MASTERS_GROUP,
  NODES_GROUP,
  userInfoOf,
  type Identity,
} from '../whocan/subjects.js';
import type { Subject } from '../whocan/types.js';
import { actorOf, requestOf, ruleId, SecretAuthorizer } from './authorizer.js';
import { hasWildcard, narrowedReads, readsText, remainderOf, secretReadVerbs, type VerbUse } from './narrow.js';
import type {
  DatedBinding,
  Finding,
  LeastPrivilegeInput,
  LeastPrivilegeItem,
  LeastPrivilegeOptions,
  SubjectUse,
  SubjectVerdict,
  Usage,
} from './types.js';

/** Reads through one rule by one subject, per verb. */
interface Tally {
  reads: number;
  last: number | null;
  targets: Set<string>;
}
type VerbTally = VerbUse & Tally;

interface BindingUsage {
  subjects: Map<string, Tally>;
  /** rule id → subject key → verb → use */
  rules: Map<string, Map<string, Map<string, VerbTally>>>;
}

export interface JudgedSubject {
  subject: Subject;
  /** Identity key; undefined when the subject matches no one. */
  key: string | undefined;
  verdict: SubjectVerdict;
  reason?: string;
}

/** One binding that grants reading Secrets, judged. */
export interface BindingJudgement {
  id: BindingId;
  role: RoleId;
  binding: DatedBinding;
  /** The role's rules as the authorizer applies them (aggregation included). */
  rules: EffectiveRule[];
  /** Ids of the rules that grant reading Secrets. */
  secretRules: Set<string>;
  subjects: JudgedSubject[];
  /** Whether the binding itself is judged (old enough, some subject judged). */
  judged: boolean;
  /** Per secret rule id: verbs used by the judged subjects that read. */
  usedByJudged: Map<string, Map<string, VerbUse>>;
  /** A rule RBAC cannot split (`*` resources or API groups): nothing is suggested for this binding. */
  blocked?: string;
}

export interface Analysis {
  items: LeastPrivilegeItem[];
  judgements: BindingJudgement[];
  authorizer: SecretAuthorizer;
  /** Reads in scope that RBAC allowed (others went through system:masters or the Node authorizer). */
  rbacReads: ObservedRead[];
  hiddenControlPlane: { bindings: number; subjects: string[] };
  /** -n: ClusterRoleBindings that also grant reading Secrets there (judged with -A only). */
  clusterBindingsOutOfScope: string[];
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function isSystemIdentity(id: Identity): boolean {
  if (id.kind === 'Group') return id.name === MASTERS_GROUP || id.name === NODES_GROUP;
  const user = userInfoOf(id).user ?? '';
  return isControlPlaneUser(user) || isNodeUser(user);
}

export function analyzeLeastPrivilege(input: LeastPrivilegeInput, options: LeastPrivilegeOptions): Analysis {
  const authorizer = new SecretAuthorizer(input.rbac);
  const granting = secretBindings(authorizer, options.namespace);
  const usage = new Map<string, BindingUsage>();
  const rbacReads: ObservedRead[] = [];

  for (const read of input.reads) {
    if (options.namespace !== undefined && read.namespace !== options.namespace) continue;
    const uses = authorizer.uses(actorOf(read), requestOf(read));
    if (uses.length === 0) continue;
    rbacReads.push(read);
    const target = targetOf(read);
    for (const use of uses) {
      const key = bindingKey(use.binding);
      if (!granting.has(key)) continue;
      let b = usage.get(key);
      if (!b) usage.set(key, (b = { subjects: new Map(), rules: new Map() }));
      tally(getOr(b.subjects, use.subjectKey, newTally), read, target);
      const bySubject = getOr(b.rules, use.ruleId, () => new Map<string, Map<string, VerbTally>>());
      const byVerb = getOr(bySubject, use.subjectKey, () => new Map<string, VerbTally>());
      const v = getOr(byVerb, read.verb, () => ({ ...newTally(), unnamed: false, names: new Set<string>() }));
      tally(v, read, target);
      if (read.name === null) v.unnamed = true;
      else v.names.add(read.name);
    }
  }

  const bindings = bindingObjects(input);
  const saCreated = new Map(
    (input.serviceAccounts ?? []).map((sa) => [`${sa.namespace}/${sa.name}`, sa.creationTimestamp ?? null]),
  );
  const items: LeastPrivilegeItem[] = [];
  const judgements: BindingJudgement[] = [];
  const hidden = { bindings: 0, subjects: new Set<string>() };
  const outOfScope: string[] = [];

  for (const [key, grant] of granting) {
    if (options.namespace !== undefined && grant.binding.kind === 'ClusterRoleBinding') {
      outOfScope.push(grant.binding.name);
      continue;
    }
    const binding = bindings.get(key);
    if (!binding) continue;
    const rules = authorizer.index.rulesOf(grant.role);
    const secretRules = new Set(rules.filter((r) => secretReadVerbs(r.rule).length > 0).map(ruleId));
    const b = usage.get(key) ?? { subjects: new Map(), rules: new Map() };
    const created = binding.metadata.creationTimestamp ?? undefined;
    const young = created !== undefined && Date.parse(created) > options.windowStart;

    const subjects: JudgedSubject[] = (binding.subjects ?? []).map((subject) => {
      const id = identityOfSubject(subject, grant.binding.namespace);
      if (!id) return { subject, key: undefined, verdict: 'not-judged', reason: 'matches no one' };
      const k = identityKey(id);
      if (!options.includeSystem && isSystemIdentity(id))
        return { subject, key: k, verdict: 'not-judged', reason: 'control-plane' };
      if (young)
        return { subject, key: k, verdict: 'not-judged', reason: `binding created ${created}, after the window start` };
      if (id.kind === 'ServiceAccount') {
        const saKey = `${id.namespace}/${id.name}`;
        if (!saCreated.has(saKey)) {
          const reason =
            input.serviceAccounts === null
              ? 'ServiceAccount unknown: serviceaccounts could not be listed'
              : 'ServiceAccount does not exist';
          return { subject, key: k, verdict: 'not-judged', reason };
        }
        const since = saCreated.get(saKey);
        if (since && Date.parse(since) > options.windowStart)
          return {
            subject,
            key: k,
            verdict: 'not-judged',
            reason: `ServiceAccount created ${since}, after the window start`,
          };
      }
      return { subject, key: k, verdict: b.subjects.has(k) ? 'used' : 'unused' };
    });
    if (subjects.length > 0 && subjects.every((s) => s.reason === 'control-plane')) {
      hidden.bindings++;
      for (const s of subjects) hidden.subjects.add(s.subject.name);
      continue;
    }

    const judgedKeys = new Set(subjects.filter((s) => s.verdict !== 'not-judged').map((s) => s.key!));
    const usedByJudged = new Map<string, Map<string, VerbUse>>();
    for (const [rid, bySubject] of b.rules) {
      const merged = new Map<string, VerbUse>();
      for (const [subjectKey, byVerb] of bySubject) {
        if (!judgedKeys.has(subjectKey)) continue;
        for (const [verb, use] of byVerb) {
          const m = getOr(merged, verb, () => ({ unnamed: false, names: new Set<string>() }));
          m.unnamed ||= use.unnamed;
          for (const n of use.names) m.names.add(n);
        }
      }
      if (merged.size > 0) usedByJudged.set(rid, merged);
    }
    const unsplittable = rules.find((r) => secretRules.has(ruleId(r)) && remainderOf(r.rule) === undefined);
    const judgement: BindingJudgement = {
      id: grant.binding,
      role: grant.role,
      binding,
      rules,
      secretRules,
      subjects,
      judged: judgedKeys.size > 0,
      usedByJudged,
      ...(unsplittable
        ? {
            blocked: `rules[${unsplittable.index ?? '?'}] grants * resources or API groups: RBAC cannot say "all but Secrets"`,
          }
        : {}),
    };
    judgements.push(judgement);
    items.push(...itemsFor(judgement, b, created));
  }
  return {
    items: items.sort(compareItems),
    judgements,
    authorizer,
    rbacReads,
    hiddenControlPlane: { bindings: hidden.bindings, subjects: [...hidden.subjects].sort() },
    clusterBindingsOutOfScope: outOfScope.sort(),
  };
}

/** Bindings (by key) that grant some read verb on Secrets in scope, with one of their grants. */
function secretBindings(authorizer: SecretAuthorizer, namespace: string | undefined): Map<string, Grant> {
  const out = new Map<string, Grant>();
  for (const verb of READ_VERBS) {
    const grants = authorizer.index.grantsForAnyName({
      verb,
      apiGroup: '',
      resource: 'secrets',
      namespace: namespace ?? ANY_NAMESPACE,
    });
    for (const g of grants) if (!out.has(bindingKey(g.binding))) out.set(bindingKey(g.binding), g);
  }
  return out;
}

function bindingObjects(input: LeastPrivilegeInput): Map<string, DatedBinding> {
  const out = new Map<string, DatedBinding>();
  for (const b of input.rbac.clusterRoleBindings)
    out.set(bindingKey({ kind: 'ClusterRoleBinding', name: b.metadata.name ?? '' }), b);
  for (const b of input.rbac.roleBindings) {
    out.set(bindingKey({ kind: 'RoleBinding', name: b.metadata.name ?? '', namespace: b.metadata.namespace ?? '' }), b);
  }
  return out;
}

function itemsFor(j: BindingJudgement, b: BindingUsage, created: string | undefined): LeastPrivilegeItem[] {
  const items = itemsOf(j, b, created);
  const everyone = j.subjects.some((s) => {
    const id = identityOfSubject(s.subject, j.id.namespace);
    return id !== undefined && isEveryoneGroup(id);
  });
  // Anyone who can send a request may read Secrets through it: however it is used, none of it is "ok".
  return everyone
    ? items.map((i) => ({ ...i, findings: ['everyone', ...i.findings.filter((f) => f !== 'ok')] }))
    : items;
}

function itemsOf(j: BindingJudgement, b: BindingUsage, created: string | undefined): LeastPrivilegeItem[] {
  const base = { binding: j.id, role: j.role, ...(created ? { created } : {}) };
  const subjects: SubjectUse[] = j.subjects.map((s) => {
    const t = s.key === undefined ? undefined : b.subjects.get(s.key);
    return {
      subject: s.subject,
      verdict: s.verdict,
      ...(s.reason ? { reason: s.reason } : {}),
      reads: t?.reads ?? 0,
      lastRead: iso(t?.last ?? null),
    };
  });
  const all = usageOf([...b.rules.values()].flatMap((bySubject) => [...bySubject.values()]));
  const blocked = j.blocked ? { blocked: j.blocked } : {};
  if (!j.judged) {
    return [
      {
        ...base,
        ruleIndex: null,
        rule: null,
        findings: ['not-judged'],
        granted: null,
        used: all,
        subjects,
        proposal: '',
      },
    ];
  }
  const used = subjects.some((s) => s.verdict === 'used');
  const keepsOther =
    j.rules.some((r) => !j.secretRules.has(ruleId(r))) ||
    j.rules.some((r) => j.secretRules.has(ruleId(r)) && (remainderOf(r.rule)?.length ?? 1) > 0);
  const unused = subjects.filter((s) => s.verdict === 'unused');
  // Only the unused subjects move: one not judged (too young, unknown) stays where it is.
  const movedText = (who: string) =>
    j.blocked ? '' : keepsOther ? `move ${who} to a role without Secret reads` : `remove ${who}`;
  const unusedNames = unused.map((s) => s.subject.name).join(',');
  if (!used) {
    const proposal = movedText(unused.length === subjects.length ? 'its subjects' : unusedNames);
    return [
      {
        ...base,
        ruleIndex: null,
        rule: null,
        findings: ['unused-binding'],
        granted: null,
        used: all,
        subjects,
        proposal,
        ...blocked,
      },
    ];
  }
  const items: LeastPrivilegeItem[] = [];
  if (unused.length > 0) {
    const proposal = movedText(unusedNames);
    items.push({
      ...base,
      ruleIndex: null,
      rule: null,
      findings: ['unused-subject'],
      granted: null,
      used: all,
      subjects,
      proposal,
      ...blocked,
    });
  }
  for (const r of j.rules) {
    const id = ruleId(r);
    if (!j.secretRules.has(id)) continue;
    const granted = secretReadVerbs(r.rule);
    const uses = j.usedByJudged.get(id) ?? new Map<string, VerbUse>();
    const findings = ruleFindings(r.rule, granted, uses);
    const narrowed = narrowedReads(granted, uses);
    const rest = remainderOf(r.rule);
    const changes = findings.some((f) => f !== 'ok');
    const proposal =
      !changes || rest === undefined
        ? ''
        : `${readsText(narrowed)}${rest.length > 0 ? ` (+ the rule's other permissions, unchanged)` : ''}`;
    items.push({
      ...base,
      ruleIndex: r.index ?? null,
      rule: r.rule,
      findings,
      granted: { verbs: granted, resourceNames: hasResourceNames(r.rule) ? [...r.rule.resourceNames!] : null },
      used: usageOf([...(b.rules.get(id)?.values() ?? [])]),
      subjects,
      proposal,
      ...(changes && j.blocked ? blocked : {}),
    });
  }
  return items;
}

function ruleFindings(
  rule: EffectiveRule['rule'],
  granted: readonly string[],
  uses: ReadonlyMap<string, VerbUse>,
): Finding[] {
  const findings: Finding[] = [];
  const usedVerbs = granted.filter((v) => uses.has(v));
  if (usedVerbs.length < granted.length) findings.push('unused-verb');
  const names = new Set(usedVerbs.flatMap((v) => [...uses.get(v)!.names]));
  const allNamed = usedVerbs.length > 0 && usedVerbs.every((v) => !uses.get(v)!.unnamed);
  if (allNamed && (!hasResourceNames(rule) || rule.resourceNames!.some((n) => !names.has(n))))
    findings.push('too-broad');
  if (hasWildcard(rule)) findings.push('wildcard');
  return findings.length > 0 ? findings : ['ok'];
}

function usageOf(bySubject: ReadonlyArray<Map<string, VerbTally>>): Usage {
  const verbs = new Set<string>();
  const secrets = new Set<string>();
  let reads = 0;
  let last: number | null = null;
  for (const byVerb of bySubject) {
    for (const [verb, t] of byVerb) {
      verbs.add(verb);
      for (const s of t.targets) secrets.add(s);
      reads += t.reads;
      if (t.last !== null && (last === null || t.last > last)) last = t.last;
    }
  }
  return { verbs: READ_VERBS.filter((v) => verbs.has(v)), secrets: [...secrets].sort(), reads, lastRead: iso(last) };
}

const newTally = (): Tally => ({ reads: 0, last: null, targets: new Set() });

function tally(t: Tally, read: ObservedRead, target: string): void {
  t.reads += read.count;
  if (read.lastSeen !== null && (t.last === null || read.lastSeen > t.last)) t.last = read.lastSeen;
  t.targets.add(target);
}

function getOr<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}

const FINDING_ORDER: readonly Finding[] = [
  'everyone',
  'unused-binding',
  'unused-subject',
  'wildcard',
  'too-broad',
  'unused-verb',
  'not-judged',
  'ok',
];

const rank = (i: LeastPrivilegeItem) => FINDING_ORDER.indexOf(i.findings[0]!);

function compareItems(a: LeastPrivilegeItem, b: LeastPrivilegeItem): number {
  return (
    rank(a) - rank(b) ||
    (a.binding.namespace ?? '').localeCompare(b.binding.namespace ?? '') ||
    a.binding.name.localeCompare(b.binding.name) ||
    (a.ruleIndex ?? -1) - (b.ruleIndex ?? -1)
  );
}
