// --verify: the questions to put to the API server (SubjectAccessReview) for
// each direct row, and what the answers make of the rows.
import type { SecretRef } from './direct.js';
import { rowIdentity, type WhoCanRow } from './report.js';
import { identityLabel, userInfoOf } from './subjects.js';

export interface AccessQuestion {
  user?: string;
  groups: string[];
  attributes: { namespace: string; verb: string; group: string; resource: string; name?: string };
}

export interface RowQuestions {
  row: WhoCanRow;
  questions: Array<{ verb: string; question: AccessQuestion }>;
}

/**
 * One question per verb of each direct row, as the subject itself: a group
 * row asks with only that group, a ServiceAccount with its username and its
 * two ServiceAccount groups, a node with group system:nodes. `get`, and
 * list/watch that only cover field-selected requests, name the Secret (that is
 * how the authorizer sees `fieldSelector=metadata.name=NAME`).
 */
export function verificationQuestions(rows: readonly WhoCanRow[], secret: SecretRef): RowQuestions[] {
  return rows
    .filter((r) => r.path === 'direct')
    .map((row) => {
      const { user, groups } = userInfoOf(rowIdentity(row));
      return {
        row,
        questions: row.verbs.map((verb) => {
          const named = verb === 'get' || row.fieldSelectedOnly.includes(verb);
          return {
            verb,
            question: {
              ...(user === undefined ? {} : { user }),
              groups,
              attributes: {
                namespace: secret.namespace,
                verb,
                group: '',
                resource: 'secrets',
                ...(named ? { name: secret.name } : {}),
              },
            },
          };
        }),
      };
    });
}

/** Marks each row confirmed or disputed; returns one message per dispute. */
export function applyVerdicts(
  plan: readonly RowQuestions[],
  allowed: ReadonlyArray<readonly boolean[]>,
  secret: SecretRef,
): string[] {
  const disputes: string[] = [];
  plan.forEach(({ row, questions }, i) => {
    const denied = questions.filter((_, j) => allowed[i]?.[j] !== true).map((q) => q.verb);
    row.verified = denied.length === 0 ? 'confirmed' : 'disputed';
    if (denied.length > 0) {
      row.disputedVerbs = denied;
      const how = denied
        .map((v) => (v !== 'get' && !row.fieldSelectedOnly.includes(v) ? v : `${v} (name ${secret.name})`))
        .join(', ');
      disputes.push(
        `disputed: ${identityLabel(rowIdentity(row))}: the API server denies ${how} on secrets in namespace ${secret.namespace} (via ${row.via})`,
      );
    }
  });
  return disputes;
}
