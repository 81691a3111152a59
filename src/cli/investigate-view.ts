// How an IncidentReport prints: sections of kubectl-style tables, or one versioned document.
import { colorEnabled, warn, type IO } from './io.js';
import { plural } from '../audit/document.js';
import { describeSecret } from './exposure-view.js';
import type { AccessSubject, Verdict } from '../access/join.js';
import type { ManagerKind } from '../consumers/owner.js';
import type { SecretSummary } from '../exposure/types.js';
import {
  isChange,
  type IncidentConsumer,
  type IncidentReport,
  type IncidentTimelineEntry,
} from '../investigate/report.js';
import { changeOutcome, changeVerb } from '../output/incident-timeline.js';
import { incidentMarkdown } from '../output/incident-markdown.js';
import type { WhoCanRow } from '../whocan/report.js';
import { paint } from '../output/color.js';
import type { Color, Column } from '../output/report.js';
import { API_VERSION } from '../output/report.js';
import { safeLine, safeText } from '../output/safe-text.js';
import { renderTable } from '../output/table.js';
import { rawWriter } from '../output/terminal.js';
import { printDocument } from '../output/print.js';
import { identityName } from '../whocan/subjects.js';
import { formatAge } from '../util/duration.js';

const VERDICT_COLOR: Record<Verdict, Color | undefined> = {
  'not-authorised-now': 'red',
  unknown: 'yellow',
  denied: 'red',
  failed: 'yellow',
  authorised: 'yellow',
  unused: 'gray',
  expected: 'green',
};

const list = (values: readonly string[]): string => values.join(',');
const time = (t: string | null): string => t ?? '';
const subjectName = (s: AccessSubject): string => (s.everyone ? `${s.name} (EVERYONE)` : s.name);

export const subjectColumns: Column<AccessSubject>[] = [
  { header: 'kind', value: (s) => s.kind },
  { header: 'subject', value: subjectName, color: (s) => (s.everyone ? 'red' : undefined) },
  { header: 'namespace', value: (s) => s.namespace ?? '' },
  { header: 'verdict', value: (s) => s.verdict, color: (s) => VERDICT_COLOR[s.verdict] },
  { header: 'reads', value: (s) => String(s.reads) },
  { header: 'denied', value: (s) => String(s.denied), color: (s) => (s.denied > 0 ? 'red' : undefined) },
  { header: 'first read', value: (s) => time(s.firstRead) },
  { header: 'last read', value: (s) => time(s.lastRead) },
  { header: 'verbs', value: (s) => list(s.verbs) },
  {
    header: 'paths',
    value: (s) => list([...new Set(s.paths.map((p) => (p.memberOf ? `${p.path}(via ${p.memberOf})` : p.path)))]),
  },
  { header: 'source ips', value: (s) => list(s.sourceIPs), wide: true },
  { header: 'user agents', value: (s) => list(s.userAgents), wide: true },
  { header: 'pods', value: (s) => list(s.pods), wide: true },
  { header: 'nodes', value: (s) => list(s.nodes), wide: true },
  { header: 'credentials', value: (s) => list(s.credentialIds), wide: true },
  { header: 'why', value: (s) => s.expected ?? list(s.impersonation), wide: true },
];

const consumerColumns: Column<IncidentConsumer>[] = [
  { header: 'consumer', value: (c) => `${c.kind}/${c.name}` },
  { header: 'serviceaccount', value: (c) => c.serviceAccount ?? '' },
  {
    header: 'ready',
    value: (c) => (c.replicas ? `${c.replicas.ready}/${c.replicas.desired ?? c.replicas.current}` : ''),
  },
  { header: 'nodes', value: (c) => list(c.nodes) },
  { header: 'uses', value: (c) => list(c.uses) },
];

const timelineColumns: Column<IncidentTimelineEntry>[] = [
  { header: 'time', value: (t) => time(t.time) },
  { header: 'subject', value: (t) => t.subject },
  {
    header: 'verb',
    value: (t) =>
      isChange(t)
        ? changeVerb(t)
        : t.scope === 'named' || t.scope === 'field-selected'
          ? t.verb
          : `${t.verb} (${t.scope})`,
  },
  {
    header: 'outcome',
    value: (t) =>
      isChange(t) ? changeOutcome(t) : t.code !== null && t.kind !== 'read' ? `${t.kind} (${t.code})` : t.kind,
    color: (t) => (t.outcome === 'denied' ? 'red' : isChange(t) ? 'yellow' : undefined),
  },
  { header: 'source ip', value: (t) => t.sourceIP ?? '' },
  { header: 'pod', value: (t) => t.pod ?? '' },
  { header: 'node', value: (t) => t.node ?? '' },
  { header: 'user agent', value: (t) => t.userAgent ?? '', wide: true },
  { header: 'credential', value: (t) => t.credentialId ?? '', wide: true },
];

export interface IncidentPrintOptions {
  output: string;
  noHeaders: boolean;
}

export function incidentDocument(report: IncidentReport): Record<string, unknown> {
  const { kind, ...rest } = report;
  return { apiVersion: API_VERSION, kind, ...rest };
}

/** `rows`: who-can's rows behind the subjects, for the Markdown access graph. */
export function printIncident(
  report: IncidentReport,
  rows: readonly WhoCanRow[],
  opts: IncidentPrintOptions,
  io: IO,
): void {
  switch (opts.output) {
    case 'json':
    case 'yaml':
      printDocument(incidentDocument(report), opts.output, io);
      break;
    case 'name':
      for (const s of report.subjects) io.stdout.write(`${safeLine(identityName(s))}\n`);
      break;
    case 'markdown':
      io.stdout.write(incidentMarkdown(report, summaryLines(report), rows));
      break;
    default:
      // Every untrusted text in it is escaped (its cells by renderTable, the rest by safeText): only its colour codes
      // reach the terminal as such.
      rawWriter(io.stdout).write(
        incidentText(report, { wide: opts.output === 'wide', noHeaders: opts.noHeaders, color: colorEnabled(io) }),
      );
  }
  for (const w of report.metadata.warnings) warn(io, safeText(w));
}

/** Summary lines, shared by the terminal and Markdown views. */
export function summaryLines(report: IncidentReport): string[] {
  const { summary: s, metadata } = report;
  const sec = s.secret;
  const facts: SecretSummary = {
    namespace: sec.namespace,
    name: sec.name,
    exists: sec.exists,
    keysKnown: sec.keys !== null,
    ...(sec.type !== null ? { type: sec.type } : {}),
    ...(sec.immutable ? { immutable: true } : {}),
    ...(sec.keys !== null ? { keys: sec.keys } : {}),
    ...(sec.manager !== null
      ? {
          manager: {
            manager: sec.manager.manager as ManagerKind,
            ...(sec.manager.by ? { by: sec.manager.by } : {}),
            evidence: '',
            hint: sec.manager.hint,
          },
        }
      : {}),
  };
  const lines = [describeSecret(facts).trim()];
  const now = Date.parse(metadata.generatedAt);
  const history: string[] = [];
  if (sec.created) history.push(`created ${sec.created} (${formatAge(now - Date.parse(sec.created))} ago)`);
  if (sec.lastChange)
    history.push(`last changed ${sec.lastChange.time} by ${sec.lastChange.manager} (${sec.lastChange.operation})`);
  if (sec.rotation)
    history.push(
      `version ${sec.rotation.version ?? '?'} of ${sec.rotation.name} (${sec.rotation.stage ?? 'no stage'})`,
    );
  if (history.length > 0) lines.push(`${history.join('; ')}.`);
  const c = s.couldRead;
  const everyone = c.everyone.length > 0 ? `; EVERYONE: ${c.everyone.join(', ')}` : '';
  const could = `could read: ${plural(c.subjects, 'subject', 'subjects')} (${c.direct} direct, ${c.indirect} indirect${everyone})`;
  const d = s.didRead;
  const did =
    d === null
      ? 'did read: unknown (no audit logs)'
      : `did read: ${plural(d.subjects, 'subject', 'subjects')} in ${plural(d.requests, 'request', 'requests')} (${d.denied} denied)`;
  const m = s.mounted;
  const mounted = [
    plural(m.workloads, 'workload', 'workloads'),
    plural(m.pods, 'pod', 'pods'),
    plural(m.nodes, 'node', 'nodes'),
  ].join(', ');
  lines.push(`${could}; ${did}; mounted in ${mounted}.`);
  if (metadata.window)
    lines.push(
      `window: ${metadata.window.since ?? 'start of the logs'} to ${metadata.window.until ?? 'end of the logs'}; logs: ${(metadata.logs ?? []).join(', ')}`,
    );
  return lines.map(safeText);
}

/** "3 later reads and 2 later changes": what the timeline left out past its limits. */
function droppedWords(m: IncidentReport['metadata']): string | null {
  const reads = m.timelineDropped - m.timelineDroppedChanges;
  const parts = [
    ...(reads > 0 ? [`${reads} later ${reads === 1 ? 'read' : 'reads'}`] : []),
    ...(m.timelineDroppedChanges > 0
      ? [`${m.timelineDroppedChanges} later ${m.timelineDroppedChanges === 1 ? 'change' : 'changes'}`]
      : []),
  ];
  return parts.length > 0 ? parts.join(' and ') : null;
}

function incidentText(report: IncidentReport, table: { wide: boolean; noHeaders: boolean; color: boolean }): string {
  const out: string[] = [];
  const section = (title: string, body: string): void => {
    if (body === '') return;
    out.push(`\n${paint(title, 'bold', table.color)}\n${body}`);
  };
  out.push(`${summaryLines(report).join('\n')}\n`);
  section('SUBJECTS', renderTable(subjectColumns, report.subjects, table));
  if (report.metadata.hiddenControlPlane > 0)
    out.push(`(${report.metadata.hiddenControlPlane} control-plane subjects not shown; --include-system lists them)\n`);
  section('CONSUMERS', renderTable(consumerColumns, report.consumers, table));
  if (report.metadata.logs !== null) {
    const body =
      report.timeline.length > 0
        ? renderTable(timelineColumns, report.timeline, table)
        : 'no reads, denials or changes in the window\n';
    section('TIMELINE', body);
    const left = droppedWords(report.metadata);
    if (left !== null) out.push(`(${left} not listed)\n`);
  }
  const steps = report.nextSteps.map((step, i) => {
    // A command's later lines (a heredoc) are printed as they are: indented, its terminator would not end it.
    const command = step.command === null ? '' : `${step.command}\n`;
    const reason = step.reason
      .split('\n')
      .map((l) => `     # ${l}`)
      .join('\n');
    return `${String(i + 1).padStart(2)}. ${command || `${reason.trimStart().slice(2)}\n`}${command ? `${reason}\n` : ''}`;
  });
  section('NEXT STEPS', steps.map(safeText).join(''));
  return out.join('');
}
