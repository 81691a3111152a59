import type { AuditReport, InputReadFailure } from './report-types.js';
import type { SecretRead } from './secret-read.js';
import { resolveQuery, matchesQuery, matchesRequest, type AuditQuery } from './query.js';
import { RequestCounter } from './request-counter.js';
import { RequestTally } from './request-tally.js';
import { Aggregator } from './aggregate.js';
import { SkipTally } from './skip-tally.js';
import { DEFAULT_LIMITS, InputScan, type FilePiece, type InputScanResult, type ReadSink } from './input-scan.js';
import type { AuditCount } from './audit-count.js';
import { WriteRequests } from './write-requests.js';
import type { ObjectWrite } from './write-event.js';

export type { AuditQuery } from './query.js';
export { resolveQuery } from './query.js';
export type * from './report-types.js';
export type { SecretRead } from './secret-read.js';
export type { ObjectWrite, WriteVerb, WrittenResource } from './write-event.js';
export { GROUP_BY, READ_SCOPES, READ_VERBS } from './report-types.js';

/** One input to read: a file, a decompressed .gz, or stdin. */
export interface AuditInput {
  /** As shown in the report ("-" for stdin). */
  path: string;
  /** Read once the chunks are done: a reader of stdin only knows after the first bytes. */
  compressed: boolean;
  /**
   * The input's bytes (decompressed), in chunks. A chunk need only stay valid until
   * the next one is asked for, so a reader may reuse its buffers.
   */
  chunks(): AsyncIterable<Uint8Array>;
}

export interface AuditOptions extends AuditQuery {
  /** Lines (or records of a JSON document) longer than this are skipped unread. Default 16 MiB. */
  maxLineBytes?: number;
  /** How many skipped lines to list in skipped.firstLineNumbers. Default 10. */
  skippedLinesShown?: number;
  /** Called after each chunk with the bytes read so far from the current input. */
  onProgress?: (progress: { path: string; bytes: number }) => void;
  /** Called once per request that matched the query, its stages merged (for joins that need every request). */
  onRequest?: (read: SecretRead) => void;
  /**
   * Called once per write (create, update, patch, delete, deletecollection) of the queried Secret,
   * of Roles and RoleBindings of its namespace, and of any ClusterRole or ClusterRoleBinding, in
   * the window. Writes are never counted as reads; without this option they are not even looked for.
   */
  onWrite?: (write: ObjectWrite) => void;
}

/**
 * Answers "who read these Secrets?" from audit logs. Inputs are read one after the
 * other, in the order given (the sources module orders them in time); a request logged
 * in several of them is counted once. An input that fails while being read (a corrupt
 * .gz) adds a warning and keeps what was read before the failure.
 */
export async function runAudit(
  inputs: Iterable<AuditInput> | AsyncIterable<AuditInput>,
  options: AuditOptions = {},
): Promise<AuditReport> {
  const counted = await countAudit(inputs, options);
  if (counted === ABANDONED) throw new Error('a scan of every request is never abandoned');
  return auditReport(counted, options);
}

/** countAudit's answer when a segment stops: it met a document, or another segment's count failed. The caller counts on one thread. */
export const ABANDONED = 'abandoned';

/** What counting threads add to a scan: the segment of the logs counted here (segments.ts), and a signal that another one's count failed. */
export interface SegmentOptions {
  /** The part of each input this segment reads, in the order of the inputs. */
  pieces?: readonly FilePiece[];
  stop?: AbortSignal;
}

/**
 * Reads the inputs and counts their requests, or only those of one segment of the logs
 * (`pieces`, for counting threads: segments.ts joins them), as plain data for auditReport.
 * Stops at once with ABANDONED when a segment meets a document (whose records cannot be
 * read from the middle), or when `stop` is aborted.
 */
export async function countAudit(
  inputs: Iterable<AuditInput> | AsyncIterable<AuditInput>,
  options: AuditOptions & SegmentOptions,
): Promise<AuditCount | typeof ABANDONED> {
  const { pieces, stop } = options;
  if (pieces && options.onWrite) throw new Error('writes are looked for on one thread');
  const query = resolveQuery(options);
  const aggregator = new Aggregator(query);
  // Stages are filtered on what they all share, requests once their stages are merged.
  const counter = new RequestCounter((read, stages) => {
    if (!matchesRequest(read, query)) return false;
    aggregator.add(read, stages);
    options.onRequest?.(read);
    return true;
  }, pieces !== undefined);
  const skips = new SkipTally(options.skippedLinesShown ?? 10);
  const limits = { ...DEFAULT_LIMITS, maxLineBytes: options.maxLineBytes ?? DEFAULT_LIMITS.maxLineBytes };
  // Without a caller that wants each request, the WebAssembly walk's lines are counted in WebAssembly too; with
  // one, the lines the query leaves out are only passed over there (JavaScript reads the others).
  const tally = RequestTally.start(query, counter, aggregator, pieces !== undefined, options.onRequest !== undefined);
  const sink: ReadSink = (read, recovered) => {
    if (!matchesQuery(read, query)) return;
    tally?.beforeRead(read);
    counter.add(read, recovered);
  };
  const writes = options.onWrite ? new WriteRequests(query, options.onWrite) : undefined;
  const results: InputScanResult[] = [];

  try {
    let index = 0;
    for await (const input of inputs) {
      const piece = pieces?.[index++];
      if (pieces && !piece) throw new Error('a segment has more inputs than pieces');
      const scan = new InputScan(input.path, sink, skips, limits, { writes, piece, tally });
      let bytes = 0;
      let readError: InputReadFailure | null = null;
      try {
        for await (const chunk of input.chunks()) {
          scan.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if (scan.unsplittable || stop?.aborted) return ABANDONED;
          bytes += chunk.byteLength;
          options.onProgress?.({ path: input.path, bytes });
        }
      } catch (err) {
        readError = readFailure(err, bytes);
      }
      const result = scan.end(input.compressed);
      if (scan.unsplittable) return ABANDONED;
      result.summary.readError = readError;
      results.push(result);
    }

    tally?.handOver();
    const requests = pieces ? counter.segmentRequests() : undefined;
    if (!pieces) counter.finish();
    writes?.finish();
    return {
      counted: aggregator.state(),
      lateStages: counter.lateStages,
      recovered: counter.recovered,
      skipped: skips.skipped,
      inputs: results,
      ...(requests ? { requests } : {}),
    };
  } finally {
    tally?.release();
  }
}

/** The report of what countAudit counted (over all the logs, or their segments joined: segments.ts). */
export function auditReport(count: AuditCount, options: AuditOptions = {}): AuditReport {
  const query = resolveQuery(options);
  const aggregator = new Aggregator(query);
  // The report is built once from what was counted: its rows are taken as they are.
  aggregator.merge(count.counted, { spent: true });
  const { inputs, lateStages } = count;
  const totals = aggregator.totals;
  const inputsSummary = inputs.map((r) => r.summary);
  return {
    groupBy: query.groupBy,
    rows: aggregator.result(),
    totals: {
      requests: totals.requests,
      reads: totals.requests - totals.denied,
      denied: totals.denied,
      failed: totals.failed,
      noResponse: totals.noResponse,
      system: totals.system,
      events: totals.events + lateStages,
      truncatedRecovered: count.recovered,
      parsedLines: inputs.reduce((n, r) => n + r.parsed, 0),
      lines: inputsSummary.reduce((n, s) => n + s.lines, 0),
      bytes: inputsSummary.reduce((n, s) => n + s.bytes, 0),
    },
    skipped: count.skipped,
    inputs: inputsSummary,
    warnings: inputs.flatMap(inputWarnings),
  };
}

/**
 * What the reader of an input says when it stops early. Readers may tell more
 * than a message: `gzip` ('truncated' | 'corrupt'), `compressedOffset` and
 * `compressedSize` (src/sources/read-chunks.ts InputReadError).
 */
export interface ReadErrorDetails {
  message: string;
  gzip?: 'truncated' | 'corrupt';
  compressedOffset?: number;
  compressedSize?: number;
}

function readFailure(err: unknown, bytesRead: number): InputReadFailure {
  const e: ReadErrorDetails = err instanceof Error ? (err as Error & ReadErrorDetails) : { message: String(err) };
  const rest = bytesRead > 0 ? '; the rest of this file was not read' : '';
  if (e.gzip) {
    const offset = e.compressedOffset ?? 0;
    const of = e.compressedSize !== undefined ? ` of ${e.compressedSize}` : '';
    // zlib checks a member's CRC and length at its end: what was read before holds the damage
    const checked = /incorrect (data|length) check/.test(e.message) ? ' (the damage lies in the data before it)' : '';
    return {
      reason: `${e.gzip} gzip data at compressed byte ${offset}${of} (${bytesRead} bytes read after decompression): ${e.message}${checked}${
        e.gzip === 'corrupt' ? '; the rest of this file was not read' : ''
      }`,
      bytesRead,
      compressedOffset: offset,
    };
  }
  return { reason: `cannot read: ${e.message}, at byte ${bytesRead}${rest}`, bytesRead, compressedOffset: null };
}

/** True when an input stopped early: the command exits with PARTIAL_ANSWER_EXIT (src/cli/exit.ts). */
export function anyInputUnread(report: AuditReport): boolean {
  return report.inputs.some((i) => i.readError !== null);
}

function inputWarnings(result: InputScanResult): string[] {
  const { summary, categories } = result;
  const warnings: string[] = [];
  if (summary.readError) warnings.push(`${summary.path === '-' ? 'stdin' : summary.path}: ${summary.readError.reason}`);
  if (categories.has('kube-audit-admin') && !categories.has('kube-audit')) {
    warnings.push(
      `${summary.path}: AKS category kube-audit-admin leaves out get and list requests, so most Secret reads are missing; export the kube-audit category`,
    );
  }
  if (summary.format === 'unknown') warnings.push(`${summary.path}: no audit events recognised`);
  return warnings;
}
