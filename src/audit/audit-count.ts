// What a scan of the logs counted, as plain data: the one thread's, or each counting thread's share
// of the requests (share.ts), which auditReport (run.ts) adds up.
import type { AggregatorState } from './aggregate.js';
import { inputFormat, type InputScanResult } from './input-scan.js';
import type { AuditSkipped, RecordFormat } from './report-types.js';

export interface AuditCount {
  counted: AggregatorState;
  /** Stages of counted requests that arrived after they were counted. */
  lateStages: number;
  /** Events recovered from truncated records. */
  recovered: number;
  skipped: AuditSkipped;
  /** One per input, in the order read. */
  inputs: InputScanResult[];
}

/**
 * Whether shares of one scan read the same inputs alike: the same bytes, lines and read errors.
 * They may not when a log grows or fails while the threads read it; then their counts do not add up.
 */
export function sameInputs(counts: readonly AuditCount[]): boolean {
  const [first, ...rest] = counts;
  if (!first) return true;
  return rest.every(
    (count) =>
      count.inputs.length === first.inputs.length &&
      count.inputs.every((input, i) => {
        const a = input.summary;
        const b = first.inputs[i]!.summary;
        return (
          a.path === b.path &&
          a.bytes === b.bytes &&
          a.lines === b.lines &&
          (a.format === 'empty') === (b.format === 'empty') &&
          a.readError?.reason === b.readError?.reason
        );
      }),
  );
}

/** The inputs as one scan of them all would have seen them: their records' formats and categories together. */
export function mergedInputs(counts: readonly AuditCount[]): InputScanResult[] {
  if (counts.length === 1) return counts[0]!.inputs;
  return (counts[0]?.inputs ?? []).map((input, i) => {
    const formats = new Set<RecordFormat>();
    const categories = new Set<string>();
    let parsed = 0;
    for (const count of counts) {
      const theirs = count.inputs[i]!;
      for (const format of theirs.formats) formats.add(format);
      for (const category of theirs.categories) categories.add(category);
      parsed += theirs.parsed;
    }
    const format = input.summary.format === 'empty' ? 'empty' : inputFormat(formats);
    return { summary: { ...input.summary, format }, formats, categories, parsed };
  });
}
