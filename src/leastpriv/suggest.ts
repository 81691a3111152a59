// The suggestion as objects `kubectl apply -f -` makes effective on its own:
// existing roles are never edited (others may share them); narrowed roles and
// bindings to them are new, under names derived from the binding; existing
// bindings are re-declared with the moved or removed subjects left out, their
// roleRef untouched (it is immutable).
import { ruleKey } from '../whocan/aggregation.js';
import { bindingKey, bindingLabel, type BindingId } from '../whocan/policy.js';
import type { PolicyRule, RbacSnapshot, Subject } from '../whocan/types.js';
import type { BindingJudgement } from './analyze.js';
import { ruleId } from './authorizer.js';
import { narrowedReads, remainderOf, secretReadVerbs } from './narrow.js';
import type { DatedBinding, LeastPrivilegeInput } from './types.js';

const RBAC_API = 'rbac.authorization.k8s.io/v1';
const RBAC_GROUP = 'rbac.authorization.k8s.io';
export const DERIVED_LABEL = 'kubectl-secrets.dev/least-privilege';
export const DERIVED_FROM = 'kubectl-secrets.dev/derived-from';
/** On derived bindings: the binding their subjects came from (`RoleBinding/ns/name`), for --suggest-undo after applying. */
export const DERIVED_FROM_BINDING = 'kubectl-secrets.dev/derived-from-binding';
/** On re-declared bindings: the subjects removed outright (JSON), for --suggest-undo after applying. */
export const REMOVED_SUBJECTS = 'kubectl-secrets.dev/removed-subjects';
/** Object names are at most 253 characters. */
const MAX_NAME = 253;

export interface RbacObject {
  apiVersion: string;
  kind: 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding';
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  rules?: PolicyRule[];
  roleRef?: { apiGroup: string; kind: string; name: string };
  subjects?: Subject[];
}

/** One binding's change: who moves where, who is removed, who stays. */
export interface BindingChange {
  binding: BindingId;
  /** Subjects moved to the narrowed role (they read Secrets through it). */
  moved: Subject[];
  /** Subjects that read nothing: moved to a role without Secret reads, or removed when it would be empty. */
  stripped: Subject[];
  remaining: Subject[];
}

export interface Suggestion {
  /** In apply order: new roles, new bindings, then the re-declared bindings. */
  objects: RbacObject[];
  /** The original bindings as they are now. */
  undo: RbacObject[];
  changes: BindingChange[];
  /** Re-declared bindings left with no subjects: they grant nothing and can be deleted. */
  emptied: BindingId[];
  /** The RBAC with the suggestion applied (what the proof asks the who-can engine about). */
  proposed: RbacSnapshot;
}

export function suggest(input: LeastPrivilegeInput, judgements: readonly BindingJudgement[]): Suggestion {
  const created: RbacObject[] = [];
  const bindingsCreated: RbacObject[] = [];
  const redeclared: RbacObject[] = [];
  const undo: RbacObject[] = [];
  const changes: BindingChange[] = [];
  const emptied: BindingId[] = [];
  const replaced = new Map<DatedBinding, Subject[]>();
  const taken = takenNames(input);
  const earlier = derivedBindings(input);
  const plans = new Map<BindingJudgement, Plan>();
  for (const j of judgements) {
    const plan = j.judged && !j.blocked ? planFor(j) : undefined;
    if (!plan) continue;
    plans.set(j, plan);
    // A binding re-declared here keeps its name: no new object may take it too.
    taken.add(bindingKey(j.id));
  }
  const freeName = (id: BindingId, suffix: string, kinds: readonly string[], subjects: Subject[]): string => {
    for (let n = 1; ; n++) {
      const name = derivedName(id.name, n === 1 ? suffix : `${suffix}-${n}`);
      const key = (kind: string) => objectKey(kind, { namespace: id.namespace, name });
      const before = earlier.get(key(id.kind));
      if (before && !(before.from === bindingKey(id) && before.subjects.every((s) => subjects.some(sameSubject(s)))))
        continue;
      if (kinds.every((k) => !taken.has(key(k)))) return name;
    }
  };

  for (const j of judgements) {
    const plan = plans.get(j);
    if (!plan) continue;
    const { moved, stripped, narrowed, withoutReads } = plan;
    const remaining = j.subjects
      .filter((s) => !moved.includes(s.subject) && !stripped.includes(s.subject))
      .map((s) => s.subject);
    const from = `${bindingLabel(j.id)} → ${j.role.kind} ${j.role.namespace ? `${j.role.namespace}/` : ''}${j.role.name}`;
    if (moved.length > 0) {
      const name = freeName(j.id, '-least-privilege', kindsOf(j.id), moved);
      created.push(roleObject(j.id, name, narrowed, from));
      bindingsCreated.push(bindingObject(j.id, name, moved, from));
    }
    if (stripped.length > 0 && withoutReads.length > 0) {
      const name = freeName(j.id, '-least-privilege-no-secrets', kindsOf(j.id), stripped);
      created.push(roleObject(j.id, name, withoutReads, from));
      bindingsCreated.push(bindingObject(j.id, name, stripped, from));
    }
    const dropped = stripped.length > 0 && withoutReads.length === 0 ? stripped : [];
    redeclared.push(redeclare(j, remaining, dropped));
    undo.push(redeclare(j, j.binding.subjects ?? []));
    replaced.set(j.binding, remaining);
    changes.push({ binding: j.id, moved, stripped, remaining });
    if (remaining.length === 0) emptied.push(j.id);
  }

  const objects = [...created, ...bindingsCreated, ...redeclared];
  return { objects, undo, changes, emptied, proposed: applied(input, objects, replaced) };
}

interface Plan {
  moved: Subject[];
  stripped: Subject[];
  narrowed: PolicyRule[];
  withoutReads: PolicyRule[];
}

/** Who moves and to what, or undefined when the binding is already as narrow as its use. */
function planFor(j: BindingJudgement): Plan | undefined {
  const forRole = (r: PolicyRule): boolean =>
    j.id.kind === 'ClusterRoleBinding' || (r.nonResourceURLs ?? []).length === 0;
  const withoutReads: PolicyRule[] = [];
  const narrowed: PolicyRule[] = [];
  let narrower = false;
  for (const r of j.rules) {
    if (!j.secretRules.has(ruleId(r))) {
      withoutReads.push(r.rule);
      continue;
    }
    const rest = remainderOf(r.rule)!;
    withoutReads.push(...rest);
    const granted = secretReadVerbs(r.rule);
    const reads = narrowedReads(granted, j.usedByJudged.get(ruleId(r)) ?? new Map());
    narrowed.push(...rest, ...reads);
    if (!sameReads(r.rule, granted, reads)) narrower = true;
  }
  const used = j.subjects.filter((s) => s.verdict === 'used').map((s) => s.subject);
  const stripped = j.subjects.filter((s) => s.verdict === 'unused').map((s) => s.subject);
  const moved = narrower ? used : [];
  if (moved.length === 0 && stripped.length === 0) return undefined;
  return {
    moved,
    stripped,
    narrowed: unique(narrowed.filter(forRole)),
    withoutReads: unique(withoutReads.filter(forRole)),
  };
}

/** The narrowed reads grant exactly what the rule granted on Secrets (nothing to gain by moving). */
function sameReads(rule: PolicyRule, granted: readonly string[], reads: readonly PolicyRule[]): boolean {
  if (reads.length !== 1) return false;
  const r = reads[0]!;
  const names = [...(rule.resourceNames ?? [])].sort();
  return (
    r.verbs.length === granted.length && JSON.stringify([...(r.resourceNames ?? [])].sort()) === JSON.stringify(names)
  );
}

function unique(rules: PolicyRule[]): PolicyRule[] {
  const seen = new Set<string>();
  return rules.filter((r) => {
    const k = ruleKey(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const kindsOf = (id: BindingId): string[] =>
  id.kind === 'RoleBinding' ? ['Role', 'RoleBinding'] : ['ClusterRole', 'ClusterRoleBinding'];

/** Names of existing objects the suggestion must not overwrite (its own earlier objects may be). */
function takenNames(input: LeastPrivilegeInput): Set<string> {
  const taken = new Set<string>();
  const add = (
    kind: string,
    list: ReadonlyArray<{ metadata: { name?: string; namespace?: string; labels?: Record<string, string> | null } }>,
  ) => {
    for (const o of list) if (o.metadata.labels?.[DERIVED_LABEL] !== 'true') taken.add(objectKey(kind, o.metadata));
  };
  add('Role', input.rbac.roles);
  add('ClusterRole', input.rbac.clusterRoles);
  add('RoleBinding', input.rbac.roleBindings);
  add('ClusterRoleBinding', input.rbac.clusterRoleBindings);
  return taken;
}

/**
 * Bindings an earlier suggestion created, by key: their name (and their role's) may be declared again only for the
 * binding they came from and with every subject they hold, else those subjects would lose what they were given.
 */
function derivedBindings(input: LeastPrivilegeInput): Map<string, { from: string | undefined; subjects: Subject[] }> {
  const out = new Map<string, { from: string | undefined; subjects: Subject[] }>();
  const add = (kind: BindingId['kind'], list: readonly DatedBinding[]) => {
    for (const b of list) {
      if (b.metadata.labels?.[DERIVED_LABEL] !== 'true') continue;
      const from = (b.metadata as { annotations?: Record<string, string> | null }).annotations?.[DERIVED_FROM_BINDING];
      out.set(objectKey(kind, b.metadata), { from, subjects: b.subjects ?? [] });
    }
  };
  add('RoleBinding', input.rbac.roleBindings);
  add('ClusterRoleBinding', input.rbac.clusterRoleBindings);
  return out;
}

const sameSubject =
  (a: Subject) =>
  (b: Subject): boolean =>
    a.kind === b.kind && a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '');

/** `<binding><suffix>`, shortened with a hash when too long for an object name. */
export function derivedName(binding: string, suffix: string): string {
  const name = `${binding}${suffix}`;
  if (name.length <= MAX_NAME) return name;
  let h = 0x811c9dc5;
  for (let i = 0; i < binding.length; i++) h = Math.imul(h ^ binding.charCodeAt(i), 0x01000193);
  const hash = (h >>> 0).toString(16).padStart(8, '0');
  return `${binding.slice(0, MAX_NAME - suffix.length - 9)}-${hash}${suffix}`;
}

function meta(id: BindingId, name: string, from: string): RbacObject['metadata'] {
  return {
    name,
    ...(id.namespace ? { namespace: id.namespace } : {}),
    labels: { [DERIVED_LABEL]: 'true' },
    annotations: { [DERIVED_FROM]: from },
  };
}

function roleObject(id: BindingId, name: string, rules: PolicyRule[], from: string): RbacObject {
  return {
    apiVersion: RBAC_API,
    kind: id.kind === 'RoleBinding' ? 'Role' : 'ClusterRole',
    metadata: meta(id, name, from),
    rules,
  };
}

function bindingObject(id: BindingId, name: string, subjects: Subject[], from: string): RbacObject {
  const kind = id.kind === 'RoleBinding' ? 'Role' : 'ClusterRole';
  const metadata = meta(id, name, from);
  metadata.annotations![DERIVED_FROM_BINDING] = bindingKey(id);
  return { apiVersion: RBAC_API, kind: id.kind, metadata, roleRef: { apiGroup: RBAC_GROUP, kind, name }, subjects };
}

/**
 * What --suggest-undo prints: every binding in scope (with `namespace`, the
 * RoleBindings of that namespace, which alone a suggestion for it changes) a
 * suggestion already applied took subjects from (found by its derived
 * bindings) with those subjects back, and every binding the current
 * suggestion would change, as it is now.
 */
export function undoObjects(
  input: LeastPrivilegeInput,
  pending: readonly RbacObject[],
  namespace: string | undefined,
): RbacObject[] {
  const originals = new Map<string, { binding: DatedBinding; id: BindingId }>();
  const inScope = (b: DatedBinding): boolean => namespace === undefined || b.metadata.namespace === namespace;
  for (const b of input.rbac.roleBindings.filter(inScope))
    originals.set(
      bindingKey({ kind: 'RoleBinding', name: b.metadata.name ?? '', namespace: b.metadata.namespace ?? '' }),
      { binding: b, id: { kind: 'RoleBinding', name: b.metadata.name ?? '', namespace: b.metadata.namespace ?? '' } },
    );
  for (const b of namespace === undefined ? input.rbac.clusterRoleBindings : [])
    originals.set(bindingKey({ kind: 'ClusterRoleBinding', name: b.metadata.name ?? '' }), {
      binding: b,
      id: { kind: 'ClusterRoleBinding', name: b.metadata.name ?? '' },
    });
  const restored = new Map<string, Subject[]>();
  for (const [key, { binding }] of originals) {
    const removed = removedSubjects(binding);
    if (removed.length > 0) restored.set(key, uniqueSubjects([...(binding.subjects ?? []), ...removed]));
  }
  for (const b of [...input.rbac.roleBindings, ...input.rbac.clusterRoleBindings]) {
    const from = (b.metadata as { annotations?: Record<string, string> | null }).annotations?.[DERIVED_FROM_BINDING];
    if (b.metadata.labels?.[DERIVED_LABEL] !== 'true' || !from || !originals.has(from)) continue;
    const subjects = restored.get(from) ?? [...(originals.get(from)!.binding.subjects ?? [])];
    restored.set(from, uniqueSubjects([...subjects, ...(b.subjects ?? [])]));
  }
  const out = [...restored].map(([key, subjects]) =>
    redeclareBinding(originals.get(key)!.id, originals.get(key)!.binding, subjects),
  );
  return [
    ...out,
    ...pending.filter(
      (o) =>
        !restored.has(
          bindingKey({
            kind: o.kind as BindingId['kind'],
            name: o.metadata.name,
            ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
          }),
        ),
    ),
  ];
}

/** The binding as it is, with these subjects: same name, same roleRef; subjects removed outright are noted on it. */
function redeclare(j: BindingJudgement, subjects: Subject[], dropped: Subject[] = []): RbacObject {
  const object = redeclareBinding(j.id, j.binding, subjects);
  const all = uniqueSubjects([...removedSubjects(j.binding), ...dropped]);
  if (all.length > 0) object.metadata.annotations = { [REMOVED_SUBJECTS]: JSON.stringify(all) };
  return object;
}

/** Subjects an applied suggestion removed from this binding outright (its annotation). */
function removedSubjects(binding: DatedBinding): Subject[] {
  const text = (binding.metadata as { annotations?: Record<string, string> | null }).annotations?.[REMOVED_SUBJECTS];
  try {
    const parsed: unknown = text ? JSON.parse(text) : [];
    return Array.isArray(parsed)
      ? parsed.filter((s): s is Subject => typeof s?.kind === 'string' && typeof s?.name === 'string')
      : [];
  } catch {
    return [];
  }
}

function uniqueSubjects(subjects: Subject[]): Subject[] {
  const seen = new Set<string>();
  return subjects.filter((s) => {
    const k = JSON.stringify([s.kind, s.name, s.namespace ?? '', s.apiGroup ?? '']);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function redeclareBinding(id: BindingId, binding: DatedBinding, subjects: Subject[]): RbacObject {
  const ref = binding.roleRef;
  return {
    apiVersion: RBAC_API,
    kind: id.kind,
    metadata: { name: id.name, ...(id.namespace ? { namespace: id.namespace } : {}) },
    roleRef: { apiGroup: ref.apiGroup ?? RBAC_GROUP, kind: ref.kind, name: ref.name },
    subjects,
  };
}

/** The current RBAC with the new objects added and the re-declared bindings' subjects replaced. */
function applied(
  input: LeastPrivilegeInput,
  objects: readonly RbacObject[],
  replaced: Map<DatedBinding, Subject[]>,
): RbacSnapshot {
  const swap = (b: DatedBinding): DatedBinding => (replaced.has(b) ? { ...b, subjects: replaced.get(b)! } : b);
  const of = (kind: RbacObject['kind']) => objects.filter((o) => o.kind === kind && o.metadata.labels?.[DERIVED_LABEL]);
  // As kubectl apply does: a new object replaces the one of its name (an earlier suggestion's), never adds to it.
  const created = new Set(
    objects.filter((o) => o.metadata.labels?.[DERIVED_LABEL]).map((o) => objectKey(o.kind, o.metadata)),
  );
  const kept =
    (kind: RbacObject['kind']) =>
    (o: { metadata: { name?: string; namespace?: string } }): boolean =>
      !created.has(objectKey(kind, o.metadata));
  return {
    roles: [
      ...input.rbac.roles.filter(kept('Role')),
      ...of('Role').map((o) => ({ metadata: o.metadata, rules: o.rules ?? [] })),
    ],
    clusterRoles: [
      ...input.rbac.clusterRoles.filter(kept('ClusterRole')),
      ...of('ClusterRole').map((o) => ({ metadata: o.metadata, rules: o.rules ?? [] })),
    ],
    roleBindings: [
      ...input.rbac.roleBindings.filter(kept('RoleBinding')).map(swap),
      ...of('RoleBinding').map(asBinding),
    ],
    clusterRoleBindings: [
      ...input.rbac.clusterRoleBindings.filter(kept('ClusterRoleBinding')).map(swap),
      ...of('ClusterRoleBinding').map(asBinding),
    ],
  };
}

const objectKey = (kind: string, m: { name?: string; namespace?: string }): string =>
  `${kind}/${m.namespace ?? ''}/${m.name ?? ''}`;

const asBinding = (o: RbacObject) => ({ metadata: o.metadata, roleRef: o.roleRef!, subjects: o.subjects ?? [] });
