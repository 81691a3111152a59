import type { IO } from './io.js';
import { plural } from '../audit/document.js';
import type { ResolvedQuery } from '../audit/query.js';
import type { AuditGroupBy, AuditReport, AuditRow } from '../audit/run.js';
import { startProgress } from '../output/progress.js';
import type { Column, View } from '../output/report.js';

/** Table cells list this many values, then "+N more" (-o wide lists them all). */
const LIST_SHOWN = 3;

/** RFC3339 in UTC without fractions: 2025-06-01T10:00:00Z. */
export function tableTime(iso: string | null): string {
  return iso === null ? '' : iso.replace(/\.\d+Z$/, 'Z');
}

function listCell(values: readonly string[], all: boolean): string {
  if (all || values.length <= LIST_SHOWN) return values.join(',');
  return `${values.slice(0, LIST_SHOWN).join(',')} +${values.length - LIST_SHOWN} more`;
}

/** "prod/api-7d9f8-xk2pq on node-2": where the ServiceAccount tokens were used from. */
export function podsAndNodes(row: AuditRow): string {
  const pods = row.pods.join(',');
  const nodes = row.nodes.join(',');
  if (pods && nodes) return `${pods} on ${nodes}`;
  return pods || (nodes ? `on ${nodes}` : '');
}

/** The one row that sums up kubelets and control-plane components. */
export const isSystemRow = (row: AuditRow): boolean => row.system !== undefined;

const KEY_HEADERS: Record<AuditGroupBy, string> = {
  subject: 'subject',
  secret: 'secret',
  verb: 'verb',
  source: 'source ip',
  'user-agent': 'user agent',
};

type ListField = 'verbs' | 'subjects' | 'secrets' | 'sourceIPs' | 'userAgents' | 'scopes';

const LIST_HEADERS: Record<ListField, string> = {
  verbs: 'verbs',
  subjects: 'subjects',
  secrets: 'secrets',
  sourceIPs: 'source ips',
  userAgents: 'user agents',
  scopes: 'scopes',
};

/** The lists shown next to the key, then the ones -o wide adds; the grouped-by value is never repeated. */
const LISTS: Record<AuditGroupBy, { table: ListField[]; wide: ListField[] }> = {
  subject: { table: ['verbs', 'secrets'], wide: ['scopes', 'sourceIPs', 'userAgents'] },
  secret: { table: ['verbs', 'subjects'], wide: ['scopes', 'sourceIPs', 'userAgents'] },
  verb: { table: ['subjects', 'secrets'], wide: ['scopes', 'sourceIPs', 'userAgents'] },
  source: { table: ['subjects', 'secrets'], wide: ['verbs', 'scopes', 'userAgents'] },
  'user-agent': { table: ['subjects', 'secrets'], wide: ['verbs', 'scopes', 'sourceIPs'] },
};

/** `wideOnly`: a column -o wide adds; `all`: every value (-o wide), else the first three and "+N more". */
function listColumn(field: ListField, wideOnly: boolean, all: boolean): Column<AuditRow> {
  return { header: LIST_HEADERS[field], wide: wideOnly, value: (r) => listCell(r[field], all) };
}

/**
 * Table, wide and name views of an AuditReport's rows. The key column comes first
 * (SUBJECT, SECRET, VERB, SOURCE IP or USER AGENT), then two lists, COUNT, DENIED
 * (red on a terminal when any), FIRST SEEN, LAST SEEN; wide adds more lists and
 * PODS/NODES. `-o name` prints keys, leaving out the system summary row.
 */
export function auditView(groupBy: AuditGroupBy, empty: string, wide: boolean): View<AuditRow> {
  const lists = LISTS[groupBy];
  return {
    columns: [
      { header: KEY_HEADERS[groupBy], value: (r) => r.key, color: (r) => (isSystemRow(r) ? 'gray' : undefined) },
      ...lists.table.map((f) => listColumn(f, false, wide)),
      { header: 'count', value: (r) => String(r.count) },
      { header: 'denied', value: (r) => String(r.denied), color: (r) => (r.denied > 0 ? 'red' : undefined) },
      { header: 'first seen', value: (r) => tableTime(r.firstSeen) },
      { header: 'last seen', value: (r) => tableTime(r.lastSeen) },
      ...lists.wide.map((f) => listColumn(f, true, true)),
      { header: 'pods/nodes', wide: true, value: podsAndNodes },
    ],
    name: (r) => r.key,
    empty,
  };
}

/** What the report's items are, for "No ... found." and the denied line. */
const GROUP_NOUNS: Record<AuditGroupBy, [string, string, string]> = {
  // [preposition, singular, plural]
  subject: ['by', 'subject', 'subjects'],
  secret: ['on', 'secret', 'secrets'],
  verb: ['with', 'verb', 'verbs'],
  source: ['from', 'source IP', 'source IPs'],
  'user-agent': ['with', 'user agent', 'user agents'],
};

/**
 * "3 denied attempts by 2 subjects" (or "on 2 secrets", "from 1 source IP"... as
 * grouped). Denials by kubelets and control-plane components, summed up in one row
 * unless --include-system, are told apart: "5 denied attempts: 3 by 2 subjects, 2 by
 * kubelets or control-plane components". Null when nothing was denied.
 */
export function deniedLine(report: AuditReport): string | null {
  const total = report.totals.denied;
  if (total === 0) return null;
  const [prep, one, many] = GROUP_NOUNS[report.groupBy];
  const listed = report.rows.filter((r) => !isSystemRow(r) && r.denied > 0);
  const system = report.rows.find(isSystemRow)?.denied ?? 0;
  const attempts = (n: number): string => plural(n, 'denied attempt', 'denied attempts');
  const byListed = `${prep} ${plural(listed.length, one, many)}`;
  const bySystem = 'by kubelets or control-plane components';
  if (system === 0) return `${attempts(total)} ${byListed}`;
  if (listed.length === 0) return `${attempts(total)} ${bySystem}`;
  return `${attempts(total)}: ${total - system} ${byListed}, ${system} ${bySystem}`;
}

/** "No reads of secret prod/db found in 2 inputs (1,234 lines)." (or "No denied attempts on ...") */
export function emptyMessage(report: AuditReport, q: Pick<ResolvedQuery, 'name' | 'namespace' | 'deniedOnly'>): string {
  const { name, namespace } = q;
  const what =
    name !== null && namespace !== null
      ? `secret ${namespace}/${name}`
      : name !== null
        ? `secrets named ${name}`
        : namespace !== null
          ? `secrets in namespace ${namespace}`
          : 'secrets';
  const n = report.totals.lines;
  const lines = `${n.toLocaleString('en-US')} ${n === 1 ? 'line' : 'lines'}`;
  return `No ${q.deniedOnly ? 'denied attempts on' : 'reads of'} ${what} found in ${plural(report.inputs.length, 'input', 'inputs')} (${lines}).`;
}

/** Below this much time, no spinner: small inputs print nothing but their answer. */
const SPINNER_AFTER_MS = 300;
const SPINNER_EVERY_MS = 100;

/** Runs the scan with a spinner on a terminal ("reading audit.log (2 of 3): 812 MB"). */
export async function withProgress<T>(
  io: IO,
  /** The inputs, in the order read: an input is numbered by its place (a recount reads them again). */
  inputs: readonly { path: string }[],
  run: (onProgress: (p: { path: string; bytes: number }) => void) => Promise<T>,
): Promise<T> {
  const progress = await startProgress(io);
  const started = Date.now();
  const paths = inputs.map((i) => i.path);
  let shownAt = 0;
  try {
    return await run((p) => {
      const now = Date.now();
      if (now - started < SPINNER_AFTER_MS || now - shownAt < SPINNER_EVERY_MS) return;
      shownAt = now;
      const which = paths.length > 1 ? ` (${paths.indexOf(p.path) + 1} of ${paths.length})` : '';
      progress.step(
        `reading ${p.path === '-' ? 'stdin' : p.path}${which}: ${Math.round(p.bytes / 1e6).toLocaleString('en-US')} MB`,
      );
    });
  } finally {
    progress.stop();
  }
}
