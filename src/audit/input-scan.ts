import type { AuditInputSummary, InputFormat, RecordFormat } from './report-types.js';
import type { SecretRead } from './secret-read.js';
import { LineScanner } from './line-scanner.js';
import { JsonSplitter } from './json-splitter.js';
import { detectLayout, HEAD_LIMIT, type Layout } from './layout.js';
import { LAST, readRecord, SAMPLE, type RecordOutput } from './record-reader.js';
import { BatchBuilder, readBatch, replayBatch, type BatchResult, type RecordBatch } from './record-batch.js';
import type { SkipTally } from './skip-tally.js';

export interface ScanLimits {
  /** Longer lines (or records of a JSON document) are skipped without being buffered whole. */
  maxLineBytes: number;
  /** Leading records parsed whatever they contain, to tell the input's format. */
  sampleRecords: number;
  /** Bytes of candidate lines handed to a RecordPool at once. */
  batchBytes: number;
}

export const DEFAULT_LIMITS: ScanLimits = { maxLineBytes: 16 << 20, sampleRecords: 5, batchBytes: 1 << 20 };

/**
 * Reads batches of records, on other threads: the lines of a line-per-record input are
 * then split here and read there. Results must come back whatever happens to a thread.
 */
export interface RecordPool {
  read(batch: RecordBatch): Promise<BatchResult>;
}

/** Batches being read at once; more only holds more memory. */
const IN_FLIGHT = 2;

/** Where the reads found in an input go. */
export type ReadSink = (read: SecretRead, recovered: boolean) => void;

export interface InputScanResult {
  summary: AuditInputSummary;
  /** AKS diagnostic categories seen (kube-audit, kube-audit-admin). */
  categories: Set<string>;
  /** Lines or records handed to JSON.parse because they may read a Secret. */
  parsed: number;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Scans one input, chunk by chunk: decides its layout from the first bytes, lets only
 * records that may read a Secret through to JSON.parse, and hands each read to the sink.
 */
export class InputScan {
  private head: Buffer[] = [];
  private headBytes = 0;
  private scanner: LineScanner | JsonSplitter | null = null;
  private layout: Layout | undefined;
  private bytes = 0;
  private samples = 0;
  private parsed = 0;
  private readonly formats = new Set<RecordFormat>();
  private readonly categories = new Set<string>();
  /** Lines for the pool (line-per-record inputs, when there is a pool). */
  private batch: BatchBuilder | null = null;
  private readonly inFlight: Array<{ batch: RecordBatch; result: Promise<BatchResult> }> = [];
  private dispatched = false;
  private readonly output: RecordOutput = {
    read: (read, recovered) => this.sink(read, recovered),
    skip: (line, reason) => this.skips.add(this.path, line, reason),
    format: (format) => this.formats.add(format),
    category: (category) => this.categories.add(category),
  };

  constructor(
    private readonly path: string,
    private readonly sink: ReadSink,
    private readonly skips: SkipTally,
    private readonly limits: ScanLimits = DEFAULT_LIMITS,
    private readonly pool?: RecordPool,
  ) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.bytes += chunk.length;
    if (this.scanner) {
      this.scanner.push(chunk);
      // the reader may reuse the chunk once we return
      this.batch?.flush();
      return;
    }
    // Chunks may be reused by the reader once we return: keep a copy until the layout is known.
    this.head.push(Buffer.from(chunk));
    this.headBytes += chunk.length;
    this.decide(false);
  }

  /** Waits until at most `max` batches are being read, taking in what the others held, in order. */
  async settle(max = IN_FLIGHT): Promise<void> {
    while (this.inFlight.length > max) {
      const { batch, result } = this.inFlight.shift()!;
      this.parsed += replayBatch(await result, this.output);
      this.batch!.recycle(batch);
    }
  }

  async end(compressed: boolean): Promise<InputScanResult> {
    if (!this.scanner) this.decide(true);
    this.scanner?.end();
    if (this.batch && this.batch.records > 0) {
      // an input too small to fill one batch is read here: starting threads would cost more
      if (this.dispatched) this.dispatch();
      else this.parsed += replayBatch(readBatch(this.batch.take()), this.output);
    }
    await this.settle(0);
    const lines = this.scanner?.lines ?? 0;
    const empty =
      this.layout === 'empty' ||
      this.bytes === 0 ||
      (this.scanner instanceof LineScanner && this.scanner.nonEmptyLines === 0);
    if (empty) this.skips.skipped.emptyFiles++;
    return {
      summary: {
        path: this.path,
        format: empty ? 'empty' : this.format(),
        lines,
        bytes: this.bytes,
        compressed,
        readError: null,
      },
      categories: this.categories,
      parsed: this.parsed,
    };
  }

  private decide(ended: boolean): void {
    let head = this.head.length === 1 ? this.head[0]! : Buffer.concat(this.head, this.headBytes);
    if (head.length < BOM.length && !ended && BOM.subarray(0, head.length).equals(head)) return;
    if (head.subarray(0, BOM.length).equals(BOM)) head = head.subarray(BOM.length);
    let layout = detectLayout(head, ended || this.headBytes >= HEAD_LIMIT);
    if (layout === undefined) return;
    if (layout === 'empty' && !ended) layout = 'lines';
    this.layout = layout;
    this.head = [];
    this.headBytes = 0;
    const onRecord = this.record.bind(this);
    // room for twice a batch: a batch is sent once it is full, so a line never makes it grow unless it is that long
    if (layout !== 'document' && this.pool) this.batch = new BatchBuilder(2 * this.limits.batchBytes);
    const huge = (line: number): void => (this.batch ? this.batch.addHuge(line) : this.skips.add(this.path, line, 'huge'));
    this.scanner =
      layout === 'document'
        ? new JsonSplitter(
            {
              value: (buf, s, e, hit, line) => onRecord(buf, s, e, hit, line, false),
              huge,
              malformed: (line) => this.skips.add(this.path, line, 'malformed'),
              incomplete: (line) => this.skips.add(this.path, line, 'incomplete-last-line'),
            },
            this.limits.maxLineBytes,
          )
        : new LineScanner(
            { line: onRecord, huge },
            { maxLineBytes: this.limits.maxLineBytes, sampleLines: this.limits.sampleRecords },
          );
    this.scanner.push(head);
  }

  private record(buf: Buffer, s: number, e: number, hit: number, line: number, last: boolean): void {
    const sample = this.samples < this.limits.sampleRecords;
    if (sample) this.samples++;
    if (hit === -1 && !sample && !last) return;
    if (this.batch) {
      this.batch.add(buf, s, e, hit, line, (last ? LAST : 0) | (sample ? SAMPLE : 0));
      if (this.batch.size >= this.limits.batchBytes) this.dispatch();
      return;
    }
    if (readRecord(buf, s, e, hit, line, (last ? LAST : 0) | (sample ? SAMPLE : 0), this.output)) this.parsed++;
  }

  private dispatch(): void {
    const batch = this.batch!.take();
    this.inFlight.push({ batch, result: this.pool!.read(batch) });
    this.dispatched = true;
  }

  private format(): InputFormat {
    if (this.formats.size === 0) return 'unknown';
    if (this.formats.size > 1) return 'mixed';
    return this.formats.values().next().value!;
  }
}
