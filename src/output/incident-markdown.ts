// -o markdown: the IncidentReport for a ticket, with two Mermaid pictures GitHub and
// GitLab render: the access graph and reads over time. Pure.
import { isChange, type IncidentReport, type IncidentTimelineEntry } from '../investigate/report.js';
import { changeOutcome, changeVerb } from './incident-timeline.js';
import type { WhoCanRow } from '../whocan/report.js';
import { whoCanGraph } from '../whocan/graph.js';
import { renderMermaid } from './graph.js';
import { safeText } from './safe-text.js';

/**
 * Text as a ticket shows it: one line, no pipes or HTML, nothing that drives a terminal, and no link, image,
 * emphasis or strikethrough (names and user agents come from logs and clusters: anyone's text).
 */
const cell = (text: string): string =>
  safeText(text)
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\\/g, '\\\\')
    .replace(/[|[\]!*_~]/g, '\\$&')
    .replace(/</g, '&lt;')
    .replace(/`/g, "'") || '—';

/** A cell the report itself emphasises (a verdict, a change's outcome). */
interface Strong {
  strong: string;
}

const strong = (text: string): Strong => ({ strong: text });

function table(headers: string[], rows: (string | Strong)[][]): string {
  if (rows.length === 0) return '_none_\n';
  const md = (c: string | Strong): string => (typeof c === 'string' ? cell(c) : `**${cell(c.strong)}**`);
  const line = (cells: (string | Strong)[]): string => `| ${cells.map(md).join(' | ')} |`;
  return `${[line(headers), `|${headers.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n')}\n`;
}

/** A fenced block that no content can close early. */
function fence(lang: string, body: string): string {
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}${lang}\n${safeText(body).replace(/\n$/, '')}\n${ticks}\n`;
}

/** Reads per hour (per day past 3 days; at most 48 bars), denied apart, as a Mermaid xychart-beta (changes left out). */
export function readsChart(timeline: readonly IncidentTimelineEntry[], title: string): string | null {
  const times = timeline
    .filter((t) => t.time !== null && !isChange(t))
    .map((t) => ({ at: Date.parse(t.time!), denied: t.kind === 'denied' }));
  if (times.length === 0) return null;
  const first = Math.min(...times.map((t) => t.at));
  const last = Math.max(...times.map((t) => t.at));
  const HOUR = 3_600_000;
  let bucket = last - first > 3 * 24 * HOUR ? 24 * HOUR : HOUR;
  const start = Math.floor(first / bucket) * bucket;
  while (Math.floor((last - start) / bucket) + 1 > 48) bucket *= 2;
  const count = Math.floor((last - start) / bucket) + 1;
  const reads = new Array<number>(count).fill(0);
  const denied = new Array<number>(count).fill(0);
  for (const t of times) (t.denied ? denied : reads)[Math.floor((t.at - start) / bucket)]!++;
  const labels = reads.map((_, i) => {
    const iso = new Date(start + i * bucket).toISOString();
    return bucket >= 24 * HOUR ? iso.slice(0, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 13)}h`;
  });
  const max = Math.max(1, ...reads, ...denied);
  return [
    'xychart-beta',
    `  title "${title.replace(/"/g, "'")}"`,
    `  x-axis [${labels.map((l) => `"${l}"`).join(', ')}]`,
    `  y-axis "requests (reads, then denied)" 0 --> ${max}`,
    `  bar [${reads.join(', ')}]`,
    `  bar [${denied.join(', ')}]`,
  ].join('\n');
}

export function accessGraph(rows: readonly WhoCanRow[], secret: { namespace: string; name: string }): string {
  return renderMermaid(whoCanGraph(rows, secret));
}

export function incidentMarkdown(
  report: IncidentReport,
  summary: readonly string[],
  rows: readonly WhoCanRow[],
): string {
  const { secret } = report.metadata;
  const out: string[] = [`# Incident report: Secret ${cell(`${secret.namespace}/${secret.name}`)}\n`];
  out.push(
    `_kubectl secrets investigate, ${report.metadata.generatedAt}${report.metadata.complete ? '' : ' — partial answer, see warnings'}_\n`,
  );
  out.push(`${summary.map((l) => `> ${cell(l)}`).join('\n>\n')}\n`);
  if (report.metadata.warnings.length > 0)
    out.push(`**Warnings**\n\n${report.metadata.warnings.map((w) => `- ${cell(w)}`).join('\n')}\n`);

  out.push('## Subjects\n');
  out.push(
    table(
      [
        'Kind',
        'Subject',
        'Namespace',
        'Verdict',
        'Reads',
        'Denied',
        'First read',
        'Last read',
        'Verbs',
        'Source IPs',
        'Paths',
      ],
      report.subjects.map((s) => [
        s.kind,
        s.everyone ? `${s.name} (EVERYONE)` : s.name,
        s.namespace ?? '',
        strong(s.verdict),
        String(s.reads),
        String(s.denied),
        s.firstRead ?? '',
        s.lastRead ?? '',
        s.verbs.join(', '),
        s.sourceIPs.join(', '),
        [...new Set(s.paths.map((p) => p.path))].join(', '),
      ]),
    ),
  );
  out.push('## Access graph\n');
  out.push('Subject → binding → role → Secret; indirect paths dashed.\n');
  out.push(fence('mermaid', accessGraph(rows, secret)));
  if (report.metadata.logs !== null) {
    out.push('## Reads over time\n');
    const chart = readsChart(report.timeline, `Requests for ${secret.namespace}/${secret.name}: reads, then denied`);
    out.push(
      chart === null
        ? '_no reads or denials in the window_\n'
        : `First bars: reads; second bars: denied attempts.\n\n${fence('mermaid', chart)}`,
    );
  }
  out.push('## Consumers\n');
  out.push(
    table(
      ['Consumer', 'ServiceAccount', 'Nodes', 'Uses'],
      report.consumers.map((c) => [
        `${c.kind}/${c.name}`,
        c.serviceAccount ?? '',
        c.nodes.join(', '),
        c.uses.join(', '),
      ]),
    ),
  );
  if (report.metadata.logs !== null) {
    out.push('## Timeline\n');
    out.push(
      table(
        ['Time', 'Subject', 'Verb', 'Outcome', 'Source IP', 'Pod', 'Node'],
        report.timeline.map((t) => [
          t.time ?? '',
          t.subject,
          isChange(t) ? changeVerb(t) : t.scope === 'named' ? t.verb : `${t.verb} (${t.scope})`,
          isChange(t) ? strong(changeOutcome(t)) : t.kind,
          t.sourceIP ?? '',
          t.pod ?? '',
          t.node ?? '',
        ]),
      ),
    );
  }
  out.push('## Next steps\n');
  report.nextSteps.forEach((step, i) => {
    out.push(`${i + 1}. ${cell(step.reason.split('\n')[0]!)}\n`);
    const rest = step.reason.split('\n').slice(1).join('\n');
    if (step.command !== null) out.push(indent(fence('sh', step.command)));
    if (rest !== '') out.push(indent(fence('yaml', rest)));
  });
  return out.join('\n');
}

const indent = (text: string): string => text.replace(/^(?=.)/gm, '   ');
