import { NEEDLE } from './prefilter.js';

const NEWLINE = 0x0a;
const CR = 0x0d;

export interface LineHandler {
  /**
   * A line [start, end) of buf, without its newline. Called for lines containing NEEDLE
   * (`hit` is the first index of it) and for the first `sampleLines` non-empty lines
   * (`hit` -1 when they lack it). `last` is true for a final line with no newline after it.
   * buf is only valid during the call.
   */
  line(buf: Buffer, start: number, end: number, hit: number, lineNo: number, last: boolean): void;
  /** A line longer than the cap: skipped without being kept in memory. */
  huge(lineNo: number): void;
}

export interface LineScannerOptions {
  maxLineBytes: number;
  sampleLines: number;
}

/**
 * Splits a stream of chunks into lines and hands on only the lines that mention NEEDLE
 * (plus a few leading lines for format detection). Most lines are only passed over by
 * Buffer.indexOf; a line is copied only when it spans two chunks.
 */
export class LineScanner {
  private lineNo = 0;
  private nonEmpty = 0;
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private skippingHuge = false;

  constructor(
    private readonly handler: LineHandler,
    private readonly options: LineScannerOptions,
  ) {}

  get lines(): number {
    return this.lineNo;
  }

  /** Lines with something other than whitespace at the end. */
  get nonEmptyLines(): number {
    return this.nonEmpty;
  }

  push(chunk: Buffer): void {
    let from = 0;
    if (this.skippingHuge || this.carryBytes > 0) {
      const nl = chunk.indexOf(NEWLINE);
      if (nl === -1) {
        this.extendCarry(chunk);
        return;
      }
      if (this.skippingHuge) {
        this.skippingHuge = false;
        this.lineNo++;
      } else {
        this.extendCarry(chunk.subarray(0, nl));
        if (this.skippingHuge) {
          this.skippingHuge = false;
          this.lineNo++;
        } else {
          this.flushCarry(false);
        }
      }
      from = nl + 1;
    }
    const lastNl = chunk.lastIndexOf(NEWLINE);
    if (lastNl >= from) this.scan(chunk, from, lastNl + 1);
    const tailStart = Math.max(from, lastNl + 1);
    if (tailStart < chunk.length) this.extendCarry(chunk.subarray(tailStart));
  }

  /** Call once at the end of the input: a final line without a newline is handed on as `last`. */
  end(): void {
    if (this.skippingHuge) {
      this.skippingHuge = false;
      this.lineNo++;
    } else if (this.carryBytes > 0) {
      this.flushCarry(true);
    }
  }

  /** Lines in buf[from, to), where to is just past a newline. */
  private scan(buf: Buffer, from: number, to: number): void {
    const { handler } = this;
    const cap = this.options.maxLineBytes;
    let hit = buf.indexOf(NEEDLE, from);
    let s = from;
    while (s < to) {
      const nl = buf.indexOf(NEWLINE, s);
      const e = nl === -1 || nl >= to ? to : nl;
      const lineNo = ++this.lineNo;
      const len = e - s;
      if (len > 1 || (len === 1 && buf[s] !== CR)) {
        this.nonEmpty++;
        if (len > cap) {
          handler.huge(lineNo);
        } else if (hit !== -1 && hit < e) {
          handler.line(buf, s, e, hit, lineNo, false);
        } else if (this.nonEmpty <= this.options.sampleLines) {
          handler.line(buf, s, e, -1, lineNo, false);
        }
      }
      if (hit !== -1 && hit < e) hit = buf.indexOf(NEEDLE, e + 1);
      s = e + 1;
    }
  }

  private extendCarry(piece: Buffer): void {
    if (this.skippingHuge) return;
    if (this.carryBytes + piece.length > this.options.maxLineBytes) {
      this.carry = [];
      this.carryBytes = 0;
      this.skippingHuge = true;
      this.nonEmpty++;
      this.handler.huge(this.lineNo + 1);
      return;
    }
    // Chunks may be reused by the reader: keep a copy.
    this.carry.push(Buffer.from(piece));
    this.carryBytes += piece.length;
  }

  private flushCarry(last: boolean): void {
    const line = this.carry.length === 1 ? this.carry[0]! : Buffer.concat(this.carry, this.carryBytes);
    this.carry = [];
    this.carryBytes = 0;
    const lineNo = ++this.lineNo;
    const len = line.length;
    if (len > 1 || (len === 1 && line[0] !== CR)) {
      this.nonEmpty++;
      const hit = line.indexOf(NEEDLE);
      if (hit !== -1 || this.nonEmpty <= this.options.sampleLines) this.handler.line(line, 0, len, hit, lineNo, last);
    }
  }
}
