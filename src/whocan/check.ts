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
  return checkIndexed(indexRows(rows), subject, groups);
}

/** Rows by identity key (with their positions), so that checking many subjects costs one pass over the rows. */
export interface RowIndex {
  rows: readonly WhoCanRow[];
  byKey: Map<string, number[]>;
}

export function indexRows(rows: readonly WhoCanRow[]): RowIndex {
  const byKey = new Map<string, number[]>();
  rows.forEach((row, i) => {
    const key = identityKey(rowIdentity(row));
    const at = byKey.get(key);
    if (at) at.push(i);
    else byKey.set(key, [i]);
  });
  return { rows, byKey };
}

/**
 * Who RBAC lets a subject act as: the identity keys of the subject and of every group it is in (those its
 * requests always carry, and `groups`), and those groups.
 */
export function subjectKeys(subject: Identity, groups: readonly string[] = []): { keys: string[]; groups: string[] } {
  const allGroups = [...new Set([...impliedGroups(subject), ...groups])];
  const keys = new Set([identityKey(subject), ...allGroups.map((name) => identityKey({ kind: 'Group', name }))]);
  return { keys: [...keys], groups: allGroups };
}

/** checkSubject on an index: the matching rows in their original order. */
export function checkIndexed(index: RowIndex, subject: Identity, groups: readonly string[] = []): CheckAnswer {
  const { keys, groups: allGroups } = subjectKeys(subject, groups);
  const positions = keys.flatMap((key) => index.byKey.get(key) ?? []).sort((a, b) => a - b);
  const matching = positions.map((i) => index.rows[i]!);
  return { allowed: matching.length > 0, rows: matching, groups: allGroups };
}
