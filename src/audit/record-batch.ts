/**
 * Records handed to other threads in batches, and what they held coming back, as plain
 * typed arrays and strings (cheap to transfer, unlike thousands of small objects).
 * The thread that splits lines keeps everything that depends on order (line numbers,
 * sample lines, skip order, request counting); readBatch, which may run anywhere, only
 * does the per-record work.
 */
import type { ReadScope, ReadVerb, RecordFormat, SkipReason } from './report-types.js';
import type { SecretRead } from './secret-read.js';
import { readRecord, type RecordOutput } from './record-reader.js';

/** A batch of records: their bytes, and META_WIDTH ints each (start, end, hit, line, flags). */
export interface RecordBatch {
  data: Uint8Array;
  meta: Int32Array;
  count: number;
}

/**
 * What a batch held: reads (string-table indices), skips, formats, categories. Plain
 * arrays, not typed ones: they come back as ordinary garbage, which young-generation
 * collections free at once, where received ArrayBuffers would pile up as external memory.
 */
export interface BatchResult {
  strings: string[];
  reads: number[];
  /** code and time of each read; NaN for null. */
  numbers: number[];
  readCount: number;
  sourceIPs: number[];
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
    if (buf !== this.runBuf || s < this.runEnd || s - this.runEnd > MAX_GAP || this.runAt + (e - this.runStart) > this.data.length) {
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
    const batch = { data: new Uint8Array(this.data.buffer, this.data.byteOffset, this.bytes), meta: this.meta.subarray(0, this.count * META_WIDTH), count: this.count };
    this.data = this.spareData.pop() ?? sharedBytes(this.capacity);
    this.meta = this.spareMeta.pop() ?? sharedInts(META_WIDTH * META_RECORDS);
    this.bytes = 0;
    this.count = 0;
    return batch;
  }

  /** A batch that has been read (its bytes copied to a thread, or read here) gives its buffer back. */
  recycle(batch: RecordBatch): void {
    const { data, meta } = batch;
    if (data.buffer.byteLength === this.capacity && this.spareData.length < 8) this.spareData.push(Buffer.from(data.buffer));
    if (meta.buffer.byteLength === META_WIDTH * META_RECORDS * 4 && this.spareMeta.length < 8) this.spareMeta.push(new Int32Array(meta.buffer));
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

/** Fields of a read as ints, in this order; strings are indices into the batch's string table (-1 for null). */
const R_AUDIT_ID = 0;
const R_STAGE = 1;
const R_VERB = 2;
const R_NAMESPACE = 3;
const R_NAME = 4;
const R_SCOPE = 5;
const R_USER = 6;
const R_IMPERSONATED = 7;
const R_POD = 8;
const R_NODE = 9;
const R_USER_AGENT = 10;
const R_FORMAT = 11;
const R_FLAGS = 12;
const R_IPS_START = 13;
const R_IPS_COUNT = 14;
const READ_WIDTH = 15;
const DENIED = 1;
const RECOVERED = 2;

/** Encodes what readRecord hands out. */
class ResultEncoder implements RecordOutput {
  private readonly table = new Map<string, number>();
  readonly strings: string[] = [];
  readonly reads: number[] = [];
  readonly numbers: number[] = [];
  readCount = 0;
  ips: number[] = [];
  skips: number[] = [];
  readonly formats = new Set<string>();
  readonly categories = new Set<string>();

  private index(text: string | null): number {
    if (text === null) return -1;
    let i = this.table.get(text);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(text);
      this.table.set(text, i);
    }
    return i;
  }

  read(r: SecretRead, recovered: boolean): void {
    // in R_* order
    this.reads.push(
      this.index(r.auditID),
      r.stageRank,
      this.index(r.verb),
      this.index(r.namespace),
      this.index(r.name),
      this.index(r.scope),
      this.index(r.user),
      this.index(r.impersonatedUser),
      this.index(r.pod),
      this.index(r.node),
      this.index(r.userAgent),
      this.index(r.format),
      (r.denied ? DENIED : 0) | (recovered ? RECOVERED : 0),
      this.ips.length,
      r.sourceIPs.length,
    );
    for (const ip of r.sourceIPs) this.ips.push(this.index(ip));
    this.numbers.push(r.code ?? NaN, r.time ?? NaN);
    this.readCount++;
  }

  skip(line: number, reason: SkipReason): void {
    this.skips.push(line, SKIP_REASONS.indexOf(reason));
  }

  format(format: RecordFormat): void {
    this.formats.add(format);
  }

  category(category: string): void {
    this.categories.add(category);
  }
}

/** Reads every record of a batch (what a worker thread does). */
export function readBatch(batch: RecordBatch): BatchResult {
  const out = new ResultEncoder();
  const buf = Buffer.from(batch.data.buffer, batch.data.byteOffset, batch.data.byteLength);
  let parsed = 0;
  for (let i = 0; i < batch.count; i++) {
    const at = i * META_WIDTH;
    const flags = batch.meta[at + 4]!;
    const line = batch.meta[at + 3]!;
    if (flags === HUGE) out.skip(line, 'huge');
    else if (readRecord(buf, batch.meta[at]!, batch.meta[at + 1]!, batch.meta[at + 2]!, line, flags, out)) parsed++;
  }
  return {
    strings: out.strings,
    reads: out.reads,
    numbers: out.numbers,
    readCount: out.readCount,
    sourceIPs: out.ips,
    skips: out.skips,
    formats: [...out.formats],
    categories: [...out.categories],
    parsed,
  };
}

/** Hands what a batch held to `out`, in the order readRecord gave it; returns the parsed count. */
export function replayBatch(result: BatchResult, out: RecordOutput): number {
  const { strings: s, reads: f, numbers, sourceIPs } = result;
  const str = (i: number): string | null => (i === -1 ? null : s[i]!);
  for (const format of result.formats) out.format(format as RecordFormat);
  for (const category of result.categories) out.category(category);
  for (let k = 0; k < result.skips.length; k += 2) out.skip(result.skips[k]!, SKIP_REASONS[result.skips[k + 1]!]!);
  for (let i = 0; i < result.readCount; i++) {
    const at = i * READ_WIDTH;
    const ips: string[] = [];
    for (let k = f[at + R_IPS_START]!, stop = k + f[at + R_IPS_COUNT]!; k < stop; k++) ips.push(s[sourceIPs[k]!]!);
    const code = numbers[i * 2]!;
    const time = numbers[i * 2 + 1]!;
    const flags = f[at + R_FLAGS]!;
    // the same shape as readFromAuditEvent's reads
    const read: SecretRead = {
      auditID: str(f[at + R_AUDIT_ID]!),
      stageRank: f[at + R_STAGE]!,
      verb: s[f[at + R_VERB]!] as ReadVerb,
      namespace: str(f[at + R_NAMESPACE]!),
      name: str(f[at + R_NAME]!),
      scope: s[f[at + R_SCOPE]!] as ReadScope,
      user: s[f[at + R_USER]!]!,
      impersonatedUser: str(f[at + R_IMPERSONATED]!),
      pod: str(f[at + R_POD]!),
      node: str(f[at + R_NODE]!),
      sourceIPs: ips,
      userAgent: str(f[at + R_USER_AGENT]!),
      code: Number.isNaN(code) ? null : code,
      denied: (flags & DENIED) !== 0,
      time: Number.isNaN(time) ? null : time,
      format: s[f[at + R_FORMAT]!] as RecordFormat,
    };
    out.read(read, (flags & RECOVERED) !== 0);
  }
  return result.parsed;
}
