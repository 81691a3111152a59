import type { AuditSkipped, SkipReason } from './report-types.js';

const FIELD: Record<SkipReason, 'malformed' | 'truncated' | 'nonUtf8' | 'huge' | 'incompleteLastLine'> = {
  malformed: 'malformed',
  truncated: 'truncated',
  'non-utf8': 'nonUtf8',
  huge: 'huge',
  'incomplete-last-line': 'incompleteLastLine',
};

/** Counts skipped lines and keeps the first few, in input order. */
export class SkipTally {
  readonly skipped: AuditSkipped = {
    malformed: 0,
    truncated: 0,
    nonUtf8: 0,
    huge: 0,
    incompleteLastLine: 0,
    emptyFiles: 0,
    firstLineNumbers: [],
  };

  constructor(private readonly keep = 10) {}

  add(file: string, line: number, reason: SkipReason): void {
    this.skipped[FIELD[reason]]++;
    if (this.skipped.firstLineNumbers.length < this.keep) this.skipped.firstLineNumbers.push({ file, line, reason });
  }
}
