import {
  READ_SCOPES,
  READ_VERBS,
  type AuditGroupBy,
  type AuditRow,
  type ReadScope,
  type ReadVerb,
  type SubjectKind,
} from './report-types.js';
import type { ResolvedQuery } from './query.js';
import type { SecretRead } from './secret-read.js';
import { isSystemKind, serviceAccountNamespace, subjectKind, subjectLabel } from './subjects.js';
import { plural } from './document.js';
import { boundedMemo } from '../util/bounded-memo.js';

/** "ns/name" for named and field-selected reads, "ns/*" namespace-wide, "*\/*" cluster-wide. */
export function targetOf(
  r: { namespace: string | null; name: string | null; scope: ReadScope },
  pairs?: { get(first: string, second: string): string },
): string {
  if (r.scope === 'cluster-wide') return '*/*';
  const name = r.scope === 'namespace-wide' || r.name === null ? '*' : r.name;
  return pairs ? pairs.get(r.namespace ?? '*', name) : `${r.namespace ?? '*'}/${name}`;
}

/**
 * "a/b" strings made once for each pair: a request's target and pod repeat across requests, and a
 * string made anew would be hashed anew by every Set it goes into.
 */
class PairTexts {
  private readonly byFirst = new Map<string, Map<string, string>>();
  private size = 0;

  get(first: string, second: string): string {
    let bySecond = this.byFirst.get(first);
    let text = bySecond?.get(second);
    if (text !== undefined) return text;
    text = `${first}/${second}`;
    // At most MAX_PAIRS strings are kept: a log of ever-new names starts again rather than grow.
    if (this.size >= MAX_PAIRS) {
      this.byFirst.clear();
      this.size = 0;
      bySecond = undefined;
    }
    if (!bySecond) {
      bySecond = new Map();
      this.byFirst.set(first, bySecond);
    }
    bySecond.set(second, text);
    this.size++;
    return text;
  }
}

const MAX_PAIRS = 50_000;

/** What the report makes of a read's subject: its kind, its label, and the namespace of a ServiceAccount. */
interface Subject {
  kind: SubjectKind;
  label: string;
  namespace: string | null;
}

function subjectOf(user: string, impersonatedUser: string | null): Subject {
  return {
    kind: subjectKind(user, impersonatedUser),
    label: subjectLabel(user, impersonatedUser),
    namespace: serviceAccountNamespace(user),
  };
}

/** What a RowBuilder adds besides the read: its subject, its target, and the strings shared between rows. */
interface Counted extends Subject {
  target: string;
  pairs: PairTexts;
}

/**
 * What requests counted together name besides their read's own pod, node, source IPs, user agent, verb and Secret
 * (request-tally.ts).
 */
export interface RequestMembers {
  readonly pods: readonly string[];
  readonly nodes: readonly string[];
  readonly sourceIPs: readonly string[];
  readonly userAgents: readonly string[];
  readonly verbs: readonly ReadVerb[];
  /** Their Secrets as targetOf names them, and their scopes. */
  readonly secrets: readonly string[];
  readonly scopes: readonly ReadScope[];
}

/** One row being built, as plain data: what a counting thread hands back (structured clone keeps the Sets). */
export interface RowState {
  readonly key: string;
  readonly subject?: AuditRow['subject'];
  count: number;
  denied: number;
  first: number | null;
  last: number | null;
  readonly verbs: Set<ReadVerb>;
  readonly scopes: Set<ReadScope>;
  readonly subjects: Set<string>;
  readonly secrets: Set<string>;
  readonly sourceIPs: Set<string>;
  readonly userAgents: Set<string>;
  readonly pods: Set<string>;
  readonly nodes: Set<string>;
  readonly kubelets: Set<string>;
  readonly controlPlane: Set<string>;
}

const ROW_SETS = [
  'verbs',
  'scopes',
  'subjects',
  'secrets',
  'sourceIPs',
  'userAgents',
  'pods',
  'nodes',
  'kubelets',
  'controlPlane',
] as const satisfies readonly (keyof RowState)[];

/** Everything an Aggregator has counted, as plain data. */
export interface AggregatorState {
  rows: RowState[];
  system: RowState;
  totals: Aggregator['totals'];
}

class RowBuilder implements RowState {
  count = 0;
  denied = 0;
  first: number | null = null;
  last: number | null = null;
  readonly verbs = new Set<ReadVerb>();
  readonly scopes = new Set<ReadScope>();
  readonly subjects = new Set<string>();
  readonly secrets = new Set<string>();
  readonly sourceIPs = new Set<string>();
  readonly userAgents = new Set<string>();
  readonly pods = new Set<string>();
  readonly nodes = new Set<string>();
  readonly kubelets = new Set<string>();
  readonly controlPlane = new Set<string>();

  constructor(
    readonly key: string,
    public subject?: AuditRow['subject'],
  ) {}

  /**
   * `requests` alike in the row's key and outcome, received from `first` to `last` (request-tally.ts counts them
   * together): r is the first one's read, `members` what the others name besides.
   */
  add(
    r: SecretRead,
    { kind, label, namespace, target, pairs }: Counted,
    requests = 1,
    first = r.time,
    last = r.time,
    members?: RequestMembers,
  ): void {
    this.count += requests;
    if (this.subject && (r.user !== this.subject.user || r.impersonatedUser !== this.subject.impersonatedUser))
      this.offer({ user: r.user, impersonatedUser: r.impersonatedUser, kind });
    if (r.denied) this.denied += requests;
    if (first !== null && (this.first === null || first < this.first)) this.first = first;
    if (last !== null && (this.last === null || last > this.last)) this.last = last;
    this.verbs.add(r.verb);
    this.scopes.add(r.scope);
    this.subjects.add(label);
    this.secrets.add(target);
    for (const ip of r.sourceIPs) this.sourceIPs.add(ip);
    if (r.userAgent !== null) this.userAgents.add(r.userAgent);
    if (r.pod !== null) this.pods.add(namespace === null ? r.pod : pairs.get(namespace, r.pod));
    if (r.node !== null) this.nodes.add(r.node);
    if (kind === 'node') this.kubelets.add(r.user);
    if (kind === 'control-plane') this.controlPlane.add(r.user);
    if (!members) return;
    for (const ip of members.sourceIPs) this.sourceIPs.add(ip);
    // A cell's pods are rarely another cell's: paired here, not kept in PairTexts (most would be looked up once).
    const podOf = namespace === null ? '' : `${namespace}/`;
    for (const pod of members.pods) this.pods.add(podOf + pod);
    for (const node of members.nodes) this.nodes.add(node);
    for (const agent of members.userAgents) this.userAgents.add(agent);
    for (const verb of members.verbs) this.verbs.add(verb);
    for (const secret of members.secrets) this.secrets.add(secret);
    for (const scope of members.scopes) this.scopes.add(scope);
  }

  /** Adds another thread's counts of the same row (their requests are not these: each was counted by one thread). */
  merge(other: RowState): void {
    if (other.subject && this.subject) this.offer(other.subject);
    this.count += other.count;
    this.denied += other.denied;
    if (other.first !== null && (this.first === null || other.first < this.first)) this.first = other.first;
    if (other.last !== null && (this.last === null || other.last > this.last)) this.last = other.last;
    for (const set of ROW_SETS) for (const value of other[set] as Set<string>) (this[set] as Set<string>).add(value);
  }

  /**
   * Two subjects may share a label (the user "a as b", and a impersonating b): the row names the
   * smaller, so that it does not depend on which came first, or on which thread counted it.
   */
  private offer(subject: NonNullable<AuditRow['subject']>): void {
    const current = this.subject!;
    const order = (s: typeof subject): string => `${s.user}\n${s.impersonatedUser ?? ''}`;
    if (order(subject) < order(current)) this.subject = subject;
  }

  build(system: boolean): AuditRow {
    const row: AuditRow = {
      key: system
        ? `(system) ${plural(this.kubelets.size, 'kubelet', 'kubelets')}, ${this.controlPlane.size} control-plane`
        : this.key,
      count: this.count,
      denied: this.denied,
      firstSeen: this.first === null ? null : new Date(this.first).toISOString(),
      lastSeen: this.last === null ? null : new Date(this.last).toISOString(),
      verbs: READ_VERBS.filter((v) => this.verbs.has(v)),
      scopes: READ_SCOPES.filter((s) => this.scopes.has(s)),
      subjects: sorted(this.subjects),
      secrets: sorted(this.secrets),
      sourceIPs: sorted(this.sourceIPs),
      userAgents: sorted(this.userAgents),
      pods: sorted(this.pods),
      nodes: sorted(this.nodes),
    };
    if (system) row.system = { kubelets: this.kubelets.size, controlPlane: this.controlPlane.size };
    if (this.subject) row.subject = this.subject;
    return row;
  }
}

function sorted(values: Set<string>): string[] {
  return [...values].sort();
}

function groupKey(r: SecretRead, label: string, target: string, groupBy: AuditGroupBy): string {
  switch (groupBy) {
    case 'subject':
      return label;
    case 'secret':
      return target;
    case 'verb':
      return r.verb;
    case 'source':
      return r.sourceIPs[0] ?? '(none)';
    case 'user-agent':
      return r.userAgent ?? '(none)';
  }
}

/** The stages logged of a request, from its bits. */
export function bitCount(bits: number): number {
  let n = 0;
  for (let b = bits; b !== 0; b &= b - 1) n++;
  return n;
}

/**
 * Builds the report's rows one request at a time: one row per value of the grouping,
 * biggest count first; kubelets and control-plane components go into one last row
 * unless the query lists them.
 */
export class Aggregator {
  private readonly rows = new Map<string, RowBuilder>();
  private readonly system = new RowBuilder('(system)');
  private readonly pairs = new PairTexts();
  /** By user, for reads without impersonation: the same few users make most reads. */
  private readonly subjectOfUser = boundedMemo(MAX_PAIRS, (user: string) => subjectOf(user, null));
  readonly totals = { requests: 0, denied: 0, failed: 0, noResponse: 0, system: 0, events: 0 };

  constructor(private readonly q: ResolvedQuery) {}

  /** Counts one request that matched the query (its final stage's read; `stages` has a bit per stage logged). */
  add(r: SecretRead, stages: number): void {
    this.addRequests(r, 1, bitCount(stages), r.time, r.time);
  }

  /**
   * Counts `requests` that matched the query, alike in their subject, outcome and what the rows are grouped by
   * (request-tally.ts): `events` stages in all, received from `first` to `last`. r is the first one's read (its time
   * is not read); `members`, the pods, nodes, source IPs, user agents, verbs and Secrets the others name besides.
   */
  addRequests(
    r: SecretRead,
    requests: number,
    events: number,
    first: number | null,
    last: number | null,
    members?: RequestMembers,
  ): void {
    const { q, totals } = this;
    totals.requests += requests;
    totals.events += events;
    if (r.denied) totals.denied += requests;
    else if (r.code === null) totals.noResponse += requests;
    else if (r.code >= 400) totals.failed += requests;
    const { kind, label, namespace } = this.subjectOf(r);
    const { pairs } = this;
    const target = targetOf(r, pairs);
    const counted = { kind, label, namespace, target, pairs };
    if (isSystemKind(kind)) {
      totals.system += requests;
      if (!q.includeSystem) {
        this.system.add(r, counted, requests, first, last, members);
        return;
      }
    }
    const key = groupKey(r, label, target, q.groupBy);
    let row = this.rows.get(key);
    if (!row) {
      row = new RowBuilder(
        key,
        q.groupBy === 'subject' ? { user: r.user, impersonatedUser: r.impersonatedUser, kind } : undefined,
      );
      this.rows.set(key, row);
    }
    row.add(r, counted, requests, first, last, members);
  }

  private subjectOf({ user, impersonatedUser }: SecretRead): Subject {
    return impersonatedUser === null ? this.subjectOfUser(user) : subjectOf(user, impersonatedUser);
  }

  state(): AggregatorState {
    return { rows: [...this.rows.values()], system: this.system, totals: this.totals };
  }

  /**
   * Adds what another Aggregator of the same query counted. `spent`: the other's count is used no more (the
   * report of it), so rows it built on this thread are taken as they are, not copied.
   */
  merge(other: AggregatorState, { spent = false }: { spent?: boolean } = {}): void {
    for (const [key, value] of Object.entries(other.totals) as [keyof Aggregator['totals'], number][])
      this.totals[key] += value;
    this.system.merge(other.system);
    for (const theirs of other.rows) {
      let row = this.rows.get(theirs.key);
      if (!row && spent && theirs instanceof RowBuilder) {
        this.rows.set(theirs.key, theirs);
        continue;
      }
      if (!row) {
        row = new RowBuilder(theirs.key, theirs.subject);
        this.rows.set(theirs.key, row);
      }
      row.merge(theirs);
    }
  }

  result(): AuditRow[] {
    const rows = [...this.rows.values()]
      .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((row) => row.build(false));
    if (this.system.count > 0) rows.push(this.system.build(true));
    return rows;
  }
}
