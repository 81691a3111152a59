import type { AuditSkipped, SkipReason } from './report-types.js';

const FIELD: Record<SkipReason, 'malformed' | 'truncated' | 'nonUtf8' | 'huge' | 'incompleteLastLine'> = {
  malformed: 'malformed',
  truncated: 'truncated',
  'non-utf8': 'nonUtf8',
  huge: 'huge',
  'incomplete-last-line': 'incompleteLastLine',
};

const COUNTS = [...Object.values(FIELD), 'emptyFiles'] as const;

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

  /**
   * What several segments of one scan skipped (each line judged by one), the first `keep` listed in
   * the order of `paths` (the inputs) and of their lines.
   */
  static merged(tallies: readonly AuditSkipped[], keep: number, paths: readonly string[]): AuditSkipped {
    if (tallies.length === 1) return tallies[0]!;
    const { skipped } = new SkipTally(keep);
    for (const theirs of tallies) for (const count of COUNTS) skipped[count] += theirs[count];
    const order = (file: string): number => paths.indexOf(file);
    skipped.firstLineNumbers = tallies
      .flatMap((t) => t.firstLineNumbers)
      .sort((a, b) => order(a.file) - order(b.file) || a.line - b.line)
      .slice(0, keep);
    return skipped;
  }

  add(file: string, line: number, reason: SkipReason): void {
    this.skipped[FIELD[reason]]++;
    if (this.skipped.firstLineNumbers.length < this.keep) this.skipped.firstLineNumbers.push({ file, line, reason });
  }
}
