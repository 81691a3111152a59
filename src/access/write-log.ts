// The writes investigate's timeline lists, and which ones those are: the Secret's own, the Roles
// and RoleBindings of its namespace (the audit engine hands on no others), and of the ClusterRoles
// and ClusterRoleBindings, those on a who-can path to the Secret now or deleted in the window (it may
// have granted the Secret; Metadata-level logs do not say what it bound), each with all its writes.
// The first `limit` listed writes in log order are kept, the rest only counted. Pure.
import type { ObjectWrite, WrittenResource } from '../audit/run.js';
import type { WhoCanRow } from '../whocan/report.js';

export type ChangedKind = 'Secret' | 'RoleBinding' | 'ClusterRoleBinding' | 'Role' | 'ClusterRole';

export const OBJECT_KIND: Record<WrittenResource, ChangedKind> = {
  secrets: 'Secret',
  rolebindings: 'RoleBinding',
  clusterrolebindings: 'ClusterRoleBinding',
  roles: 'Role',
  clusterroles: 'ClusterRole',
};

export const isClusterScoped = (kind: ChangedKind): boolean => kind === 'ClusterRole' || kind === 'ClusterRoleBinding';

const objectKey = (kind: ChangedKind, namespace: string | null, name: string | null): string =>
  `${kind}/${namespace ?? ''}/${name ?? ''}`;

/** The key of a cluster-wide RBAC object a write changed; null for the Secret and namespaced RBAC. */
function clusterObjectKey(w: ObjectWrite): string | null {
  const kind = OBJECT_KIND[w.resource];
  return isClusterScoped(kind) ? objectKey(kind, null, w.name) : null;
}

/** The bindings and roles on who-can's paths to the Secret now (aggregated ClusterRoles with their parts). */
export function grantingObjects(rows: readonly WhoCanRow[]): Set<string> {
  const keys = new Set<string>();
  for (const row of rows)
    for (const step of row.chain) {
      if (step.binding) keys.add(objectKey(step.binding.kind, step.binding.namespace ?? null, step.binding.name));
      if (step.role) keys.add(objectKey(step.role.kind, step.role.namespace ?? null, step.role.name));
      if (step.aggregatedFrom) keys.add(objectKey('ClusterRole', null, step.aggregatedFrom));
    }
  return keys;
}

/** Does the RBAC object a write changed grant the Secret now (undefined for the Secret's own writes)? */
export function grantsNow(w: ObjectWrite, granting: ReadonlySet<string>): boolean | undefined {
  const kind = OBJECT_KIND[w.resource];
  if (kind === 'Secret') return undefined;
  return granting.has(objectKey(kind, isClusterScoped(kind) ? null : w.namespace, w.name));
}

const isDoneDelete = (w: ObjectWrite): boolean => w.verb === 'delete' && !w.denied && (w.code === null || w.code < 400);

/**
 * Which cluster-wide objects are listed is known only at the end (who-can's paths; a delete later
 * in the log), so their writes are held until then, and the limit applies to listed writes only:
 * unrelated writes (thousands of other ClusterRoleBindings) neither take a listed one's place nor
 * count as left out. Once `limit` writes known to be listed are held, a later write can never be
 * among the first `limit`: it is only counted (per object while its fate is open). So is a write whose
 * object's fate is open once `openRoom` such writes are held: memory stays bounded on a log of millions
 * of them, and one that turns out listed is counted as left out.
 */
export class WriteLog {
  /** Writes that may be listed, in log order. */
  private readonly held: ObjectWrite[] = [];
  /** Of `held`, those known to be listed: the Secret's, namespaced RBAC, objects deleted since. */
  private known = 0;
  /** Held writes per cluster-wide object whose fate is open. */
  private readonly heldOpen = new Map<string, number>();
  private readonly deleted = new Set<string>();
  /** Writes past the limit, per cluster-wide object whose fate is open. */
  private readonly pastOpen = new Map<string, number>();
  /** Writes past the limit known to be listed. */
  private pastListed = 0;
  /** The sum of heldOpen's counts. */
  private heldOpenTotal = 0;

  constructor(
    private readonly limit = 10_000,
    private readonly openRoom = 100_000,
  ) {}

  add(w: ObjectWrite): void {
    const key = clusterObjectKey(w);
    if (key !== null && isDoneDelete(w) && !this.deleted.has(key)) {
      this.deleted.add(key);
      this.known += this.heldOpen.get(key) ?? 0;
      this.heldOpenTotal -= this.heldOpen.get(key) ?? 0;
      this.pastListed += this.pastOpen.get(key) ?? 0;
      this.heldOpen.delete(key);
      this.pastOpen.delete(key);
    }
    const listed = key === null || this.deleted.has(key);
    if (this.known >= this.limit || (!listed && this.heldOpenTotal >= this.openRoom)) {
      if (listed) this.pastListed++;
      else this.pastOpen.set(key, (this.pastOpen.get(key) ?? 0) + 1);
      return;
    }
    this.held.push(w);
    if (listed) this.known++;
    else {
      this.heldOpen.set(key, (this.heldOpen.get(key) ?? 0) + 1);
      this.heldOpenTotal++;
    }
  }

  /** The listed writes (the first `limit`, in log order) and how many more listed ones there were. */
  listed(granting: ReadonlySet<string>): { writes: ObjectWrite[]; dropped: number } {
    const isListed = (key: string | null): boolean => key === null || this.deleted.has(key) || granting.has(key);
    const writes = this.held.filter((w) => isListed(clusterObjectKey(w)));
    let dropped = this.pastListed + Math.max(0, writes.length - this.limit);
    for (const [key, count] of this.pastOpen) if (granting.has(key)) dropped += count;
    return { writes: writes.slice(0, this.limit), dropped };
  }
}
