// "Did read": every request of the audit engine that reached one Secret, folded per
// identity (who-can's Identity form, so that it joins with who-can's rows) and kept in
// order for the timeline. Pure: requests in, plain data out.
import type { ReadScope, ReadVerb, SecretRead } from '../audit/run.js';
import { READ_SCOPES, READ_VERBS } from '../audit/run.js';
import { serviceAccountNamespace, subjectLabel } from '../audit/subjects.js';
import { isControlPlaneUser } from '../util/control-plane.js';
import { identityKey, parseServiceAccountUser, type Identity } from '../whocan/subjects.js';

/** What one identity did to the Secret in the window. Denied attempts are never reads. */
export interface Activity {
  /** Requests that returned the value: neither denied nor failed (list/watch in scope included: they return every value). */
  reads: number;
  denied: number;
  /** Allowed but failed (404 before the Secret existed, 5xx): no value returned. */
  failed: number;
  /** RFC3339 of the first and last read that was not denied; null when none. */
  firstRead: string | null;
  lastRead: string | null;
  /** RFC3339 of the last denied attempt; null when none. */
  lastDenied: string | null;
  verbs: ReadVerb[];
  scopes: ReadScope[];
  sourceIPs: string[];
  userAgents: string[];
  /** ServiceAccount token reads: "ns/pod" and node names from user.extra. */
  pods: string[];
  nodes: string[];
  /** user.extra authentication.kubernetes.io/credential-id (one per token). */
  credentialIds: string[];
  /** Impersonated requests: identities this one acted as ("as alice") or was acted as by ("by frank"). */
  impersonation: string[];
}

export interface IdentityActivity {
  identity: Identity;
  /** Groups the log says the identity's requests carried (for group bindings). */
  groups: string[];
  activity: Activity;
}

export type Outcome = 'read' | 'denied' | 'failed';

/** One request in the timeline: never a body, only who, how and from where. */
export interface TimelineRead {
  time: string | null;
  /** "alice", "frank as alice". */
  subject: string;
  verb: ReadVerb;
  scope: ReadScope;
  outcome: Outcome;
  code: number | null;
  sourceIP: string | null;
  userAgent: string | null;
  pod: string | null;
  node: string | null;
  credentialId: string | null;
  /** By a control-plane component (left out of views unless asked for). */
  controlPlane: boolean;
}

/** The identity a log user name stands for: ServiceAccounts by namespace and name, kubelets and people as users. */
export function identityOfUser(user: string): Identity {
  const sa = parseServiceAccountUser(user);
  return sa ? { kind: 'ServiceAccount', ...sa } : { kind: 'User', name: user };
}

class ActivityBuilder {
  reads = 0;
  denied = 0;
  failed = 0;
  first: number | null = null;
  last: number | null = null;
  lastDenied: number | null = null;
  readonly verbs = new Set<ReadVerb>();
  readonly scopes = new Set<ReadScope>();
  readonly groups = new Set<string>();
  readonly sets = {
    sourceIPs: new Set<string>(),
    userAgents: new Set<string>(),
    pods: new Set<string>(),
    nodes: new Set<string>(),
    credentialIds: new Set<string>(),
    impersonation: new Set<string>(),
  };

  constructor(readonly identity: Identity) {}

  add(r: SecretRead, groups: readonly string[], impersonation: string | null): void {
    if (r.denied) {
      this.denied++;
      if (r.time !== null && (this.lastDenied === null || r.time > this.lastDenied)) this.lastDenied = r.time;
    } else if (r.code !== null && r.code >= 400) {
      this.failed++;
    } else {
      this.reads++;
      if (r.time !== null) {
        if (this.first === null || r.time < this.first) this.first = r.time;
        if (this.last === null || r.time > this.last) this.last = r.time;
      }
    }
    this.verbs.add(r.verb);
    this.scopes.add(r.scope);
    for (const g of groups) this.groups.add(g);
    const s = this.sets;
    for (const ip of r.sourceIPs) s.sourceIPs.add(ip);
    if (r.userAgent !== null) s.userAgents.add(r.userAgent);
    if (r.pod !== null) s.pods.add(podOf(r));
    if (r.node !== null) s.nodes.add(r.node);
    if (r.credentialId) s.credentialIds.add(r.credentialId);
    if (impersonation !== null) s.impersonation.add(impersonation);
  }

  build(): IdentityActivity {
    const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
    const sorted = (set: Set<string>): string[] => [...set].sort();
    const s = this.sets;
    return {
      identity: this.identity,
      groups: sorted(this.groups),
      activity: {
        reads: this.reads,
        denied: this.denied,
        failed: this.failed,
        firstRead: iso(this.first),
        lastRead: iso(this.last),
        lastDenied: iso(this.lastDenied),
        verbs: READ_VERBS.filter((v) => this.verbs.has(v)),
        scopes: READ_SCOPES.filter((v) => this.scopes.has(v)),
        sourceIPs: sorted(s.sourceIPs),
        userAgents: sorted(s.userAgents),
        pods: sorted(s.pods),
        nodes: sorted(s.nodes),
        credentialIds: sorted(s.credentialIds),
        impersonation: sorted(s.impersonation),
      },
    };
  }
}

function podOf(r: Pick<SecretRead, 'user' | 'pod'>): string {
  const ns = serviceAccountNamespace(r.user);
  return ns === null ? r.pod! : `${ns}/${r.pod}`;
}

export const NO_ACTIVITY: Activity = {
  reads: 0,
  denied: 0,
  failed: 0,
  firstRead: null,
  lastRead: null,
  lastDenied: null,
  verbs: [],
  scopes: [],
  sourceIPs: [],
  userAgents: [],
  pods: [],
  nodes: [],
  credentialIds: [],
  impersonation: [],
};

/**
 * Folds requests (each once, as the audit engine hands them on) per identity. An
 * impersonated request counts for both identities: the impersonated one (whose RBAC
 * allowed it) and the impersonator (who chose to read). Group activity sums up the
 * requests of the acting identities that carried the group.
 */
export class AccessLedger {
  private readonly identities = new Map<string, ActivityBuilder>();
  private readonly groups = new Map<string, ActivityBuilder>();
  private readonly events: TimelineRead[] = [];
  /** Requests left out of the timeline once it held `timelineLimit` entries. */
  timelineDropped = 0;
  requests = 0;

  constructor(private readonly timelineLimit = 10_000) {}

  add(r: SecretRead): void {
    this.requests++;
    const acting = r.impersonatedUser ?? r.user;
    const actingGroups = (r.impersonatedUser !== null ? r.impersonatedGroups : r.groups) ?? [];
    const impersonator = r.impersonatedUser !== null ? r.user : null;
    this.builder(this.identities, identityOfUser(acting)).add(r, actingGroups, impersonator && `by ${impersonator}`);
    if (impersonator !== null) {
      this.builder(this.identities, identityOfUser(impersonator)).add(r, r.groups ?? [], `as ${acting}`);
    }
    for (const g of actingGroups) this.builder(this.groups, { kind: 'Group', name: g }).add(r, [], null);
    if (this.events.length < this.timelineLimit) this.events.push(timelineRead(r));
    else this.timelineDropped++;
  }

  /** Users and ServiceAccounts (kubelets are users system:node:NAME), each once. */
  subjects(): IdentityActivity[] {
    return [...this.identities.values()].map((b) => b.build());
  }

  /** Activity of the members of one group, or undefined when no request carried it. */
  group(name: string): Activity | undefined {
    return this.groups.get(identityKey({ kind: 'Group', name }))?.build().activity;
  }

  /** Activity of one identity (a group: its members). */
  of(identity: Identity): Activity {
    if (identity.kind === 'Group') return this.group(identity.name) ?? NO_ACTIVITY;
    const found = this.identities.get(identityKey(identity));
    return found ? found.build().activity : NO_ACTIVITY;
  }

  /** The groups the requests of a user or ServiceAccount carried. */
  groupsOf(identity: Identity): string[] {
    return [...(this.identities.get(identityKey(identity))?.groups ?? [])];
  }

  /** Requests in time order (those without a time last, in log order). */
  timeline(): TimelineRead[] {
    return inTimeOrder(this.events);
  }

  private builder(map: Map<string, ActivityBuilder>, identity: Identity): ActivityBuilder {
    const key = identityKey(identity);
    let b = map.get(key);
    if (!b) map.set(key, (b = new ActivityBuilder(identity)));
    return b;
  }
}

/** Entries in time order (those without a time last, in the order given). */
export function inTimeOrder<T extends { time: string | null }>(entries: readonly T[]): T[] {
  const at = (t: T): number => (t.time === null ? Number.POSITIVE_INFINITY : Date.parse(t.time));
  return [...entries].sort((a, b) => at(a) - at(b));
}

function timelineRead(r: SecretRead): TimelineRead {
  const { time, subject, ...rest } = timelineFacts(r);
  const outcome = r.denied ? 'denied' : r.code !== null && r.code >= 400 ? 'failed' : 'read';
  return { time, subject, verb: r.verb, scope: r.scope, outcome, ...rest };
}

/** What a timeline entry says of any request, read or write: when, who, the response code, from where. */
export function timelineFacts(r: Omit<SecretRead, 'verb' | 'scope'>): Omit<TimelineRead, 'verb' | 'scope' | 'outcome'> {
  return {
    time: r.time === null ? null : new Date(r.time).toISOString(),
    subject: subjectLabel(r.user, r.impersonatedUser),
    code: r.code,
    sourceIP: r.sourceIPs[0] ?? null,
    userAgent: r.userAgent,
    pod: r.pod === null ? null : podOf(r),
    node: r.node,
    credentialId: r.credentialId ?? null,
    controlPlane: r.impersonatedUser === null && isControlPlaneUser(r.user),
  };
}
