import { SCAN_NEEDLE, SCAN_NEEDLE_OFFSET } from './prefilter.js';
import { CR, NEWLINE } from './bytes.js';

/**
 * The `hit` of a line handed on without NEEDLE searched for (see LineScannerOptions.denseAfter): the handler
 * finds it with needleIn when it needs it, and answers whether the line holds it.
 */
export const UNSEARCHED = -2;

/** Where NEEDLE may start in buf[start, end), as a LineHandler's `hit` says it; -1 when the line lacks it. */
export function needleIn(buf: Buffer, start: number, end: number): number {
  const at = buf.subarray(start, end).indexOf(SCAN_NEEDLE);
  return at === -1 ? -1 : start + Math.max(0, at - SCAN_NEEDLE_OFFSET);
}

export interface LineHandler {
  /**
   * A line [start, end) of buf, without its newline. Called for lines that may contain
   * NEEDLE (`hit`: it does not start before this index; UNSEARCHED: not searched for), for lines holding
   * `extraNeedle` and for the first `sampleLines` non-empty lines (`hit` -1 when they lack NEEDLE). `last`
   * is true for a final line with no newline after it, which is always handed on: it may be a line still
   * being written. buf is only valid during the call. Answers false when a line handed on UNSEARCHED lacks NEEDLE.
   */
  line(buf: Buffer, start: number, end: number, hit: number, lineNo: number, last: boolean): boolean;
  /** A line longer than the cap: skipped without being kept in memory. */
  huge(lineNo: number): void;
  /**
   * Lines handed on UNSEARCHED together (buf[start, end), whole lines), where the handler reads runs of them
   * at once: it answers where it stopped (the start of the first line it leaves, to be handed on alone) and
   * how many lines it read (empty ones among them; the others all hold NEEDLE); null when it read none. Only
   * past the sample lines, and lines of at most `maxLine` bytes. A line it reads is not handed on even when it
   * holds `extraNeedle`: the handler reads it as it needs (input-scan.ts counts Secret reads in runs, and its
   * extra needle is for writes).
   */
  run?(
    buf: Buffer,
    start: number,
    end: number,
    maxLine: number,
  ): { end: number; lines: number; nonEmpty: number } | null;
}

export interface LineScannerOptions {
  maxLineBytes: number;
  sampleLines: number;
  /** A second pattern whose lines are handed on too (write-event.ts: RBAC writes); none by default. */
  extraNeedle?: Buffer;
  /**
   * After this many lines in a row that hold NEEDLE, lines are handed on UNSEARCHED until one lacks it: where
   * nearly every line reads a Secret, the handler's own reading of the line tells, and a search is a call into
   * Buffer.indexOf a line (~0.2 µs, 2-3% of a secrets-only log's CPU). DENSE_AFTER by default.
   */
  denseAfter?: number;
}

export const DENSE_AFTER = 32;

/**
 * Longer lines are searched even then: a line that lacks NEEDLE is walked by the handler (~1 ns a byte) before it
 * tells, and past a few KiB that walk costs more than the searches of a run saved (RequestResponse-level lists
 * of other resources between Secret reads, as the Kubernetes docs' example policy logs them, are 100s of KiB).
 */
const UNSEARCHED_MAX_BYTES = 4096;

/** A line with nothing, or only a carriage return. */
export function isEmptyLine(buf: Uint8Array, start: number, end: number): boolean {
  return end === start || (end === start + 1 && buf[start] === CR);
}

/**
 * Where the first `count` non-empty lines of `bytes` end, past the newline of the last, counted as LineScanner
 * counts them (a huge line is one); -1 when `bytes` hold fewer whole lines.
 */
export function afterLines(bytes: Uint8Array, count: number): number {
  if (count <= 0) return 0;
  let lines = 0;
  for (let start = 0, nl = bytes.indexOf(NEWLINE); nl !== -1; start = nl + 1, nl = bytes.indexOf(NEWLINE, start)) {
    if (!isEmptyLine(bytes, start, nl)) lines++;
    if (lines >= count) return nl + 1;
  }
  return -1;
}

/**
 * Splits a stream of chunks into lines and hands on only the lines that may mention NEEDLE
 * (plus a few leading lines for format detection). Most lines are only passed over by
 * Buffer.indexOf; a line is copied only when it spans two chunks.
 */
export class LineScanner {
  private lineNo = 0;
  private nonEmpty = 0;
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private skippingHuge = false;
  /** Lines in a row that held NEEDLE; past denseAfter they are no longer searched. */
  private streak = 0;
  private readonly denseAfter: number;

  constructor(
    private readonly handler: LineHandler,
    private readonly options: LineScannerOptions,
  ) {
    this.denseAfter = options.denseAfter ?? DENSE_AFTER;
  }

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
    let hit = this.streak >= this.denseAfter ? UNSEARCHED : buf.indexOf(SCAN_NEEDLE, from);
    const extraNeedle = this.options.extraNeedle;
    // Where extraNeedle is next, searched for only from a line that lacks NEEDLE: the others are handed on (or
    // read by a run) anyway, and where nearly every line holds NEEDLE a search of the whole chunk is wasted.
    let extra = extraNeedle ? -2 : -1;
    const extraFrom = (at: number): number => {
      if (extra !== -1 && extra < at) extra = buf.indexOf(extraNeedle!, at);
      return extra;
    };
    const runs = this.handler.run !== undefined ? Math.min(UNSEARCHED_MAX_BYTES, this.options.maxLineBytes) : 0;
    let s = from;
    // After a run, the line it left is handed on alone before the next run.
    let afterRun = false;
    while (s < to) {
      if (hit === UNSEARCHED && runs > 0 && !afterRun && this.nonEmpty >= this.options.sampleLines) {
        const run = this.handler.run!(buf, s, to, runs);
        if (run !== null) {
          this.lineNo += run.lines;
          this.nonEmpty += run.nonEmpty;
          s = run.end;
          afterRun = true;
          continue;
        }
      }
      afterRun = false;
      const nl = buf.indexOf(NEWLINE, s);
      const e = nl === -1 || nl >= to ? to : nl;
      if (hit === UNSEARCHED && e - s > UNSEARCHED_MAX_BYTES) hit = buf.indexOf(SCAN_NEEDLE, s);
      if (hit === UNSEARCHED) {
        if (this.consider(buf, s, e, UNSEARCHED, false) === false) {
          this.streak = 0;
          hit = buf.indexOf(SCAN_NEEDLE, e + 1);
        }
      } else if (hit !== -1 && hit < e) {
        this.consider(buf, s, e, Math.max(s, hit - SCAN_NEEDLE_OFFSET), false);
        hit = ++this.streak >= this.denseAfter ? UNSEARCHED : buf.indexOf(SCAN_NEEDLE, e + 1);
      } else {
        if (!isEmptyLine(buf, s, e)) this.streak = 0;
        const at = extraFrom(s);
        this.consider(buf, s, e, -1, false, at !== -1 && at < e);
      }
      s = e + 1;
    }
  }

  /** Hands the line on when it must be; undefined when it was not handed on. */
  private consider(
    buf: Buffer,
    s: number,
    e: number,
    hit: number,
    last: boolean,
    extraHit = false,
  ): boolean | undefined {
    const lineNo = ++this.lineNo;
    const len = e - s;
    if (isEmptyLine(buf, s, e)) return undefined;
    this.nonEmpty++;
    if (len > this.options.maxLineBytes) this.handler.huge(lineNo);
    else if (hit !== -1 || extraHit || last || this.nonEmpty <= this.options.sampleLines)
      return this.handler.line(buf, s, e, hit, lineNo, last);
    return undefined;
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
    const hit = line.indexOf(SCAN_NEEDLE);
    const extraHit = this.options.extraNeedle !== undefined && line.indexOf(this.options.extraNeedle) !== -1;
    this.consider(line, 0, line.length, hit === -1 ? -1 : Math.max(0, hit - SCAN_NEEDLE_OFFSET), last, extraHit);
  }
}
