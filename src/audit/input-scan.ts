import { isUtf8 } from 'node:buffer';
import type { AuditInputSummary, InputFormat, RecordFormat, SkipReason } from './report-types.js';
import type { SecretRead } from './secret-read.js';
import { afterLines, LineScanner, needleIn, UNSEARCHED } from './line-scanner.js';
import { JsonSplitter } from './json-splitter.js';
import { detectLayout, HEAD_LIMIT, parseLine, type Layout } from './layout.js';
import { mayReadSecret } from './prefilter.js';
import { unwrapRecord, type Unwrapped } from './unwrap-record.js';
import { eventTime, fieldsOfEvent, holdsSecretBody, readFromAuditEvent, readFromFields } from './native-event.js';
import { threadWasmReader, type CountedRun } from './wasm-event.js';
import type { RequestTally } from './request-tally.js';
import { gkeEntryTime, readFromGkeEntry } from './gke-entry.js';
import type { SkipTally } from './skip-tally.js';
import { RBAC_NEEDLE, writeFromAuditEvent, writeFromGkeEntry } from './write-event.js';
import type { WriteRequests } from './write-requests.js';

export interface ScanLimits {
  /** Longer lines (or records of a JSON document) are skipped without being buffered whole. */
  maxLineBytes: number;
  /** Leading records parsed whatever they contain, to tell the input's format. */
  sampleRecords: number;
  /** LineScannerOptions.denseAfter (its default when absent): tests set it to compare a scan that always searches. */
  denseAfter?: number;
}

export const DEFAULT_LIMITS: ScanLimits = { maxLineBytes: 16 << 20, sampleRecords: 5 };

/** Where the reads found in an input go. */
export type ReadSink = (read: SecretRead, recovered: boolean) => void;

export interface InputScanResult {
  summary: AuditInputSummary;
  /** AKS diagnostic categories seen (kube-audit, kube-audit-admin). */
  categories: Set<string>;
  /** The formats of the records seen; summary.format sums them up. */
  formats: Set<RecordFormat>;
  /** Lines or records read (by the WebAssembly walk or JSON.parse) because they may read a Secret. */
  parsed: number;
}

/** Which part of its file a scan reads, when counting threads split the logs (segments.ts). */
export interface FilePiece {
  /** It starts at the file's start: its first records tell the format. */
  first: boolean;
  /** It is the whole file. */
  whole: boolean;
}

/** What else a scan does besides reads: writes (write-event.ts), or only a piece of the file (segments.ts). */
export interface ScanExtras {
  writes?: WriteRequests | undefined;
  piece?: FilePiece | undefined;
  /** Every record through JSON.parse, none through the WebAssembly walk (wasm-event.ts): the reference its tests compare with. */
  jsonOnly?: boolean | undefined;
  /** Counts in WebAssembly the lines the walk reads, while it counts (request-tally.ts). */
  tally?: RequestTally | null | undefined;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Where the records a scan samples to tell a file's format end in a file of lines that starts with `head`
 * (its first non-empty lines, past a byte-order mark): only a piece from the file's start may hold them
 * (segments.ts). -1 when `head` does not hold them all.
 */
export function samplesEnd(head: Buffer, limits: ScanLimits = DEFAULT_LIMITS): number {
  const bom = head.subarray(0, BOM.length).equals(BOM) ? BOM.length : 0;
  const end = afterLines(head.subarray(bom), limits.sampleRecords);
  return end === -1 ? -1 : bom + end;
}

/**
 * Scans one input, chunk by chunk: decides its layout from the first bytes, lets only
 * records that may read a Secret through to the WebAssembly walk (wasm-event.ts) or
 * JSON.parse, and hands each read to the sink.
 */
export class InputScan {
  private head: Buffer[] = [];
  private headBytes = 0;
  private scanner: LineScanner | JsonSplitter | null = null;
  private layout: Layout | undefined;
  private bytes = 0;
  private samples = 0;
  private parsed = 0;
  /** Events of Secrets with a request or response body: the log holds their values. */
  private secretBodies = 0;
  /** The earliest time of the records sampled at the file's start (and of a document's last record): where the log begins. */
  private startsAt: number | null = null;
  /** A document's last record seen in the chunk being scanned, not yet copied (the reader may reuse the chunk). */
  private lastBuf: Buffer | null = null;
  private lastStart = 0;
  private lastEnd = 0;
  /** A copy of the last record of a document seen so far. */
  private lastRecord: Buffer | null = null;
  private readonly formats = new Set<RecordFormat>();
  private readonly categories = new Set<string>();

  constructor(
    private readonly path: string,
    private readonly sink: ReadSink,
    private readonly skips: SkipTally,
    private readonly limits: ScanLimits = DEFAULT_LIMITS,
    extras: ScanExtras = {},
  ) {
    this.writes = extras.writes;
    this.piece = extras.piece;
    this.sampleRecords = this.piece && !this.piece.first ? 0 : limits.sampleRecords;
    this.jsonOnly = extras.jsonOnly === true;
    this.tally = extras.tally ?? null;
    this.bodiesBefore = this.bodiesCounted();
  }

  /** The request counter's count of lines it took with a body (it counts for every input on this thread). */
  private bodiesCounted(): number {
    return this.tally ? threadWasmReader()!.exports.secretBodyCount() : 0;
  }

  private readonly bodiesBefore: number;

  /** Writes of Secrets and RBAC objects, when asked for (write-event.ts). */
  private readonly writes: WriteRequests | undefined;
  private readonly piece: FilePiece | undefined;
  /** Leading records parsed whatever they contain, to tell the format: only at the file's start. */
  private readonly sampleRecords: number;
  private readonly jsonOnly: boolean;
  private readonly tally: RequestTally | null;
  /**
   * A piece is a document (a JSON array, a pretty-printed object), not lines: it cannot be read from
   * the middle. One thread reads it.
   */
  unsplittable = false;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.bytes += chunk.length;
    if (this.scanner) {
      this.scanner.push(chunk);
      this.keepLastRecord();
      return;
    }
    if (this.head.length === 0) {
      // Most first chunks tell the layout: scanned as they are, not copied.
      this.head = [chunk];
      this.headBytes = chunk.length;
      this.decide(false);
      this.keepLastRecord();
      // Chunks may be reused by the reader once we return: keep a copy until the layout is known.
      if (!this.scanner) this.head = [Buffer.from(chunk)];
      return;
    }
    this.head.push(Buffer.from(chunk));
    this.headBytes += chunk.length;
    this.decide(false);
    this.keepLastRecord();
  }

  /**
   * Exports of a log service are JSON documents in the order they were asked for, which may be newest first
   * (`gcloud logging read`'s default): the time of a document's last record counts too, once per chunk copied.
   */
  private keepLastRecord(): void {
    if (this.lastBuf === null) return;
    if (this.lastEnd - this.lastStart <= LAST_RECORD_MAX_BYTES)
      this.lastRecord = Buffer.from(this.lastBuf.subarray(this.lastStart, this.lastEnd));
    this.lastBuf = null;
  }

  private noteLastRecord(): void {
    const record = this.lastRecord;
    // A piece of a document is never counted (unsplittable): one thread reads it whole.
    if (record === null || (this.piece !== undefined && !this.piece.whole)) return;
    let text = record.toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const value = parseLine(text);
    if (value === undefined) return;
    for (const item of unwrapRecord(value)) this.noteStart(recordTime(item));
  }

  end(compressed: boolean): InputScanResult {
    if (!this.scanner) this.decide(true);
    this.scanner?.end();
    this.keepLastRecord();
    this.noteLastRecord();
    const lines = this.scanner?.lines ?? 0;
    const empty =
      this.layout === 'empty' ||
      this.bytes === 0 ||
      (this.scanner instanceof LineScanner && this.scanner.nonEmptyLines === 0);
    // A piece cannot tell whether its file is empty: the join does (segments.ts).
    if (empty && (this.piece === undefined || this.piece.whole)) this.skips.skipped.emptyFiles++;
    return {
      summary: {
        path: this.path,
        format: empty ? 'empty' : inputFormat(this.formats),
        lines,
        bytes: this.bytes,
        compressed,
        readError: null,
        startsAt: this.startsAt === null ? null : new Date(this.startsAt).toISOString(),
        secretBodies: this.secretBodies + this.bodiesCounted() - this.bodiesBefore,
      },
      categories: this.categories,
      formats: this.formats,
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
    if (layout === 'document' && this.piece) this.unsplittable = true;
    this.head = [];
    this.headBytes = 0;
    const onRecord = this.record.bind(this);
    const tally = (reason: SkipReason) => (line: number) => {
      this.skips.add(this.path, line, reason);
    };
    const huge = tally('huge');
    this.scanner =
      layout === 'document'
        ? new JsonSplitter(
            {
              value: (buf, s, e, hit, line) => onRecord(buf, s, e, hit, line, false),
              huge,
              malformed: tally('malformed'),
              incomplete: tally('incomplete-last-line'),
            },
            this.limits.maxLineBytes,
          )
        : new LineScanner(
            { line: onRecord, huge, run: this.run.bind(this) },
            {
              maxLineBytes: this.limits.maxLineBytes,
              sampleLines: this.sampleRecords,
              ...(this.limits.denseAfter !== undefined ? { denseAfter: this.limits.denseAfter } : {}),
              ...(this.writes ? { extraNeedle: RBAC_NEEDLE } : {}),
            },
          );
    this.scanner.push(head);
  }

  /** LineHandler.run: lines counted together by the walk and the request tally, while it counts. */
  private run(buf: Buffer, start: number, end: number, maxLine: number): CountedRun | null {
    // Where writes are looked for too: the walk counts (or passes over) Secret reads only, never a write.
    if (!this.tally?.counting || this.jsonOnly || this.layout !== 'lines') return null;
    const run = threadWasmReader()?.countRun(buf, start, end, maxLine) ?? null;
    if (run === null) return null;
    this.parsed += run.nonEmpty;
    if (run.formats & 1) this.formats.add('k8s-v1');
    if (run.formats & 2) this.formats.add('k8s-v1beta1');
    return run;
  }

  /**
   * Walks a record with the WebAssembly walk (wasm-event.ts), and has the tally count it (or pass over it) if it
   * can: 'tallied', 'walked' (fromWalk reads it), or 'declined' when JSON.parse must read it.
   */
  private walk(buf: Buffer, s: number, e: number, sample: boolean): 'tallied' | 'walked' | 'declined' {
    const reader = threadWasmReader();
    if (!reader?.walk(buf, s, e)) return 'declined';
    // (before the tally counts it: a sampled line it counts is read no further)
    if (sample) this.noteStart(reader.time());
    const counted = this.tally?.counting ? this.tally.countWalked(e - s) : null;
    if (counted === null) {
      // (the counter notes the body of a line it takes: bodiesCounted)
      if (reader.secretBody()) this.secretBodies++;
      return 'walked';
    }
    // A plainly written Secret read: it holds the needle (prefilter.ts).
    this.parsed++;
    this.formats.add(counted);
    return 'tallied';
  }

  /**
   * Reads the record just walked from the walk's fields: undefined when JSON.parse must read it, else whether
   * it holds the needle (`hit` as LineHandler gives it).
   */
  private fromWalk(buf: Buffer, s: number, e: number, hit: number, sample: boolean): boolean | undefined {
    const reader = threadWasmReader()!;
    // A sampled line the tally leaves goes to JSON.parse, which tells every format.
    if (sample) return undefined;
    const event = reader.event();
    if (event === undefined) return undefined;
    const read = event.fields && readFromFields(event.fields, event.format);
    // The prefilter passes every Secret read whose verb and resource are written plainly (prefilter.ts), and
    // such a record holds the needle; any other record counts only where it passes it, as with JSON.parse.
    if (!(read !== null && event.plain)) {
      if (hit === UNSEARCHED) hit = needleIn(buf, s, e);
      if (hit === -1) return false;
      if (!mayReadSecret(buf, s, e, hit)) return true;
    }
    this.parsed++;
    this.formats.add(event.format);
    if (read) this.sink(read, false);
    return true;
  }

  private noteStart(time: number | null): void {
    if (time !== null && (this.startsAt === null || time < this.startsAt)) this.startsAt = time;
  }

  /** A LineHandler's line, or a document's record: answers whether it holds the needle. */
  private record(buf: Buffer, s: number, e: number, hit: number, line: number, last: boolean): boolean {
    // A file of lines samples its first non-empty lines, huge ones included (samplesEnd); a document its first records.
    const sample =
      this.scanner instanceof LineScanner
        ? this.scanner.nonEmptyLines <= this.sampleRecords
        : this.samples < this.sampleRecords;
    // The usual record that may read a Secret, a native Event alone on its line, is read without JSON.parse.
    const walkable = hit !== -1 && !last && !this.jsonOnly && this.layout === 'lines';
    const walked = walkable && (!sample || this.tally?.counting) ? this.walk(buf, s, e, sample) : 'declined';
    if (this.layout === 'document') {
      this.lastBuf = buf;
      this.lastStart = s;
      this.lastEnd = e;
    }
    // A Secret read the tally took is no write. The others may be: they go to their own sink, and leave the read
    // counts alone (JSON.parse reads them whole).
    if (walked === 'tallied') return true;
    const write = this.writes !== undefined && this.writes.mayWrite(buf, s, e);
    if (walked === 'walked' && !write) {
      const read = this.fromWalk(buf, s, e, hit, sample);
      if (read !== undefined) return read;
    }
    if (hit === UNSEARCHED) hit = needleIn(buf, s, e);
    const held = hit !== -1;
    const candidate = held && mayReadSecret(buf, s, e, hit);
    const forReads = candidate || sample || last;
    // A Secret's record the walk did not read may carry a body (a write logged at Request level): read it for that.
    // (only looked for in a line read for nothing else: a line JSON.parse reads anyway is counted as it is read)
    const forBody = !forReads && !write && walked === 'declined' && held && mayHoldBody(buf.subarray(s, e));
    if (!forReads && !write && !forBody) return held;
    if (sample) this.samples++;
    let text = buf.toString('utf8', s, e);
    // Decoding replaces invalid bytes with U+FFFD; only then is the line checked byte by byte.
    if (text.includes('\ufffd') && !isUtf8(buf.subarray(s, e))) {
      if (candidate) this.skips.add(this.path, line, 'non-utf8');
      return held;
    }
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const value = parseLine(text);
    if (candidate) this.parsed++;
    if (value === undefined) {
      // Only lines that may read a Secret are judged, and the last line, which may be still being written.
      if (last) this.skips.add(this.path, line, 'incomplete-last-line');
      else if (candidate) this.skips.add(this.path, line, 'malformed');
      return held;
    }
    for (const item of unwrapRecord(value)) {
      switch (item.kind) {
        case 'category':
          this.categories.add(item.category);
          break;
        case 'skip':
          if (candidate) this.skips.add(this.path, line, item.reason);
          break;
        case 'gke': {
          if (sample) this.noteStart(recordTime(item));
          if (forReads) this.formats.add('gke');
          const read = candidate ? readFromGkeEntry(item.entry) : null;
          if (read) this.sink(read, false);
          const written = write ? writeFromGkeEntry(item.entry) : null;
          if (written) this.writes!.add(written);
          break;
        }
        case 'event': {
          if (sample) this.noteStart(recordTime(item));
          if (walked === 'declined' && holdsSecretBody(item.event)) this.secretBodies++;
          if (forReads) this.formats.add(item.format);
          const read = candidate ? readFromAuditEvent(item.event, item.format, item.fallbackTime) : null;
          if (read) this.sink(read, item.recovered);
          const written = write ? writeFromAuditEvent(item.event, item.format, item.fallbackTime) : null;
          if (written) this.writes!.add(written);
          break;
        }
        case 'unknown':
          break;
      }
    }
    return held;
  }
}

/**
 * How the keys of a body end ("requestObject", "responseObject"), and a few other keys: where one may be; the
 * second as an event held in a JSON string writes it (EKS's CloudWatch "message", AKS's properties.log).
 */
const BODY_KEY_END = Buffer.from('Object"');
const ESCAPED_BODY_KEY_END = Buffer.from('Object\\"');

function mayHoldBody(line: Buffer): boolean {
  return line.includes(BODY_KEY_END) || line.includes(ESCAPED_BODY_KEY_END);
}

/** Records of a document longer than this are not kept to tell where it begins. */
const LAST_RECORD_MAX_BYTES = 1 << 20;

/** When a record happened (epoch ms), as where a log begins is told. */
function recordTime(item: Unwrapped): number | null {
  if (item.kind === 'gke') return gkeEntryTime(item.entry);
  if (item.kind === 'event') return eventTime(fieldsOfEvent(item.event)) ?? item.fallbackTime;
  return null;
}

/** An input's format from the formats of its records. */
export function inputFormat(formats: ReadonlySet<RecordFormat>): InputFormat {
  if (formats.size === 0) return 'unknown';
  if (formats.size > 1) return 'mixed';
  return formats.values().next().value!;
}
