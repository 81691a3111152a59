import type { AuditReport, InputReadFailure } from './report-types.js';
import type { SecretRead } from './secret-read.js';
import { resolveQuery, type AuditQuery } from './query.js';
import { SkipTally } from './skip-tally.js';
import { DEFAULT_LIMITS, InputScan, type InputScanResult } from './input-scan.js';
import { mergeTallies, RequestTally } from './request-tally.js';
import { TallyRouter, type RecordPool } from './tally-router.js';
import { WriteRequests } from './write-requests.js';
import type { ObjectWrite } from './write-event.js';

export type { AuditQuery } from './query.js';
export type { RecordPool } from './tally-router.js';
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
  /** Bytes of candidate lines sent to the pool at once. Default 1 MiB. */
  batchBytes?: number;
  /** Threads to read and count records on; without it (or with onRequest) everything is done on this one. */
  pool?: RecordPool;
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
  const query = resolveQuery(options);
  const skips = new SkipTally(options.skippedLinesShown ?? 10);
  const limits = {
    ...DEFAULT_LIMITS,
    maxLineBytes: options.maxLineBytes ?? DEFAULT_LIMITS.maxLineBytes,
    batchBytes: options.batchBytes ?? DEFAULT_LIMITS.batchBytes,
  };
  // onRequest wants every request on this thread
  const pool = options.onRequest ? undefined : options.pool;
  const router = pool ? new TallyRouter(query, pool, 2 * limits.batchBytes) : undefined;
  const tally = router ? undefined : new RequestTally(query, options.onRequest);
  const writes = options.onWrite ? new WriteRequests(query, options.onWrite) : undefined;
  const scans: Array<{ scan: InputScan; compressed: boolean; readError: InputReadFailure | null }> = [];

  for await (const input of inputs) {
    const scan = new InputScan(
      input.path,
      router ? { router } : { sink: (read, recovered) => tally!.add(read, recovered) },
      skips,
      limits,
      writes,
    );
    let bytes = 0;
    let readError: InputReadFailure | null = null;
    try {
      for await (const chunk of input.chunks()) {
        scan.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        bytes += chunk.byteLength;
        await scan.settle();
        options.onProgress?.({ path: input.path, bytes });
      }
    } catch (err) {
      readError = readFailure(err, bytes);
    }
    scan.end();
    scans.push({ scan, compressed: input.compressed, readError });
  }

  const partials = router ? await router.finish() : [tally!.finish()];
  const counted = mergeTallies(query, partials);
  writes?.finish();
  const results: InputScanResult[] = [];
  const warnings: string[] = [];
  for (const { scan, compressed, readError } of scans) {
    const result = scan.result(compressed);
    result.summary.readError = readError;
    if (readError) warnings.push(`${result.summary.path === '-' ? 'stdin' : result.summary.path}: ${readError.reason}`);
    results.push(result);
    warnings.push(...inputWarnings(result));
  }
  const totals = counted.totals;
  const inputsSummary = results.map((r) => r.summary);
  return {
    groupBy: query.groupBy,
    rows: counted.rows,
    totals: {
      requests: totals.requests,
      reads: totals.requests - totals.denied,
      denied: totals.denied,
      failed: totals.failed,
      noResponse: totals.noResponse,
      system: totals.system,
      events: totals.events + counted.lateStages,
      truncatedRecovered: counted.truncatedRecovered,
      parsedLines: results.reduce((n, r) => n + r.parsed, 0),
      lines: inputsSummary.reduce((n, s) => n + s.lines, 0),
      bytes: inputsSummary.reduce((n, s) => n + s.bytes, 0),
    },
    skipped: skips.skipped,
    inputs: inputsSummary,
    warnings,
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
  if (categories.has('kube-audit-admin') && !categories.has('kube-audit')) {
    warnings.push(
      `${summary.path}: AKS category kube-audit-admin leaves out get and list requests, so most Secret reads are missing; export the kube-audit category`,
    );
  }
  if (summary.format === 'unknown') warnings.push(`${summary.path}: no audit events recognised`);
  return warnings;
}
