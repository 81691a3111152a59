// Reads per acting subject, Secret and verb: the audit side of joins with RBAC
// (least-privilege asks "who can but never did"). Fed by runAudit's onRequest.
import type { ReadScope, ReadVerb } from './report-types.js';
import type { SecretRead } from './secret-read.js';

/** Reads that share a subject (with its groups), a verb and a target. */
export interface ObservedRead {
  /** The acting user: the impersonated one when the request impersonated. */
  user: string;
  /** The acting user's groups as logged (empty when the log has none). */
  groups: string[];
  verb: ReadVerb;
  /** null: a cluster-wide list or watch. */
  namespace: string | null;
  /** The Secret's name for named and field-selected reads. */
  name: string | null;
  scope: ReadScope;
  count: number;
  /** Epoch ms; null when no event carried a time. */
  firstSeen: number | null;
  lastSeen: number | null;
}

/**
 * Collects the requests the authorizer let through. Denied attempts are not
 * reads: they are only counted. A request whose outcome was never logged
 * counts as a read (it may have been allowed; judging it unused could take
 * away access someone has used).
 */
export class ReadLedger {
  private readonly byKey = new Map<string, ObservedRead>();
  denied = 0;
  /** Earliest time of any request handed in (denied ones included): how far back the logs reach. */
  earliest: number | null = null;

  add(read: SecretRead): void {
    if (read.time !== null && (this.earliest === null || read.time < this.earliest)) this.earliest = read.time;
    if (read.denied) {
      this.denied++;
      return;
    }
    const impersonated = read.impersonatedUser !== null;
    const user = impersonated ? read.impersonatedUser! : read.user;
    const groups = [...new Set((impersonated ? read.impersonatedGroups : read.groups) ?? [])].sort();
    const name = read.scope === 'named' || read.scope === 'field-selected' ? read.name : null;
    const key = JSON.stringify([user, groups, read.verb, read.namespace, name, read.scope]);
    let entry = this.byKey.get(key);
    if (!entry) {
      entry = {
        user,
        groups,
        verb: read.verb,
        namespace: read.namespace,
        name,
        scope: read.scope,
        count: 0,
        firstSeen: null,
        lastSeen: null,
      };
      this.byKey.set(key, entry);
    }
    entry.count++;
    if (read.time !== null) {
      if (entry.firstSeen === null || read.time < entry.firstSeen) entry.firstSeen = read.time;
      if (entry.lastSeen === null || read.time > entry.lastSeen) entry.lastSeen = read.time;
    }
  }

  reads(): ObservedRead[] {
    return [...this.byKey.values()];
  }
}
