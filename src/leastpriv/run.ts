// least-privilege end to end, through what it is given: the cluster's RBAC
// (a loader) and the audit logs (inputs read by the audit engine).
import { CliError } from '../errors.js';
import { ReadLedger } from '../audit/read-ledger.js';
import { parseTimeBound } from '../audit/query.js';
import { anyInputUnread, runAudit, type AuditInput, type AuditReport } from '../audit/run.js';
import { bodyWarnings } from '../audit/document.js';
import { bindingLabel } from '../whocan/policy.js';
import { analyzeLeastPrivilege, type Analysis } from './analyze.js';
import { prove, type Proof } from './prove.js';
import { suggest, undoObjects, type RbacObject, type Suggestion } from './suggest.js';
import { FINDINGS, type Finding, type LeastPrivilegeInput, type LeastPrivilegeItem } from './types.js';

export interface LeastPrivilegeSnapshot {
  rbac: LeastPrivilegeInput['rbac'];
  serviceAccounts: LeastPrivilegeInput['serviceAccounts'];
  /** Lists the tool could not make (the answer is then partial). */
  gaps: string[];
}

export interface LeastPrivilegeRunOptions {
  /** undefined: every namespace (-A). */
  namespace: string | undefined;
  /** Duration before `now` or an RFC3339 time. */
  since: string;
  now: Date;
  includeSystem: boolean;
  suggest: boolean;
  onProgress?: (progress: { path: string; bytes: number }) => void;
}

export interface LeastPrivilegeMetadata {
  scope: { namespace: string | null };
  window: { since: string; until: string; requested: string; logsFrom: string | null };
  logs: { inputs: number; bytes: number; lines: number; reads: number; denied: number; skipped: number };
  summary: { bindings: number; judged: number; notJudged: number; findings: Record<Finding, number> };
  hiddenControlPlane: { bindings: number; subjects: string[] };
  clusterBindingsOutOfScope: string[];
  complete: boolean;
  warnings: string[];
  /** What --suggest would do (or why it refuses). */
  suggestion?: SuggestionSummary | { refused: string };
  [key: string]: unknown;
}

export interface SuggestionSummary {
  /** Reads seen in the window that were checked against the proposed RBAC (all still allowed). */
  readsChecked: number;
  removed: Proof['removed'];
  /** Bindings left with no subjects: they grant nothing and can be deleted. */
  deletable: string[];
  created: string[];
  redeclared: string[];
}

export interface LeastPrivilegeResult {
  metadata: LeastPrivilegeMetadata;
  items: LeastPrivilegeItem[];
  suggestion?: Suggestion;
  /** Bindings as they were before any suggestion (applied or not): what --suggest-undo prints. */
  undo: RbacObject[];
}

/** Logs that start this far (a share of the window) after the window start get a warning. */
const COVERAGE_SLACK = 0.25;
/** ...and at least this late (kubelets and controllers read Secrets all the time: a real log has some within minutes). */
const COVERAGE_MIN_MS = 3_600_000;

export async function runLeastPrivilege(
  inputs: Iterable<AuditInput> | AsyncIterable<AuditInput>,
  options: LeastPrivilegeRunOptions,
  deps: { load(): Promise<LeastPrivilegeSnapshot> },
): Promise<LeastPrivilegeResult> {
  const windowStart = parseTimeBound('since', options.since, options.now);
  const windowEnd = options.now.getTime();
  const ledger = new ReadLedger();
  const [snapshot, audit] = await Promise.all([
    deps.load(),
    runAudit(inputs, {
      since: options.since,
      now: options.now,
      ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
      includeSystem: true,
      onRequest: (read) => ledger.add(read),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    }),
  ]);
  const input: LeastPrivilegeInput = {
    rbac: snapshot.rbac,
    serviceAccounts: snapshot.serviceAccounts,
    reads: ledger.reads(),
  };
  const analysis = analyzeLeastPrivilege(input, {
    namespace: options.namespace,
    windowStart,
    windowEnd,
    includeSystem: options.includeSystem,
  });

  const warnings = [
    ...snapshot.gaps.map((g) => `${g}: the answer may be incomplete`),
    ...audit.warnings,
    ...bodyWarnings(audit),
    ...coverageWarnings(ledger, windowStart, windowEnd),
  ];
  const metadata: LeastPrivilegeMetadata = {
    scope: { namespace: options.namespace ?? null },
    window: {
      since: new Date(windowStart).toISOString(),
      until: new Date(windowEnd).toISOString(),
      requested: options.since,
      logsFrom: ledger.earliest === null ? null : new Date(ledger.earliest).toISOString(),
    },
    logs: logSummary(audit, ledger),
    summary: summaryOf(analysis.items),
    hiddenControlPlane: analysis.hiddenControlPlane,
    clusterBindingsOutOfScope: analysis.clusterBindingsOutOfScope,
    complete: snapshot.gaps.length === 0 && !anyInputUnread(audit),
    warnings,
  };
  const outcome =
    ledger.earliest === null
      ? { refused: NO_READS }
      : anyInputUnread(audit)
        ? { refused: unreadInputs(audit) }
        : proven(input, analysis);
  if ('refused' in outcome) {
    if (options.suggest) throw new CliError(`refusing to suggest: ${outcome.refused}`);
    metadata.suggestion = { refused: outcome.refused };
    return { metadata, items: analysis.items, undo: undoObjects(input, [], options.namespace) };
  }
  metadata.suggestion = outcome.summary;
  return {
    metadata,
    items: analysis.items,
    suggestion: outcome.suggestion,
    undo: undoObjects(input, outcome.suggestion.undo, options.namespace),
  };
}

const NO_READS =
  'the logs hold no Secret request in the window, so every binding would look unused (check --log and --since)';

/** Reads in what was not read are unknown: a suggestion would take them away (the proof cannot see them). */
function unreadInputs(audit: AuditReport): string {
  const paths = audit.inputs.filter((i) => i.readError !== null).map((i) => (i.path === '-' ? 'stdin' : i.path));
  return `an audit log could not be read to its end (${paths.join(', ')}): a read in the part not read could be taken away`;
}

/** The suggestion, if the who-can engine confirms it keeps every read of the window. */
function proven(
  input: LeastPrivilegeInput,
  analysis: Analysis,
): { suggestion: Suggestion; summary: SuggestionSummary } | { refused: string } {
  const suggestion = suggest(input, analysis.judgements);
  const proof = prove(analysis, suggestion);
  if (proof.denied.length > 0) {
    const shown = proof.denied.slice(0, 5).join('; ');
    const more = proof.denied.length > 5 ? ` (+${proof.denied.length - 5} more)` : '';
    return {
      refused: `with it applied, RBAC would deny ${proof.denied.length} read(s) seen in the window: ${shown}${more}`,
    };
  }
  const label = (o: Suggestion['objects'][number]) =>
    `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
  return {
    suggestion,
    summary: {
      readsChecked: proof.checked,
      removed: proof.removed,
      deletable: suggestion.emptied.map(bindingLabel),
      created: suggestion.objects.filter((o) => o.metadata.labels).map(label),
      redeclared: suggestion.changes.map((c) => bindingLabel(c.binding)),
    },
  };
}

function coverageWarnings(ledger: ReadLedger, start: number, end: number): string[] {
  if (ledger.earliest === null) return ['the logs hold no Secret request in the window: every binding looks unused'];
  const late = ledger.earliest - start;
  if (late <= Math.max((end - start) * COVERAGE_SLACK, COVERAGE_MIN_MS)) return [];
  const first = new Date(ledger.earliest).toISOString();
  return [
    `the first Secret request in the logs is at ${first}, well after the window start ${new Date(start).toISOString()}: if the logs begin there, reads before it are unknown`,
  ];
}

function logSummary(audit: AuditReport, ledger: ReadLedger): LeastPrivilegeMetadata['logs'] {
  const s = audit.skipped;
  return {
    inputs: audit.inputs.length,
    bytes: audit.totals.bytes,
    lines: audit.totals.lines,
    reads: audit.totals.requests - ledger.denied,
    denied: ledger.denied,
    skipped: s.malformed + s.truncated + s.nonUtf8 + s.huge + s.incompleteLastLine,
  };
}

function summaryOf(items: readonly LeastPrivilegeItem[]): LeastPrivilegeMetadata['summary'] {
  const findings = Object.fromEntries(FINDINGS.map((f) => [f, 0])) as Record<Finding, number>;
  for (const item of items) for (const f of item.findings) findings[f]++;
  const bindings = new Map<string, boolean>();
  for (const item of items) {
    const key = bindingLabel(item.binding);
    bindings.set(key, (bindings.get(key) ?? false) || !item.findings.includes('not-judged'));
  }
  const judged = [...bindings.values()].filter(Boolean).length;
  return { bindings: bindings.size, judged, notJudged: bindings.size - judged, findings };
}
