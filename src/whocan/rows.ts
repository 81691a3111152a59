// Turns grants into one row per subject and path, expanding the
// ServiceAccount groups to the ServiceAccounts that exist.
import type { BindingId, Grant, RoleId } from './policy.js';
import type { Subject } from './types.js';
import { compareText } from '../util/compare.js';
import { isControlPlaneUser } from '../util/control-plane.js';
import { PATH_KINDS, READ_VERBS, type ChainStep, type PathKind, type TargetRef, type WhoCanRow } from './report.js';
import {
  identityKey,
  identityOfSubject,
  isEveryoneGroup,
  serviceAccountGroupScope,
  userInfoOf,
  type Identity,
} from './subjects.js';

/** The ServiceAccounts that exist, by namespace. */
export class ServiceAccountDirectory {
  private readonly byNamespace = new Map<string, string[]>();

  constructor(serviceAccounts: ReadonlyArray<{ namespace: string; name: string }>) {
    for (const sa of serviceAccounts) {
      let names = this.byNamespace.get(sa.namespace);
      if (!names) this.byNamespace.set(sa.namespace, (names = []));
      names.push(sa.name);
    }
  }

  /** Members of a ServiceAccount group (`*` for all namespaces). */
  members(scope: string): Identity[] {
    const namespaces = scope === '*' ? [...this.byNamespace.keys()] : [scope];
    return namespaces.flatMap((ns) =>
      (this.byNamespace.get(ns) ?? []).map((name): Identity => ({ kind: 'ServiceAccount', name, namespace: ns })),
    );
  }

  has(namespace: string, name: string): boolean {
    return this.byNamespace.get(namespace)?.includes(name) ?? false;
  }
}

/** A step built from a grant: the binding, role and rule that allow it. */
export function grantStep(grant: Grant, base: Omit<ChainStep, 'authorizer' | 'binding' | 'role'>): ChainStep {
  const { rule } = grant;
  // (set one by one, in this order: a conditional spread costs an object each, ~4,000 steps at 10,000 bindings)
  const step: ChainStep = { authorizer: 'RBAC', ...base, binding: grant.binding, role: grant.role };
  if (rule.index === undefined) step.pendingAggregation = true;
  else step.ruleIndex = rule.index;
  step.rule = rule.rule;
  if (rule.aggregatedFrom) step.aggregatedFrom = rule.aggregatedFrom;
  return step;
}

interface Pending {
  identity: Identity;
  path: PathKind;
  steps: ChainStep[];
}

export class RowCollector {
  private readonly rows = new Map<string, Pending>();
  /**
   * The identity of each subject object that names its own namespace (or needs none), and each identity's key:
   * a subject of many grants (the protobuf reader shares repeated ones) is made an identity and a key once.
   */
  private readonly identityBySubject = new WeakMap<Subject, Identity | null>();
  private readonly keys = new WeakMap<Identity, string>();

  constructor(private readonly serviceAccounts: ServiceAccountDirectory) {}

  /** identityKey, once per identity object. */
  keyOf(identity: Identity): string {
    let key = this.keys.get(identity);
    if (key === undefined) this.keys.set(identity, (key = identityKey(identity)));
    return key;
  }

  private identityOf(subject: Subject, bindingNamespace: string | undefined): Identity | undefined {
    // a ServiceAccount without a namespace is in the binding's: another identity for each binding's namespace
    if (subject.kind === 'ServiceAccount' && !subject.namespace) return identityOfSubject(subject, bindingNamespace);
    let identity = this.identityBySubject.get(subject);
    if (identity === undefined)
      this.identityBySubject.set(subject, (identity = identityOfSubject(subject, bindingNamespace) ?? null));
    return identity ?? undefined;
  }

  add(identity: Identity, path: PathKind, step: ChainStep): void {
    const key = `${path}|${this.keyOf(identity)}`;
    let row = this.rows.get(key);
    if (!row) this.rows.set(key, (row = { identity, path, steps: [] }));
    row.steps.push(step);
  }

  /**
   * Adds a step for every subject of the grant's binding, and for each member
   * of a ServiceAccount group among them.
   */
  addGrant(
    grant: Grant,
    path: PathKind,
    base: Omit<ChainStep, 'authorizer' | 'binding' | 'role'>,
    skip?: (id: Identity) => boolean,
  ): void {
    // Subjects bound as their identity share one step: nothing changes a step once made, and the rows' text
    // (JSON, YAML without references) is the same. A binding of two subjects makes one step, not two.
    let shared: ChainStep | undefined;
    for (const subject of grant.subjects) {
      const identity = this.identityOf(subject, grant.bindingNamespace);
      if (!identity) continue;
      const expands = identity.kind === 'Group' && serviceAccountGroupScope(identity.name) !== undefined;
      if (!expands && skip?.(identity)) continue;
      let step: ChainStep;
      if (
        subject.kind !== identity.kind ||
        (identity.kind === 'ServiceAccount' && subject.namespace !== identity.namespace)
      ) {
        step = grantStep(grant, base);
        step.boundAs = subject;
      } else step = shared ??= grantStep(grant, base);
      this.addExpanded(identity, path, step, skip);
    }
  }

  /** Adds the identity's step, and for a ServiceAccount group the same step for each member. */
  addExpanded(identity: Identity, path: PathKind, step: ChainStep, skip?: (id: Identity) => boolean): void {
    if (!skip?.(identity)) this.add(identity, path, step);
    const scope = identity.kind === 'Group' ? serviceAccountGroupScope(identity.name) : undefined;
    if (scope === undefined) return;
    for (const member of this.serviceAccounts.members(scope)) {
      if (skip?.(member)) continue;
      const { boundAs: _ignored, ...rest } = step;
      this.add(member, path, { ...rest, memberOf: identity.name });
    }
  }

  identities(path: PathKind): Identity[] {
    return [...this.rows.values()].filter((r) => r.path === path).map((r) => r.identity);
  }

  build(): WhoCanRow[] {
    return [...this.rows.values()].map(toRow).sort(compareRows);
  }
}

function toRow(p: Pending): WhoCanRow {
  // A verb is field-selected only when no step grants it in full.
  const verbSet = new Set<string>();
  const fullVerbs = new Set<string>();
  for (const s of p.steps) {
    for (const v of s.verbs) {
      verbSet.add(v);
      if (s.fieldSelectedOnly !== true) fullVerbs.add(v);
    }
  }
  const order = (v: string): number => {
    const i = (READ_VERBS as readonly string[]).indexOf(v);
    return i < 0 ? READ_VERBS.length : i;
  };
  const verbs = [...verbSet].sort((a, b) => order(a) - order(b) || compareText(a, b));
  const fieldSelectedOnly = p.path === 'direct' ? verbs.filter((v) => !fullVerbs.has(v)) : [];
  return {
    kind: p.identity.kind,
    subject: p.identity.name,
    namespace: p.identity.namespace ?? '',
    verbs,
    fieldSelectedOnly,
    path: p.path,
    via: viaText(p.steps),
    everyone: isEveryoneGroup(p.identity),
    controlPlane: isControlPlaneIdentity(p.identity),
    chain: p.steps,
  };
}

function isControlPlaneIdentity(identity: Identity): boolean {
  const { user } = userInfoOf(identity); // groups have no user
  return user !== undefined && isControlPlaneUser(user);
}

const KIND_ORDER = ['User', 'Group', 'ServiceAccount'];

function compareRows(a: WhoCanRow, b: WhoCanRow): number {
  return (
    PATH_KINDS.indexOf(a.path) - PATH_KINDS.indexOf(b.path) ||
    KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
    compareText(a.namespace, b.namespace) ||
    compareText(a.subject, b.subject)
  );
}

const MAX_VIA = 3;

/**
 * The row's chains in short, at most three, e.g.
 * `rolebinding/ops → clusterrole/edit rules[2,5]` (rules of one binding and role merged).
 */
export function viaText(steps: readonly ChainStep[]): string {
  const merged = new Map<string, { step: ChainStep; rules: Set<string> }>();
  for (const step of steps) {
    // stepText(step, []), the same text object for a direct grant's steps (its hash is kept: one Map lookup each)
    const plain = step.authorizer === 'RBAC' && !step.memberOf && !step.action;
    const key = plain ? grantEntry(step.binding!, step.role!).unruled : stepText(step, []);
    let entry = merged.get(key);
    if (!entry) merged.set(key, (entry = { step, rules: new Set() }));
    if (step.authorizer === 'RBAC') entry.rules.add(ruleLabel(step));
  }
  const entries = [...merged.values()];
  const shown = entries
    .slice(0, MAX_VIA)
    .map(({ step, rules }) => stepText(step, [...rules]))
    .join('; ');
  return entries.length > MAX_VIA ? `${shown}; (+${entries.length - MAX_VIA} more)` : shown;
}

function ruleLabel(step: ChainStep): string {
  const index = step.pendingAggregation ? 'pending aggregation' : String(step.ruleIndex);
  return step.aggregatedFrom ? `${index} from clusterrole/${step.aggregatedFrom}` : index;
}

/** One step in short; `rules` overrides the rule part with several rule labels. */
export function stepText(step: ChainStep, rules?: string[]): string {
  let text = step.memberOf ? `group ${step.memberOf}: ` : '';
  if (step.action) {
    const on = step.targets?.length ? ` ${step.actsAs ? 'as' : 'on'} ${targetsText(step.targets)}` : '';
    text += `${step.action}${on}: `;
  }
  switch (step.authorizer) {
    case 'superuser':
      return `${text}superuser group: bypasses authorization`;
    case 'Node':
      return `${text}Node authorizer: ${step.note ?? 'node'} runs ${targetsText(step.targets)}`;
    case 'RBAC':
      return `${text}${grantText(step.binding!, step.role!)} rules[${(rules ?? [ruleLabel(step)]).join(', ')}]`;
  }
  return text.slice(0, -1); // (no authorizer: the parts above, space-separated)
}

/**
 * `rolebinding/NAME → clusterrole/NAME`, made once per binding: the steps of a grant share its binding and role
 * objects (at 10,000 bindings, thousands of steps come from a few hundred bindings).
 */
function grantText(b: BindingId, r: RoleId): string {
  return grantEntry(b, r).text;
}

/** The text, and what stepText(step, []) makes of a plain step of the grant (`… rules[]`), made once. */
function grantEntry(b: BindingId, r: RoleId): { role: RoleId; text: string; unruled: string } {
  const known = grantTexts.get(b);
  if (known !== undefined && known.role === r) return known;
  const text = `${b.kind.toLowerCase()}/${b.name} → ${r.kind.toLowerCase()}/${r.name}`;
  const entry = { role: r, text, unruled: `${text} rules[]` };
  grantTexts.set(b, entry);
  return entry;
}
const grantTexts = new WeakMap<BindingId, { role: RoleId; text: string; unruled: string }>();

const MAX_TARGETS = 2;

/** Made once per list of targets: steps share them (a grant's hits, a namespace's reader ServiceAccounts). */
function targetsText(targets: readonly TargetRef[] | undefined): string {
  if (targets === undefined) return '';
  let text = targetTexts.get(targets);
  if (text === undefined) {
    const names = targets.map((t) => `${t.kind.toLowerCase()}/${t.name}`);
    const shown = names.slice(0, MAX_TARGETS).join(',');
    text = names.length > MAX_TARGETS ? `${shown} (+${names.length - MAX_TARGETS})` : shown;
    targetTexts.set(targets, text);
  }
  return text;
}
const targetTexts = new WeakMap<readonly TargetRef[], string>();
