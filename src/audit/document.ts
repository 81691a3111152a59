import type { ResolvedQuery } from './query.js';
import type { AuditReport, AuditRow } from './report-types.js';

/** "1 line", "3 lines". */
export const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** The AuditReport document of -o json|yaml (docs/output.md), as the printers take it. */
export interface AuditDocument {
  kind: 'AuditReport';
  metadata: {
    /** False when lines were skipped or the engine warned about an input: the answer may undercount. */
    complete: boolean;
    warnings: string[];
    query: {
      name: string | null;
      namespace: string | null;
      since: string | null;
      until: string | null;
      user: string | null;
      verbs: string[];
      deniedOnly: boolean;
      includeSystem: boolean;
    };
    groupBy: AuditReport['groupBy'];
    totals: AuditReport['totals'];
    skipped: AuditReport['skipped'];
    inputs: AuditReport['inputs'];
  };
  items: AuditRow[];
}

/** `user` is --user as given (the query holds it lowercased for matching). */
export function auditDocument(report: AuditReport, q: ResolvedQuery, user: string | null): AuditDocument {
  return {
    kind: 'AuditReport',
    metadata: {
      complete: report.warnings.length === 0 && linesSkipped(report) === 0,
      warnings: [...report.warnings, ...skippedWarnings(report), ...bodyWarnings(report)],
      query: {
        name: q.name,
        namespace: q.namespace,
        since: q.sinceMs === null ? null : new Date(q.sinceMs).toISOString(),
        until: q.untilMs === null ? null : new Date(q.untilMs).toISOString(),
        user,
        verbs: [...q.verbs],
        deniedOnly: q.deniedOnly,
        includeSystem: q.includeSystem,
      },
      groupBy: report.groupBy,
      totals: report.totals,
      skipped: report.skipped,
      inputs: report.inputs,
    },
    items: report.rows,
  };
}

/**
 * Logs that hold Secrets' values (bodies logged at Request or RequestResponse level): the answer is whole, the log a
 * leak. Every command that reads logs warns so (least-privilege, which words its own warnings, too).
 */
export function bodyWarnings(report: Pick<AuditReport, 'inputs'>): string[] {
  return report.inputs
    .filter((i) => i.secretBodies > 0)
    .map(
      (i) =>
        `${where(i.path)}: ${plural(i.secretBodies, 'Secret event holds', 'Secret events hold')} a request or response body (logged at Request or RequestResponse level), so this log holds those Secrets' values: log Secrets at Metadata level, and limit who may read it`,
    );
}

function linesSkipped(report: AuditReport): number {
  const s = report.skipped;
  return s.malformed + s.truncated + s.nonUtf8 + s.huge + s.incompleteLastLine;
}

const LOCATIONS_SHOWN = 5;
const where = (file: string): string => (file === '-' ? 'stdin' : file);

/** "skipped 3 lines that could not be read (2 malformed, 1 not UTF-8): a.log:3, a.log:7, b.log:1" and the empty inputs. */
function skippedWarnings(report: AuditReport): string[] {
  const s = report.skipped;
  const warnings: string[] = [];
  const total = linesSkipped(report);
  if (total > 0) {
    const reasons = (
      [
        [s.malformed, 'malformed'],
        [s.truncated, 'truncated'],
        [s.nonUtf8, 'not UTF-8'],
        [s.huge, 'too long'],
        [s.incompleteLastLine, 'incomplete last line'],
      ] as const
    )
      .filter(([n]) => n > 0)
      .map(([n, why]) => `${n} ${why}`);
    const shown = s.firstLineNumbers.slice(0, LOCATIONS_SHOWN).map((l) => `${where(l.file)}:${l.line}`);
    const more = total > shown.length ? `, and ${total - shown.length} more` : '';
    warnings.push(
      `skipped ${plural(total, 'line', 'lines')} that could not be read (${reasons.join(', ')}): ${shown.join(', ')}${more}`,
    );
  }
  const empty = report.inputs.filter((i) => i.format === 'empty' && i.readError === null).map((i) => where(i.path));
  if (empty.length > 0) warnings.push(`${plural(empty.length, 'input is', 'inputs are')} empty: ${empty.join(', ')}`);
  return warnings;
}
