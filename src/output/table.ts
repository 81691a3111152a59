import { paint } from './color.js';
import { safeText } from './safe-text.js';
import type { Column } from './report.js';

export interface TableOptions {
  wide: boolean;
  noHeaders: boolean;
  color: boolean;
}

const GAP = '   ';

/**
 * Renders rows the way kubectl does: upper-case headers, no borders, columns
 * separated by three spaces, no trailing blanks, `<none>` for an empty cell.
 * Cells never wrap. Widths are measured on the plain text and colour is added
 * after padding, so escape codes never shift columns. (A hand-rolled renderer:
 * cli-table3 took ~0.3 ms a row, a second for an inventory of 3,000 Secrets.)
 */
export function renderTable<T>(columns: readonly Column<T>[], rows: readonly T[], opts: TableOptions): string {
  const shown = columns.filter((c) => opts.wide || !c.wide);
  const cells = rows.map((row) => shown.map((c) => oneLine(c.value(row))));
  const header = shown.map((c) => c.header.toUpperCase());
  const widths = shown.map((_, i) =>
    Math.max(opts.noHeaders ? 0 : header[i]!.length, ...cells.map((r) => r[i]!.length)),
  );
  const line = (texts: string[], colors: ReadonlyArray<ReturnType<NonNullable<Column<T>['color']>>>): string =>
    texts
      .map((text, i) => {
        const padded = i === texts.length - 1 ? text : text.padEnd(widths[i]!);
        return paint(text, colors[i], opts.color) + padded.slice(text.length);
      })
      .join(GAP)
      .trimEnd();
  const out: string[] = [];
  if (!opts.noHeaders && rows.length > 0) out.push(line(header, []));
  rows.forEach((row, r) =>
    out.push(
      line(
        cells[r]!,
        shown.map((c) => c.color?.(row)),
      ),
    ),
  );
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/** Cells come from audit logs and cluster objects: escaped before widths are measured. */
const oneLine = (text: string): string => (text === '' ? '<none>' : safeText(text.replace(/\s*\n\s*/g, ' ')));
