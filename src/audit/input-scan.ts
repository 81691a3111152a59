import type { SecretRead } from './secret-read.js';
import { LineScanner } from './line-scanner.js';
import { JsonSplitter } from './json-splitter.js';
import { detectLayout, HEAD_LIMIT, type Layout } from './layout.js';
import type { AuditInputSummary, InputFormat, RecordFormat, SkipReason } from './report-types.js';
import { LAST, readRecord, SAMPLE, type RecordOutput } from './record-reader.js';
import { BatchBuilder, replayBatch, type BatchResult, type RecordBatch } from './record-batch.js';
import { partitionOf } from './audit-id-route.js';
import type { BatchOwner, TallyRouter } from './tally-router.js';
import type { SkipTally } from './skip-tally.js';
import { RBAC_NEEDLE } from './write-event.js';
import type { WriteRequests } from './write-requests.js';

export interface ScanLimits {
  /** Longer lines (or records of a JSON document) are skipped without being buffered whole. */
  maxLineBytes: number;
  /** Leading records parsed whatever they contain, to tell the input's format. */
  sampleRecords: number;
  /** Bytes of candidate lines handed to a RecordPool at once. */
  batchBytes: number;
}

export const DEFAULT_LIMITS: ScanLimits = { maxLineBytes: 16 << 20, sampleRecords: 5, batchBytes: 1 << 20 };

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
 * Skipped lines of an input read on other threads, whose results come back out of
 * order: counted at once, the first few listed in line order once the input is read.
 */
class OrderedSkips {
  private lines: number[] = [];
  private reasons: SkipReason[] = [];

  constructor(private readonly tally: SkipTally) {}

  add(line: number, reason: SkipReason): void {
    this.tally.count(reason);
    this.lines.push(line);
    this.reasons.push(reason);
    if (this.lines.length > 4 * this.tally.keep) this.trim();
  }

  /** Lists the first few, in order. */
  note(file: string): void {
    this.trim();
    this.lines.forEach((line, i) => this.tally.note(file, line, this.reasons[i]!));
  }

  private trim(): void {
    const order = this.lines.map((_, i) => i).sort((a, b) => this.lines[a]! - this.lines[b]!);
    const kept = order.slice(0, this.tally.keep);
    this.lines = kept.map((i) => this.lines[i]!);
    this.reasons = kept.map((i) => this.reasons[i]!);
  }
}

/** Where the records of an input go: read here into `sink`, or in batches through `router`. */
export type ScanTarget = { sink: ReadSink; router?: undefined } | { router: TallyRouter; sink?: undefined };

/**
 * Scans one input, chunk by chunk: decides its layout from the first bytes, lets only
 * records that may read a Secret through, and reads them here (handing each read to the
 * sink) or sends them, in batches split by auditID, to the router's threads.
 */
export class InputScan implements BatchOwner {
  private head: Buffer[] = [];
  private headBytes = 0;
  private scanner: LineScanner | JsonSplitter | null = null;
  private layout: Layout | undefined;
  private bytes = 0;
  private samples = 0;
  private parsed = 0;
  private readonly formats = new Set<RecordFormat>();
  private readonly categories = new Set<string>();
  /** Records for the router, one builder per partition. */
  private readonly batches: BatchBuilder[] = [];
  private readonly orderedSkips: OrderedSkips | null;
  private readonly output: RecordOutput;

  constructor(
    private readonly path: string,
    private readonly target: ScanTarget,
    private readonly skips: SkipTally,
    private readonly limits: ScanLimits = DEFAULT_LIMITS,
    /** Writes of Secrets and RBAC objects, when asked for (write-event.ts). */
    private readonly writes?: WriteRequests,
  ) {
    this.orderedSkips = target.router ? new OrderedSkips(skips) : null;
    this.output = {
      read: (read, recovered) => (target.sink ? target.sink(read, recovered) : target.router.add(read, recovered)),
      skip: (line, reason) => this.skip(line, reason),
      format: (format) => this.formats.add(format),
      category: (category) => this.categories.add(category),
    };
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.bytes += chunk.length;
    this.target.router?.scanned(chunk.length);
    if (this.scanner) {
      this.scanner.push(chunk);
      // the reader may reuse the chunk once we return
      for (const batch of this.batches) batch.flush();
      return;
    }
    // Chunks may be reused by the reader once we return: keep a copy until the layout is known.
    this.head.push(Buffer.from(chunk));
    this.headBytes += chunk.length;
    this.decide(false);
  }

  /** Waits until the router has few batches in flight. */
  async settle(): Promise<void> {
    await this.target.router?.settle();
  }

  /** The input has been read to its end (or to a read error). */
  end(): void {
    if (!this.scanner) this.decide(true);
    this.scanner?.end();
    this.submitBatches();
  }

  /** What the input held; once the router (if any) has finished, so that every batch is read. */
  result(compressed: boolean): InputScanResult {
    this.orderedSkips?.note(this.path);
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

  absorb(result: BatchResult): void {
    this.parsed += replayBatch(result, this.output);
  }

  recycle(partition: number, batch: RecordBatch): void {
    this.batches[partition]?.recycle(batch);
  }

  private skip(line: number, reason: SkipReason): void {
    if (this.orderedSkips) this.orderedSkips.add(line, reason);
    else this.skips.add(this.path, line, reason);
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
    const router = this.target.router;
    // room for twice a batch: a batch is sent once it is full, so a line never makes it grow unless it is that long
    for (let i = 0; router && i < router.partitions; i++)
      this.batches.push(new BatchBuilder(2 * this.limits.batchBytes));
    // a huge line is no record, but its skip stays in order with the records around it
    const huge = (line: number): void => (router ? this.batches[0]!.addHuge(line) : this.skip(line, 'huge'));
    this.scanner =
      layout === 'document'
        ? new JsonSplitter(
            {
              value: (buf, s, e, hit, line) => {
                onRecord(buf, s, e, hit, line, false);
                // the splitter may reuse a record's buffer before the chunk is done
                for (const batch of this.batches) batch.flush();
              },
              huge,
              malformed: (line) => this.skip(line, 'malformed'),
              incomplete: (line) => this.skip(line, 'incomplete-last-line'),
            },
            this.limits.maxLineBytes,
          )
        : new LineScanner(
            { line: onRecord, huge },
            {
              maxLineBytes: this.limits.maxLineBytes,
              sampleLines: this.limits.sampleRecords,
              ...(this.writes ? { extraNeedle: RBAC_NEEDLE } : {}),
            },
          );
    this.scanner.push(head);
  }

  private record(buf: Buffer, s: number, e: number, hit: number, line: number, last: boolean): void {
    // Writes are never reads: they are read here, apart, and leave the read counts alone.
    if (this.writes?.mayWrite(buf, s, e)) this.writes.read(buf, s, e);
    const sample = this.samples < this.limits.sampleRecords;
    if (sample) this.samples++;
    if (hit === -1 && !sample && !last) return;
    const flags = (last ? LAST : 0) | (sample ? SAMPLE : 0);
    const router = this.target.router;
    if (!router || router.countingHere) {
      if (readRecord(buf, s, e, hit, line, flags, this.output)) this.parsed++;
      return;
    }
    const partition = partitionOf(buf, s, e, router.partitions);
    const batch = this.batches[partition]!;
    batch.add(buf, s, e, hit, line, flags);
    if (batch.size < this.limits.batchBytes) return;
    router.submit(partition, batch.take(), this, true);
    // counted here from now on: what the other batches hold goes first, so that a request's stages stay in order
    if (router.countingHere) this.submitBatches();
  }

  private submitBatches(): void {
    this.batches.forEach((batch, partition) => {
      if (batch.records > 0) this.target.router!.submit(partition, batch.take(), this, false);
    });
  }

  private format(): InputFormat {
    if (this.formats.size === 0) return 'unknown';
    if (this.formats.size > 1) return 'mixed';
    return this.formats.values().next().value!;
  }
}
