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
  const cellWidths = cells.map((r) => r.map(displayWidth));
  const header = shown.map((c) => c.header.toUpperCase());
  const headerWidths = header.map((h) => h.length);
  // A loop, not Math.max(...cells): a spread of every row overflows the call stack past ~120,000 rows.
  const widths = shown.map((_, i) =>
    cellWidths.reduce((widest, r) => Math.max(widest, r[i]!), opts.noHeaders ? 0 : headerWidths[i]!),
  );
  const line = (
    texts: string[],
    textWidths: readonly number[],
    colors: ReadonlyArray<ReturnType<NonNullable<Column<T>['color']>>>,
  ): string =>
    texts
      .map((text, i) => {
        const pad = i === texts.length - 1 ? 0 : widths[i]! - textWidths[i]!;
        return paint(text, colors[i], opts.color) + ' '.repeat(Math.max(0, pad));
      })
      .join(GAP)
      .trimEnd();
  const out: string[] = [];
  if (!opts.noHeaders && rows.length > 0) out.push(line(header, headerWidths, []));
  rows.forEach((row, r) =>
    out.push(
      line(
        cells[r]!,
        cellWidths[r]!,
        shown.map((c) => c.color?.(row)),
      ),
    ),
  );
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const ZERO_WIDTH = /^[\p{Mn}\p{Me}]$/u;
// East Asian Wide and Fullwidth blocks (Hangul, CJK, kana, fullwidth forms) and emoji shown as pictures.
const TWO_WIDE =
  /^(?:[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]|\p{Emoji_Presentation})$/u;

/** Columns a terminal gives the text: user names and agents from audit logs can be CJK or emoji. */
export function displayWidth(text: string): number {
  if (PRINTABLE_ASCII.test(text)) return text.length;
  let width = 0;
  for (const ch of text) width += ZERO_WIDTH.test(ch) ? 0 : TWO_WIDE.test(ch) ? 2 : 1;
  return width;
}

/** Cells come from audit logs and cluster objects: escaped before widths are measured. */
const oneLine = (text: string): string => (text === '' ? '<none>' : safeText(text.replace(/\s*\n\s*/g, ' ')));
