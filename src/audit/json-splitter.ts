import { NEEDLE } from './prefilter.js';
import { WRAPPER_KEYS } from './unwrap-record.js';
import {
  BACKSLASH,
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  COLON,
  COMMA,
  isSpace,
  NEWLINE,
  OPEN_ARRAY,
  OPEN_OBJECT,
  QUOTE,
  SPACE,
} from './bytes.js';

export interface ValueHandler {
  /** One record: buf[start, end) holds a complete JSON value. `hit` is the first NEEDLE index in it or -1. */
  value(buf: Buffer, start: number, end: number, hit: number, lineNo: number): void;
  huge(lineNo: number): void;
  /** Bytes that are not JSON, or brackets that do not match. */
  malformed(lineNo: number): void;
  /** The input ended inside a record. */
  incomplete(lineNo: number): void;
}

const WRAPPERS = new Set<string>(WRAPPER_KEYS);

/**
 * Splits JSON text that is not one record per line (a pretty-printed object, an array
 * of records, `{"records":[…]}`, or concatenated values) into records without holding
 * the document: only the record being read is buffered. Strings are skipped with
 * Buffer.indexOf; only structural bytes are looked at one by one.
 */
export class JsonSplitter {
  private lineNo = 1;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Depth at which records sit: 0 for top-level values, 1 inside a top-level array, 2 inside a wrapper's array. */
  private recordDepth = 0;
  private recordOpen = false;
  private recordLine = 0;
  /** The open record has something past its opening bracket. */
  private recordContent = false;
  private pieces: Buffer[] = [];
  private pieceBytes = 0;
  private tooBig = false;
  /** Keys of a top-level object are read, since one of them may open the records array. */
  private keyStart = -1;
  private keyText = '';
  private lastKey = '';
  private afterColon = false;
  private junkReported = false;
  private sawContent = false;
  private endsWithNewline = false;

  constructor(
    private readonly handler: ValueHandler,
    private readonly maxRecordBytes: number,
  ) {}

  /** Text lines seen so far. */
  get lines(): number {
    if (!this.sawContent) return 0;
    // (a final newline inside an open string, where the data is damaged, was not counted: it ends the last line)
    return this.endsWithNewline && !this.inString ? this.lineNo - 1 : this.lineNo;
  }

  push(buf: Buffer): void {
    const end = buf.length;
    if (end === 0) return;
    this.sawContent = true;
    this.endsWithNewline = buf[end - 1] === NEWLINE;
    let recordStart = this.recordOpen ? 0 : -1;
    let i = 0;
    while (i < end) {
      if (this.inString) {
        i = this.skipString(buf, i);
        continue;
      }
      const b = buf[i]!;
      if (b === SPACE) {
        // indentation: most of a pretty-printed document's bytes outside strings
        i++;
        continue;
      }
      if (this.recordOpen && !isSpace(b)) this.recordContent = true;
      switch (b) {
        case QUOTE:
          this.inString = true;
          if (this.depth === 1 && this.recordDepth === 0 && this.recordOpen && !this.afterColon) {
            this.keyStart = i + 1;
            this.keyText = '';
          } else if (this.depth === this.recordDepth && !this.recordOpen) {
            this.junk();
          }
          break;
        case OPEN_OBJECT:
        case OPEN_ARRAY:
          if (b === OPEN_ARRAY && this.depth === 0) {
            this.recordDepth = 1;
          } else if (
            b === OPEN_ARRAY &&
            this.depth === 1 &&
            this.recordDepth === 0 &&
            this.recordOpen &&
            this.afterColon &&
            WRAPPERS.has(this.lastKey)
          ) {
            // {"records": [ … ]}: the wrapper is not a record, its elements are.
            this.dropRecord();
            recordStart = -1;
            this.recordDepth = 2;
          } else if (this.depth === this.recordDepth && !this.recordOpen) {
            this.recordOpen = true;
            this.recordLine = this.lineNo;
            this.recordContent = false;
            this.junkReported = false;
            recordStart = i;
          }
          this.depth++;
          this.afterColon = false;
          break;
        case CLOSE_OBJECT:
        case CLOSE_ARRAY:
          this.depth--;
          this.afterColon = false;
          if (this.depth < 0) {
            this.junk();
            this.depth = 0;
          } else if (this.recordOpen && this.depth === this.recordDepth) {
            this.closeRecord(buf, recordStart, i + 1);
            recordStart = -1;
          } else if (this.depth < this.recordDepth) {
            // the array holding the records closed; whatever else its wrapper holds is ignored
            this.recordDepth = 0;
          }
          break;
        case NEWLINE:
          this.lineNo++;
          break;
        case COLON:
          this.afterColon = true;
          break;
        case COMMA:
          this.afterColon = false;
          break;
        default:
          if (!isSpace(b) && this.depth === this.recordDepth && !this.recordOpen) this.junk();
      }
      i++;
    }
    if (this.recordOpen && recordStart !== -1) this.keep(buf.subarray(recordStart, end));
    if (this.keyStart !== -1) {
      this.keyText += buf.toString('latin1', this.keyStart, end);
      this.keyStart = 0;
    }
  }

  end(): void {
    if (this.recordOpen) {
      // Opened on the last line, which has its newline (a raw newline in a string is one too: JSON has none): a
      // whole line that does not parse, as in a file of lines. One that spans lines, whose line is unfinished, or
      // that is its bracket alone (a pretty-printed record just begun), may be still being written.
      const wholeLine =
        this.endsWithNewline && (this.inString || (this.recordLine === this.lineNo - 1 && this.recordContent));
      if (wholeLine) this.handler.malformed(this.recordLine);
      else this.handler.incomplete(this.recordLine);
    }
    this.dropRecord();
  }

  /** Moves past string bytes starting at i; returns the next index to look at. */
  private skipString(buf: Buffer, i: number): number {
    if (this.escaped) {
      this.escaped = false;
      return i + 1;
    }
    let q = buf.indexOf(QUOTE, i);
    while (q !== -1 && trailingBackslashes(buf, i, q) % 2 === 1) q = buf.indexOf(QUOTE, q + 1);
    if (q === -1) {
      this.escaped = trailingBackslashes(buf, i, buf.length) % 2 === 1;
      return buf.length;
    }
    this.inString = false;
    if (this.keyStart !== -1) {
      this.lastKey = this.keyText + buf.toString('latin1', this.keyStart, q);
      this.keyStart = -1;
      this.keyText = '';
    }
    return q + 1;
  }

  private junk(): void {
    if (!this.junkReported) this.handler.malformed(this.lineNo);
    this.junkReported = true;
  }

  private closeRecord(buf: Buffer, start: number, end: number): void {
    const line = this.recordLine;
    this.recordOpen = false;
    let record = buf;
    let s = start;
    if (this.pieces.length > 0 || this.tooBig) {
      this.keep(buf.subarray(0, end));
      if (!this.tooBig) record = Buffer.concat(this.pieces, this.pieceBytes);
      s = 0;
    }
    const e = record === buf ? end : record.length;
    const tooBig = this.tooBig || e - s > this.maxRecordBytes;
    this.dropRecord();
    if (tooBig) {
      this.handler.huge(line);
      return;
    }
    const hit = record.subarray(s, e).indexOf(NEEDLE);
    this.handler.value(record, s, e, hit === -1 ? -1 : s + hit, line);
  }

  /** Keeps the part of a record that spans chunks, unless the record is over the cap. */
  private keep(piece: Buffer): void {
    if (this.tooBig) return;
    if (this.pieceBytes + piece.length > this.maxRecordBytes) {
      this.tooBig = true;
      this.pieces = [];
      this.pieceBytes = 0;
      return;
    }
    // Chunks may be reused by the reader: keep a copy.
    this.pieces.push(Buffer.from(piece));
    this.pieceBytes += piece.length;
  }

  private dropRecord(): void {
    this.recordOpen = false;
    this.pieces = [];
    this.pieceBytes = 0;
    this.tooBig = false;
  }
}

function trailingBackslashes(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let k = to - 1; k >= from && buf[k] === BACKSLASH; k--) n++;
  return n;
}
