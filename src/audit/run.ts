import type { AuditReport, InputReadFailure } from './report-types.js';
import type { SecretRead } from './secret-read.js';
import { resolveQuery, matchesQuery, matchesRequest, type AuditQuery } from './query.js';
import { RequestCounter } from './request-counter.js';
import { Aggregator } from './aggregate.js';
import { SkipTally } from './skip-tally.js';
import { DEFAULT_LIMITS, InputScan, type InputScanResult, type ReadSink } from './input-scan.js';
import type { AuditShare } from './share.js';
import { mergedInputs, type AuditCount } from './audit-count.js';
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
  return auditReport([counted], options);
}

/** countAudit's answer when a share stops: it met a read it does not own (share.ts), or another share's count failed. The caller counts on one thread. */
export const ABANDONED = 'abandoned';

/** What counting threads add to a scan: the share counted here, and a signal that another share's count failed. */
export interface ShareOptions {
  share?: AuditShare;
  stop?: AbortSignal;
}

/**
 * Reads the inputs and counts their requests, or only one share of them (`share`, for
 * counting threads; share.ts), as plain data for auditReport. Stops at once with
 * ABANDONED when a share meets a read it does not own or a document (whose records are not lines, so
 * shares could list their skipped records out of order), or when `stop` is aborted.
 */
export async function countAudit(
  inputs: Iterable<AuditInput> | AsyncIterable<AuditInput>,
  options: AuditOptions & ShareOptions,
): Promise<AuditCount | typeof ABANDONED> {
  const { share, stop } = options;
  if (share && options.onWrite) throw new Error('writes are looked for on one thread');
  const query = resolveQuery(options);
  const aggregator = new Aggregator(query);
  // Stages are filtered on what they all share, requests once their stages are merged.
  const counter = new RequestCounter((read, stages) => {
    if (!matchesRequest(read, query)) return false;
    aggregator.add(read, stages);
    options.onRequest?.(read);
    return true;
  });
  const skips = new SkipTally(options.skippedLinesShown ?? 10);
  const limits = { ...DEFAULT_LIMITS, maxLineBytes: options.maxLineBytes ?? DEFAULT_LIMITS.maxLineBytes };
  let misrouted = false;
  const sink: ReadSink = (read, recovered) => {
    if (share && !share.owns(read.auditID)) misrouted = true;
    else if (matchesQuery(read, query)) counter.add(read, recovered);
  };
  const writes = options.onWrite ? new WriteRequests(query, options.onWrite) : undefined;
  const results: InputScanResult[] = [];

  for await (const input of inputs) {
    const scan = new InputScan(input.path, sink, skips, limits, { writes, share });
    let bytes = 0;
    let readError: InputReadFailure | null = null;
    try {
      for await (const chunk of input.chunks()) {
        scan.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if (misrouted || scan.unsplittable || stop?.aborted) return ABANDONED;
        bytes += chunk.byteLength;
        options.onProgress?.({ path: input.path, bytes });
      }
    } catch (err) {
      readError = readFailure(err, bytes);
    }
    const result = scan.end(input.compressed);
    if (misrouted || scan.unsplittable) return ABANDONED;
    result.summary.readError = readError;
    results.push(result);
  }

  counter.finish();
  writes?.finish();
  return {
    counted: aggregator.state(),
    lateStages: counter.lateStages,
    recovered: counter.recovered,
    skipped: skips.skipped,
    inputs: results,
  };
}

/** The report of what one or more countAudit calls counted, for the same inputs and query (shares of it). */
export function auditReport(counts: readonly AuditCount[], options: AuditOptions = {}): AuditReport {
  const query = resolveQuery(options);
  const aggregator = new Aggregator(query);
  for (const count of counts) aggregator.merge(count.counted);
  const inputs = mergedInputs(counts);
  const lateStages = counts.reduce((n, c) => n + c.lateStages, 0);
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
      truncatedRecovered: counts.reduce((n, c) => n + c.recovered, 0),
      parsedLines: inputs.reduce((n, r) => n + r.parsed, 0),
      lines: inputsSummary.reduce((n, s) => n + s.lines, 0),
      bytes: inputsSummary.reduce((n, s) => n + s.bytes, 0),
    },
    skipped: SkipTally.merged(
      counts.map((c) => c.skipped),
      options.skippedLinesShown ?? 10,
      inputs.map((i) => i.summary.path),
    ),
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
    return {
      reason: `${e.gzip} gzip data at compressed byte ${offset}${of} (${bytesRead} bytes read after decompression): ${e.message}${
        e.gzip === 'corrupt' ? '; the rest of this file was not read' : ''
      }`,
      bytesRead,
      compressedOffset: offset,
    };
  }
  return { reason: `cannot read: ${e.message}, at byte ${bytesRead}${rest}`, bytesRead, compressedOffset: null };
}

/** True when an input stopped early: the command exits with PARTIAL_INPUT_EXIT. */
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
