/**
 * How an input is laid out: one record per line (JSON lines, the usual audit log), or
 * JSON that spans lines (a pretty-printed object, a JSON array such as a gcloud export,
 * an Event Hubs {"records":[…]} document).
 */
import { isSpace } from './bytes.js';

export type Layout = 'lines' | 'document' | 'empty';

export const HEAD_LIMIT = 1 << 20;
const LINES_TO_TRY = 3;

/**
 * Decides from the start of an input (BOM removed). Returns undefined while more of
 * the input is needed. A line-per-record input is recognised by any of its first
 * lines parsing on its own, so one damaged first line does not change the layout.
 */
export function detectLayout(head: Buffer, ended: boolean): Layout | undefined {
  let i = 0;
  while (i < head.length && isSpace(head[i]!)) i++;
  if (i === head.length) return ended ? 'empty' : undefined;
  const first = head[i]!;
  const structured = first === 0x7b || first === 0x5b;
  let tried = 0;
  let start = i;
  while (tried < LINES_TO_TRY && start < head.length) {
    let nl = head.indexOf(0x0a, start);
    if (nl === -1) {
      if (!ended) break;
      nl = head.length;
    }
    if (nl > start) {
      const text = head.toString('utf8', start, nl).trim();
      if (text !== '') {
        tried++;
        if (parsesAsRecord(text)) return 'lines';
      }
    }
    start = nl + 1;
  }
  if (tried < LINES_TO_TRY && !ended && head.length < HEAD_LIMIT) return undefined;
  return structured ? 'document' : 'lines';
}

/** A line that is a whole JSON object or array, allowing the trailing comma of an array written one element per line. */
export function parsesAsRecord(text: string): boolean {
  return parseLine(text) !== undefined;
}

/**
 * Parses one line of a line-per-record input. Also accepts a trailing comma (arrays
 * written one element per line) and a prefix before the JSON (CloudWatch exports to S3
 * put a timestamp first). Returns undefined when the line is not an object or array.
 */
export function parseLine(text: string): object | undefined {
  const value = tryParse(text);
  if (value !== undefined) return value;
  let repaired = text.trimEnd();
  if (repaired.endsWith(',')) repaired = repaired.slice(0, -1);
  const brace = repaired.indexOf('{');
  if (brace > 0) repaired = repaired.slice(brace);
  return repaired === text ? undefined : tryParse(repaired);
}

function tryParse(text: string): object | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}
