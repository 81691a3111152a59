import { isUtf8 } from 'node:buffer';
import type { RecordFormat, SkipReason } from './report-types.js';
import type { SecretRead } from './secret-read.js';
import { parseLine } from './layout.js';
import { mayReadSecret } from './prefilter.js';
import { unwrapRecord } from './unwrap-record.js';
import { readFromAuditEvent } from './native-event.js';
import { readFromGkeEntry } from './gke-entry.js';
import { extractAuditEvent } from './event-fields.js';

/** Where what one record holds goes. */
export interface RecordOutput {
  read(read: SecretRead, recovered: boolean): void;
  skip(line: number, reason: SkipReason): void;
  format(format: RecordFormat): void;
  /** An AKS diagnostic category (kube-audit, kube-audit-admin). */
  category(category: string): void;
}

/** Flags of a record handed to readRecord. */
export const LAST = 1;
export const SAMPLE = 2;

/**
 * One record (a line, or a record of a JSON document) in buf[s, e): the Secret reads it
 * holds, or why it was skipped. `hit` is where NEEDLE may start (-1: nowhere); SAMPLE
 * records are parsed whatever they hold, to tell the input's format; a LAST record (a
 * final line without a newline) may be still being written. Returns whether the record
 * counts as parsed: a candidate (it may read a Secret) that was valid UTF-8.
 *
 * Candidates that are plain native events go through the field extractor; everything
 * else, and whatever the extractor is unsure of, through JSON.parse.
 */
export function readRecord(
  buf: Buffer,
  s: number,
  e: number,
  hit: number,
  line: number,
  flags: number,
  out: RecordOutput,
): boolean {
  // the prefilter first: in most logs most lines that mention secrets are no read, and it refuses them cheaply
  const candidate = hit !== -1 && mayReadSecret(buf, s, e, hit);
  if (!candidate && flags === 0) return false;
  if (candidate) {
    // a plain native event is read by the field extractor; anything else by JSON.parse
    const fast = extractAuditEvent(buf, s, e);
    if (fast !== undefined) {
      out.format(fast.format);
      if (fast.read) out.read(fast.read, false);
      return true;
    }
  }
  let text = buf.toString('utf8', s, e);
  // Decoding replaces invalid bytes with U+FFFD; only then is the line checked byte by byte.
  if (text.includes('\ufffd') && !isUtf8(buf.subarray(s, e))) {
    if (candidate) out.skip(line, 'non-utf8');
    return false;
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const value = parseLine(text);
  if (value === undefined) {
    // Only lines that may read a Secret are judged, and the last line, which may be still being written.
    if (flags & LAST) out.skip(line, 'incomplete-last-line');
    else if (candidate) out.skip(line, 'malformed');
    return candidate;
  }
  for (const item of unwrapRecord(value)) {
    switch (item.kind) {
      case 'category':
        out.category(item.category);
        break;
      case 'skip':
        if (candidate) out.skip(line, item.reason);
        break;
      case 'gke': {
        out.format('gke');
        const read = candidate ? readFromGkeEntry(item.entry) : null;
        if (read) out.read(read, false);
        break;
      }
      case 'event': {
        out.format(item.format);
        const read = candidate ? readFromAuditEvent(item.event, item.format, item.fallbackTime) : null;
        if (read) out.read(read, item.recovered);
        break;
      }
      case 'unknown':
        break;
    }
  }
  return candidate;
}
