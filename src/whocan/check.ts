// --check SUBJECT: can this one subject get at the Secret, and how?
import type { WhoCanRow } from './report.js';
import { identityKey, impliedGroups, type Identity } from './subjects.js';
import { rowIdentity } from './report.js';

export interface CheckAnswer {
  allowed: boolean;
  /** The rows that say so: the subject's own, and those of groups it is always in. */
  rows: WhoCanRow[];
  /** Groups the answer took into account besides the subject itself. */
  groups: string[];
}

/**
 * The subject counts as itself and as every group its requests always carry
 * (system:authenticated; a ServiceAccount's system:serviceaccounts groups;
 * the anonymous user's system:unauthenticated). Other groups a user may have
 * come from the authenticator and cannot be known: pass them in `groups`.
 */
export function checkSubject(
  rows: readonly WhoCanRow[],
  subject: Identity,
  groups: readonly string[] = [],
): CheckAnswer {
  const allGroups = [...new Set([...impliedGroups(subject), ...groups])];
  const keys = new Set([identityKey(subject), ...allGroups.map((name) => identityKey({ kind: 'Group', name }))]);
  const matching = rows.filter((r) => keys.has(identityKey(rowIdentity(r))));
  return { allowed: matching.length > 0, rows: matching, groups: allGroups };
}
