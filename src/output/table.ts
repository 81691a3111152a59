import Table from 'cli-table3';
import { paint } from './color.js';
import type { Column } from './report.js';

const NO_BORDER = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '',
  right: '', 'right-mid': '', middle: '',
};

export interface TableOptions {
  wide: boolean;
  noHeaders: boolean;
  color: boolean;
}

/**
 * Renders rows the way kubectl does: upper-case headers, no borders, columns
 * separated by three spaces, no trailing blanks. Cells never wrap; a cell with
 * several values joins them with commas.
 */
export function renderTable<T>(columns: readonly Column<T>[], rows: readonly T[], opts: TableOptions): string {
  const shown = columns.filter((c) => opts.wide || !c.wide);
  const table = new Table({
    chars: NO_BORDER,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 3, compact: true },
  });
  if (!opts.noHeaders) table.push(shown.map((c) => c.header.toUpperCase()));
  for (const row of rows) {
    table.push(shown.map((c) => paint(oneLine(c.value(row)), c.color?.(row), opts.color)));
  }
  if (table.length === 0) return '';
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .concat('\n');
}

const oneLine = (text: string): string => (text === '' ? '<none>' : text.replace(/\s*\n\s*/g, ' '));
