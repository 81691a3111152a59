// Each write request once, its stages merged, if it touches what the query asks about.
import type { ResolvedQuery } from './query.js';
import { mayWrite, type ObjectWrite } from './write-event.js';

/**
 * Does a write reach the query's Secret, or RBAC that may grant it? The Secret itself (by
 * name; a deletecollection of its namespace too; never a write that does not name it), Roles and RoleBindings of its namespace,
 * and every ClusterRole and ClusterRoleBinding (callers narrow those: which ones grant the
 * Secret is RBAC's question, not the log's). The time window applies as to reads.
 */
export function matchesWrite(w: ObjectWrite, q: ResolvedQuery): boolean {
  if (q.sinceMs !== null || q.untilMs !== null) {
    if (w.time === null) return false;
    if (q.sinceMs !== null && w.time < q.sinceMs) return false;
    if (q.untilMs !== null && w.time > q.untilMs) return false;
  }
  const clusterScoped = w.resource === 'clusterroles' || w.resource === 'clusterrolebindings';
  if (!clusterScoped && q.namespace !== null && w.namespace !== q.namespace) return false;
  // Without a name, only a deletecollection is known to reach it (a create's name may be missing: generateName).
  if (w.resource === 'secrets' && q.name !== null && w.name !== q.name && w.verb !== 'deletecollection') return false;
  return true;
}

const FINAL_STAGE = 2;

/**
 * Merges the stages of each write request (RequestReceived lacks the name of a create and the
 * outcome; ResponseComplete has both) and hands it on once, whichever input logged it. Writes
 * are rare next to reads, so plain Maps do.
 */
export class WriteRequests {
  private readonly pending = new Map<string, ObjectWrite>();
  private readonly done = new Set<string>();
  private readonly secretName: Buffer | null;

  constructor(
    private readonly query: ResolvedQuery,
    private readonly emit: (write: ObjectWrite) => void,
  ) {
    this.secretName = query.name === null ? null : Buffer.from(query.name);
  }

  /** The byte test for the records worth parsing for this query (write-event.ts mayWrite). */
  mayWrite(buf: Buffer, start: number, end: number): boolean {
    return mayWrite(buf, start, end, this.secretName);
  }

  add(w: ObjectWrite): void {
    if (w.auditID === null) {
      this.hand(w);
      return;
    }
    // Sanitised fixtures reuse one auditID: what the request did must agree too.
    const key = `${w.auditID}\n${w.verb}\n${w.resource}\n${w.namespace ?? ''}`;
    if (this.done.has(key)) return;
    const before = this.pending.get(key);
    const merged = before ? mergeStages(before, w) : w;
    if (merged.stageRank < FINAL_STAGE) {
      this.pending.set(key, merged);
      return;
    }
    this.pending.delete(key);
    this.done.add(key);
    this.hand(merged);
  }

  /** Hands on the requests never seen to finish. */
  finish(): void {
    for (const w of this.pending.values()) this.hand(w);
    this.pending.clear();
  }

  private hand(w: ObjectWrite): void {
    if (matchesWrite(w, this.query)) this.emit(w);
  }
}

function mergeStages(a: ObjectWrite, b: ObjectWrite): ObjectWrite {
  const [later, earlier] = b.stageRank >= a.stageRank ? [b, a] : [a, b];
  return {
    ...later,
    name: later.name ?? earlier.name,
    impersonatedUser: later.impersonatedUser ?? earlier.impersonatedUser,
    time: earlier.time ?? later.time,
  };
}
