// The proof a suggestion must pass before it is shown: the who-can engine,
// asked about the RBAC with the suggestion applied, still allows every read
// seen in the window; and what it takes away, exactly.
import type { ObservedRead } from '../audit/read-ledger.js';
import { targetOf } from '../audit/aggregate.js';
import { READ_VERBS } from '../whocan/report.js';
import { identityKey, identityLabel, identityOfSubject } from '../whocan/subjects.js';
import type { Analysis } from './analyze.js';
import { actorOf, requestOf, SecretAuthorizer } from './authorizer.js';
import type { Suggestion } from './suggest.js';
import type { RemovedAccess } from './types.js';

export interface Proof {
  /** Distinct (subject, Secret, verb) reads RBAC allowed in the window, asked again. */
  checked: number;
  /** Reads the suggestion would deny, in words (the suggestion is refused when any). */
  denied: string[];
  removed: RemovedAccess[];
}

export function prove(analysis: Analysis, suggestion: Suggestion): Proof {
  const after = new SecretAuthorizer(suggestion.proposed);
  const denied = analysis.rbacReads.filter((r) => !after.allows(actorOf(r), requestOf(r))).map(readText);

  const removed: RemovedAccess[] = [];
  const seen = new Set<string>();
  for (const change of suggestion.changes) {
    const namespace = change.binding.kind === 'RoleBinding' ? change.binding.namespace : undefined;
    for (const subject of [...change.moved, ...change.stripped]) {
      const id = identityOfSubject(subject, change.binding.namespace);
      if (!id) continue;
      for (const verb of READ_VERBS) {
        const key = JSON.stringify([identityKey(id), verb, namespace ?? null]);
        if (seen.has(key)) continue;
        seen.add(key);
        const was = analysis.authorizer.reach(id, verb, namespace);
        if (!was.any && was.names.size === 0) continue;
        const now = after.reach(id, verb, namespace);
        const base = { subject: id, verb, namespace: namespace ?? null, binding: change.binding };
        if (was.any && !now.any) {
          removed.push({ ...base, what: now.names.size > 0 ? 'all-except' : 'all', names: [...now.names].sort() });
        } else if (!was.any && !now.any) {
          const lost = [...was.names].filter((n) => !now.names.has(n)).sort();
          if (lost.length > 0) removed.push({ ...base, what: 'names', names: lost });
        }
      }
    }
  }
  return { checked: analysis.rbacReads.length, denied, removed };
}

/** A read in words for an error line: names from the logs are untrusted, so control characters show escaped. */
function readText(r: ObservedRead): string {
  const who = actorOf(r).identity;
  return JSON.stringify(`${identityLabel(who)} ${r.verb} ${targetOf(r)}`).slice(1, -1);
}

/** One removed access in words: `User alice: list secrets in namespace shop, except db`. */
export function removedText(r: RemovedAccess): string {
  const where = r.namespace === null ? 'in every namespace (cluster-wide)' : `in namespace ${r.namespace}`;
  const what = r.what === 'names' ? `secrets ${r.names.join(',')}` : 'secrets';
  const except = r.what === 'all-except' ? `, except ${r.names.join(',')}` : '';
  return `${identityLabel(r.subject)}: ${r.verb} ${what} ${where}${except}`;
}
