/**
 * Records handed to other threads in batches, and what they held coming back, as plain
 * typed arrays and strings (cheap to transfer, unlike thousands of small objects).
 * The thread that splits lines keeps everything that depends on order (line numbers,
 * sample lines, the first skipped lines); readBatch, which may run anywhere, does the
 * per-record work and counts the reads into that thread's tally (every stage of a
 * request is sent to the same thread, src/audit/audit-id-route.ts).
 */
import type { RecordFormat, SkipReason } from './report-types.js';
import type { SecretRead } from './secret-read.js';
import { readRecord, type RecordOutput } from './record-reader.js';

/** A batch of records: their bytes, and META_WIDTH ints each (start, end, hit, line, flags). */
export interface RecordBatch {
  data: Uint8Array;
  meta: Int32Array;
  count: number;
}

/**
 * What a batch held besides its reads (which went to the reading thread's tally): skips,
 * formats, categories. Plain arrays: they come back as ordinary garbage.
 */
export interface BatchResult {
  /** (line, reason index) pairs, in record order. */
  skips: number[];
  formats: string[];
  categories: string[];
  parsed: number;
}

const META_WIDTH = 5;
const META_RECORDS = 8192;
/** Lines this close together in the caller's buffer are copied in one piece, with what lies between them. */
const MAX_GAP = 1024;
/** Not a record: a line skipped as huge by the splitter, kept here so skips stay in order. */
export const HUGE = 4;

const SKIP_REASONS: SkipReason[] = ['malformed', 'truncated', 'non-utf8', 'huge', 'incomplete-last-line'];

/**
 * Collects records into a batch; the bytes are copied, so the caller's buffer may be reused.
 * Batches live in SharedArrayBuffers, filled again once read: a thread reads them where
 * they are (a copied batch would be a new buffer in the thread each time, freed only when
 * its small heap happens to be collected), and they are still here if a thread fails.
 */
export class BatchBuilder {
  private data: Buffer;
  private meta: Int32Array;
  private bytes = 0;
  private count = 0;
  /** Buffers of batches already read, to fill again: a run allocates only what is in flight. */
  private readonly spareData: Buffer[] = [];
  private readonly spareMeta: Int32Array[] = [];
  /** Lines not copied yet: runBuf[runStart, runEnd) goes to data[runAt...]. */
  private runBuf: Buffer | null = null;
  private runStart = 0;
  private runEnd = 0;
  private runAt = 0;

  constructor(private readonly capacity = 1 << 20) {
    this.data = sharedBytes(capacity);
    this.meta = sharedInts(META_WIDTH * META_RECORDS);
  }

  get size(): number {
    return this.runBuf ? this.runAt + (this.runEnd - this.runStart) : this.bytes;
  }

  get records(): number {
    return this.count;
  }

  /** A record; its bytes are copied by flush() at the latest, which must come before buf is reused. */
  add(buf: Buffer, s: number, e: number, hit: number, line: number, flags: number): void {
    if (
      buf !== this.runBuf ||
      s < this.runEnd ||
      s - this.runEnd > MAX_GAP ||
      this.runAt + (e - this.runStart) > this.data.length
    ) {
      this.flush();
      if (this.bytes + (e - s) > this.data.length) this.grow(this.bytes + (e - s));
      this.runBuf = buf;
      this.runStart = s;
      this.runAt = this.bytes;
    }
    const at = this.runAt + (s - this.runStart);
    this.push(at, at + (e - s), hit === -1 ? -1 : at + (hit - s), line, flags);
    this.runEnd = e;
  }

  addHuge(line: number): void {
    this.push(this.size, this.size, -1, line, HUGE);
  }

  /** Copies the records added since the last flush (per run of nearby lines, not line by line). */
  flush(): void {
    if (!this.runBuf) return;
    this.runBuf.copy(this.data, this.runAt, this.runStart, this.runEnd);
    this.bytes = this.runAt + (this.runEnd - this.runStart);
    this.runBuf = null;
  }

  /** The batch so far (its memory is handed over), and a fresh one started. */
  take(): RecordBatch {
    this.flush();
    const batch = {
      data: new Uint8Array(this.data.buffer, this.data.byteOffset, this.bytes),
      meta: this.meta.subarray(0, this.count * META_WIDTH),
      count: this.count,
    };
    this.data = this.spareData.pop() ?? sharedBytes(this.capacity);
    this.meta = this.spareMeta.pop() ?? sharedInts(META_WIDTH * META_RECORDS);
    this.bytes = 0;
    this.count = 0;
    return batch;
  }

  /** A batch that has been read (its bytes copied to a thread, or read here) gives its buffer back. */
  recycle(batch: RecordBatch): void {
    const { data, meta } = batch;
    if (data.buffer.byteLength === this.capacity && this.spareData.length < 8)
      this.spareData.push(Buffer.from(data.buffer));
    if (meta.buffer.byteLength === META_WIDTH * META_RECORDS * 4 && this.spareMeta.length < 8)
      this.spareMeta.push(new Int32Array(meta.buffer));
  }

  private push(start: number, end: number, hit: number, line: number, flags: number): void {
    if ((this.count + 1) * META_WIDTH > this.meta.length) {
      const meta = sharedInts(this.meta.length * 2);
      meta.set(this.meta);
      this.meta = meta;
    }
    const at = this.count * META_WIDTH;
    this.meta[at] = start;
    this.meta[at + 1] = end;
    this.meta[at + 2] = hit;
    this.meta[at + 3] = line;
    this.meta[at + 4] = flags;
    this.count++;
  }

  private grow(needed: number): void {
    const data = sharedBytes(Math.max(needed, this.data.length * 2));
    this.data.copy(data, 0, 0, this.bytes);
    this.data = data;
  }
}

function sharedBytes(length: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(length));
}

function sharedInts(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(length * 4));
}

/** Where a batch's reads go: the RequestTally of the thread that reads it. */
export interface ReadTally {
  add(read: SecretRead, recovered: boolean): void;
}

/** Reads every record of a batch (what a worker thread does), its reads into `tally`. */
export function readBatch(batch: RecordBatch, tally: ReadTally): BatchResult {
  const skips: number[] = [];
  const formats = new Set<string>();
  const categories = new Set<string>();
  const out: RecordOutput = {
    read: (read, recovered) => tally.add(read, recovered),
    skip: (line, reason) => skips.push(line, SKIP_REASONS.indexOf(reason)),
    format: (format) => formats.add(format),
    category: (category) => categories.add(category),
  };
  const buf = Buffer.from(batch.data.buffer, batch.data.byteOffset, batch.data.byteLength);
  let parsed = 0;
  for (let i = 0; i < batch.count; i++) {
    const at = i * META_WIDTH;
    const flags = batch.meta[at + 4]!;
    const line = batch.meta[at + 3]!;
    if (flags === HUGE) out.skip(line, 'huge');
    else if (readRecord(buf, batch.meta[at]!, batch.meta[at + 1]!, batch.meta[at + 2]!, line, flags, out)) parsed++;
  }
  return { skips, formats: [...formats], categories: [...categories], parsed };
}

/** Hands what a batch held (but its reads) to `out`; returns the parsed count. */
export function replayBatch(result: BatchResult, out: Omit<RecordOutput, 'read'>): number {
  for (const format of result.formats) out.format(format as RecordFormat);
  for (const category of result.categories) out.category(category);
  for (let k = 0; k < result.skips.length; k += 2) out.skip(result.skips[k]!, SKIP_REASONS[result.skips[k + 1]!]!);
  return result.parsed;
}

/** A batch in memory of its own size (one held back a while should not hold a whole buffer). */
export function compactBatch(batch: RecordBatch): RecordBatch {
  const data = new Uint8Array(new SharedArrayBuffer(batch.data.byteLength));
  data.set(batch.data);
  const meta = new Int32Array(new SharedArrayBuffer(batch.meta.byteLength));
  meta.set(batch.meta);
  return { data, meta, count: batch.count };
}
