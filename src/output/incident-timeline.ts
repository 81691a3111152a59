// How a change reads in the timeline's VERB and OUTCOME cells, for the terminal and Markdown alike.
import type { ChangeEntry } from '../investigate/changes.js';

/** "patch secret/db", "delete rolebinding/readers", "deletecollection secrets" (no name: every one). */
export function changeVerb(c: ChangeEntry): string {
  const kind = c.object.kind.toLowerCase();
  return c.object.name === null ? `${c.verb} ${kind}s` : `${c.verb} ${kind}/${c.object.name}`;
}

/** "binding-deleted"; "secret-updated: denied (403)" when the API server did not make the change. */
export function changeOutcome(c: ChangeEntry): string {
  if (c.outcome === 'done') return c.kind;
  return `${c.kind}: ${c.outcome}${c.code !== null ? ` (${c.code})` : ''}`;
}
