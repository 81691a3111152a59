import yaml from 'js-yaml';
import { colorEnabled, warn, type IO } from '../cli/io.js';
import { renderTable } from './table.js';
import { toDocument, type Color, type OutputFormat, type Report, type View } from './report.js';
import { paint } from './color.js';
import { escapeLine, rawWriter } from './terminal.js';

export interface PrintOptions {
  output: OutputFormat | string;
  noHeaders: boolean;
}

/** Writes a report in the chosen format: the only place command output is formatted. */
export function printReport<T>(report: Report<T>, view: View<T>, opts: PrintOptions, io: IO): void {
  switch (opts.output) {
    case 'json':
    case 'yaml':
      printDocument(toDocument(report), opts.output, io);
      return;
    case 'name':
      // Like kubectl: each object once, however many rows it has.
      for (const name of new Set(report.items.map((row) => view.name(row)))) io.stdout.write(`${name}\n`);
      return;
    default:
      if (report.items.length === 0) {
        io.stderr.write(`${view.empty}\n`);
        return;
      }
      // Every cell is escaped by renderTable: only its colour codes reach the terminal as such.
      rawWriter(io.stdout).write(
        renderTable(view.columns, report.items, {
          wide: opts.output === 'wide',
          noHeaders: opts.noHeaders,
          color: colorEnabled(io),
        }),
      );
  }
}

/** A versioned document (apiVersion, kind, ...) as JSON or YAML on stdout. */
export function printDocument(doc: object, format: 'json' | 'yaml', io: IO): void {
  io.stdout.write(
    format === 'json'
      ? `${JSON.stringify(doc, null, 2)}\n`
      : yaml.dump(doc, { noRefs: true, lineWidth: -1, sortKeys: false }),
  );
}

/** Warnings and partial-answer notes go to stderr so that stdout stays machine-readable. */
export function printWarnings(report: Report<unknown>, io: IO): void {
  for (const w of report.metadata.warnings ?? []) warn(io, w);
}

/** One line on stderr in a colour (on a terminal): the text is escaped, the colour codes are the tool's own. */
export function printPainted(io: IO, text: string, color: Color): void {
  rawWriter(io.stderr).write(`${paint(escapeLine(text), color, colorEnabled(io, io.stderr))}\n`);
}
