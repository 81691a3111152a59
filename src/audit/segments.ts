// Counting threads split the logs into segments: byte ranges that start at line starts, in the order
// of the logs, each counted by one thread (countAudit with `pieces`, run.ts). joinSegments makes of
// their counts what one thread counting all the logs would have counted, or says why it cannot, and
// then the caller counts again on one thread.
//
// A request whose stages fall in two segments is open at the end of the first (its final stage not seen
// there) and finished, or still open, in a later one: its stages are joined as one counter would have
// joined them. Anything a counter over all the logs would have done otherwise (a request counted in
// two segments: rotated files that overlap, reused IDs; stages whose join would change the read that
// was counted) makes the join give up.
import { Aggregator, bitCount } from './aggregate.js';
import type { AuditCount } from './audit-count.js';
import { FinishedRequests, requestKey } from './finished-requests.js';
import { inputFormat, type InputScanResult } from './input-scan.js';
import { matchesRequest, resolveQuery, type AuditQuery } from './query.js';
import type { AuditSkipped, RecordFormat } from './report-types.js';
import { COUNTED, merged, unchanged, type OpenRequest } from './request-counter.js';
import { SkipTally } from './skip-tally.js';

/** One segment's count, and for each of its inputs (pieces of files), the index of the file it is a piece of. */
export interface SegmentCount {
  count: AuditCount;
  files: readonly number[];
}

/** A segment's open request, by auditID and fingerprint. */
type Carried = OpenRequest & { auditID: string };

/**
 * The count of one thread over the files (paths: theirs, in order), from their segments' counts in order; or why
 * not. `spent`: the segments' counts are used no more, so their rows may become the joined count's.
 */
export function joinSegments(
  segments: readonly SegmentCount[],
  paths: readonly string[],
  options: AuditQuery & { skippedLinesShown?: number },
  { spent = false }: { spent?: boolean } = {},
): AuditCount | string {
  const inputs = joinedInputs(segments, paths.length);
  if (typeof inputs === 'string') return inputs;
  const query = resolveQuery(options);
  const aggregator = new Aggregator(query);
  const tables: FinishedRequests[] = [];
  // Open requests of the segments read so far, in the order their first stage came.
  const carried = new Map<string, Carried>();
  let events = 0;
  for (const { count } of segments) {
    if (!count.requests) return 'a segment did not keep its requests';
    const table = new FinishedRequests(undefined, { state: count.requests.finished });
    if (tables.some((earlier) => table.sharesAny(earlier))) return SPLIT_REQUEST;
    const opens = new Map<string, OpenRequest>();
    for (const open of count.requests.open) opens.set(keyOf(open), open);
    for (const [key, before] of carried) {
      const finished = table.entry(before.auditID, before.fingerprint);
      if (finished) {
        if (!unchanged(before, finished.flags, finished.time)) return SPLIT_REQUEST;
        if (finished.flags & COUNTED) events += bitCount(before.stages);
        carried.delete(key);
        continue;
      }
      const after = opens.get(key);
      if (!after) continue;
      if (after.stages & before.stages) return SPLIT_REQUEST;
      carried.set(key, { ...before, read: merged(before.read, after.read), stages: before.stages | after.stages });
      opens.delete(key);
    }
    for (const open of opens.values()) {
      if (tables.some((earlier) => earlier.get(open.read.auditID!, open.fingerprint) !== -1)) return SPLIT_REQUEST;
      carried.set(keyOf(open), { ...open, auditID: open.read.auditID! });
    }
    tables.push(table);
    aggregator.merge(count.counted, { spent });
  }
  // Requests never seen to finish, as a counter hands them on at the end.
  for (const { read, stages } of carried.values()) if (matchesRequest(read, query)) aggregator.add(read, stages);
  aggregator.totals.events += events;
  return {
    counted: aggregator.state(),
    lateStages: sum(segments, (s) => s.count.lateStages),
    recovered: sum(segments, (s) => s.count.recovered),
    skipped: joinedSkips(segments, paths, inputs, options.skippedLinesShown ?? 10),
    inputs,
  };
}

const SPLIT_REQUEST = 'a request was logged in two segments in a way only one thread can count';

function keyOf(open: OpenRequest): string {
  return requestKey(open.read.auditID!, open.fingerprint);
}

/** Each file's scan results, from those of its pieces. */
function joinedInputs(segments: readonly SegmentCount[], files: number): InputScanResult[] | string {
  const pieces: InputScanResult[][] = Array.from({ length: files }, () => []);
  for (const { count, files: of } of segments) {
    if (of.length !== count.inputs.length) return 'a segment read other inputs than it was given';
    count.inputs.forEach((input, i) => pieces[of[i]!]!.push(input));
  }
  const joined: InputScanResult[] = [];
  for (const parts of pieces) {
    const [first] = parts;
    if (!first) return 'a file was left out of every segment';
    if (parts.some((p) => p.summary.readError !== null)) return 'a thread could not read its part of the logs';
    const formats = new Set<RecordFormat>();
    const categories = new Set<string>();
    for (const part of parts) {
      for (const format of part.formats) formats.add(format);
      for (const category of part.categories) categories.add(category);
    }
    const empty = parts.every((p) => p.summary.format === 'empty');
    joined.push({
      summary: {
        ...first.summary,
        format: empty ? 'empty' : inputFormat(formats),
        lines: sum(parts, (p) => p.summary.lines),
        bytes: sum(parts, (p) => p.summary.bytes),
        secretBodies: sum(parts, (p) => p.summary.secretBodies),
      },
      formats,
      categories,
      parsed: sum(parts, (p) => p.parsed),
    });
  }
  return joined;
}

/** The segments' skipped lines, numbered in their files (a piece numbers its lines from 1), and the files all empty. */
function joinedSkips(
  segments: readonly SegmentCount[],
  paths: readonly string[],
  inputs: readonly InputScanResult[],
  keep: number,
): AuditSkipped {
  const linesBefore = new Array<number>(paths.length).fill(0);
  const piecesOf = new Array<number>(paths.length).fill(0);
  const tallies = segments.map(({ count, files }) => {
    const offsets = new Map<string, number>();
    files.forEach((file, i) => {
      offsets.set(paths[file]!, linesBefore[file]!);
      linesBefore[file]! += count.inputs[i]!.summary.lines;
      piecesOf[file]!++;
    });
    const firstLineNumbers = count.skipped.firstLineNumbers.map((skip) => ({
      ...skip,
      line: skip.line + (offsets.get(skip.file) ?? 0),
    }));
    return { ...count.skipped, firstLineNumbers };
  });
  const skipped = SkipTally.merged(tallies, keep, paths);
  // A piece does not count its file as empty unless it is the whole file (input-scan.ts).
  inputs.forEach((input, file) => {
    if (piecesOf[file]! > 1 && input.summary.format === 'empty') skipped.emptyFiles++;
  });
  return skipped;
}

function sum<T>(items: readonly T[], of: (item: T) => number): number {
  return items.reduce((n, item) => n + of(item), 0);
}
