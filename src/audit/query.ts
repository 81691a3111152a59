import { UsageError } from '../errors.js';
import { parseDuration } from '../util/duration.js';
import { GROUP_BY, READ_VERBS, type AuditGroupBy, type ReadVerb } from './report-types.js';
import type { SecretRead } from './secret-read.js';

/** The question asked of the logs, as the command's flags give it. */
export interface AuditQuery {
  /** One Secret's name; none means every Secret. */
  name?: string;
  namespace?: string;
  /** A duration before `now` (`30m`, `2h`, `7d`, `1h30m`) or an RFC3339 time / YYYY-MM-DD date (UTC). Inclusive. */
  since?: string;
  until?: string;
  /** What durations count back from (features read no clock: the command passes its start time). Needed when since/until is a duration. */
  now?: Date;
  /** Case-insensitive substring of the user name or of the impersonated user name. */
  user?: string;
  verbs?: readonly ReadVerb[];
  deniedOnly?: boolean;
  /** List kubelets and control-plane components one by one instead of one summary row. */
  includeSystem?: boolean;
  groupBy?: AuditGroupBy;
}

export interface ResolvedQuery {
  name: string | null;
  namespace: string | null;
  sinceMs: number | null;
  untilMs: number | null;
  user: string | null;
  verbs: ReadonlySet<ReadVerb>;
  deniedOnly: boolean;
  includeSystem: boolean;
  groupBy: AuditGroupBy;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2}))?$/;

/** Epoch ms for a --since/--until value; throws UsageError on anything else. */
export function parseTimeBound(flag: string, text: string, now: Date | undefined): number {
  const duration = parseDuration(text);
  if (duration !== undefined) {
    if (!now) throw new Error(`--${flag} ${text} is relative: the query needs "now"`);
    return now.getTime() - duration;
  }
  const trimmed = text.trim();
  const ms = RFC3339.test(trimmed) ? Date.parse(trimmed.length === 10 ? `${trimmed}T00:00:00Z` : trimmed) : NaN;
  if (Number.isNaN(ms))
    throw new UsageError(
      `invalid --${flag} "${text}": use a duration such as 30m, 2h or 7d, or an RFC3339 time such as 2025-06-01T00:00:00Z`,
    );
  return ms;
}

/** Checks and normalises a query before any input is read. */
export function resolveQuery(query: AuditQuery): ResolvedQuery {
  const sinceMs = query.since !== undefined ? parseTimeBound('since', query.since, query.now) : null;
  const untilMs = query.until !== undefined ? parseTimeBound('until', query.until, query.now) : null;
  if (sinceMs !== null && untilMs !== null && sinceMs > untilMs) throw new UsageError('--since is after --until');
  for (const verb of query.verbs ?? []) {
    if (!READ_VERBS.includes(verb)) throw new UsageError(`invalid verb "${verb}": use ${READ_VERBS.join(', ')}`);
  }
  const groupBy = query.groupBy ?? 'subject';
  if (!GROUP_BY.includes(groupBy)) throw new UsageError(`invalid grouping "${groupBy}": use ${GROUP_BY.join(', ')}`);
  return {
    name: query.name || null,
    namespace: query.namespace || null,
    sinceMs,
    untilMs,
    user: query.user ? query.user.toLowerCase() : null,
    verbs: new Set(query.verbs && query.verbs.length > 0 ? query.verbs : READ_VERBS),
    deniedOnly: query.deniedOnly ?? false,
    includeSystem: query.includeSystem ?? false,
    groupBy,
  };
}

/**
 * Does one logged stage reach the Secrets asked about? A namespace-wide list reaches
 * every Secret of its namespace, a cluster-wide one every Secret; a named or
 * field-selected read only its own. What only the merged request knows (its denial, its
 * impersonated user) is judged by matchesRequest.
 */
export function matchesQuery(read: SecretRead, q: ResolvedQuery): boolean {
  if (!q.verbs.has(read.verb)) return false;
  if (read.scope !== 'cluster-wide' && q.namespace !== null && read.namespace !== q.namespace) return false;
  if (q.name !== null && (read.scope === 'named' || read.scope === 'field-selected') && read.name !== q.name)
    return false;
  if (q.sinceMs !== null || q.untilMs !== null) {
    if (read.time === null) return false;
    if (q.sinceMs !== null && read.time < q.sinceMs) return false;
    if (q.untilMs !== null && read.time > q.untilMs) return false;
  }
  return true;
}

/**
 * Does a request, its stages merged, pass the filters that need the whole request: its
 * outcome (--denied-only) and its user (--user), since the RequestReceived stage of an
 * impersonated request names only the impersonator.
 */
export function matchesRequest(read: SecretRead, q: ResolvedQuery): boolean {
  if (q.deniedOnly && !read.denied) return false;
  if (
    q.user !== null &&
    !read.user.toLowerCase().includes(q.user) &&
    !(read.impersonatedUser?.toLowerCase().includes(q.user) ?? false)
  )
    return false;
  return true;
}
