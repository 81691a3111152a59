import { BACKSLASH, COLON, isSpace, QUOTE } from './bytes.js';

const AUDIT_ID = Buffer.from('auditID');
/** How far into a record the key is looked for by hand before asking Buffer.indexOf (native events have it at ~70). */
const NEAR = 256;

/**
 * Which of `partitions` tallies the record in buf[s, e) goes to: by its auditID's bytes, so
 * that every stage of a request, in whatever batch or input, is counted by the same one.
 * The first `auditID` key is used, escaped (`\"auditID\":\"`, EKS and AKS) or not; records
 * without one (GKE entries, whose request id is elsewhere) go to the first.
 */
export function partitionOf(buf: Buffer, s: number, e: number, partitions: number): number {
  if (partitions === 1) return 0;
  let at = -1;
  const near = Math.min(e, s + NEAR);
  for (let i = s + AUDIT_ID.length - 1; i < near; i++) {
    // 'D' is rare: test the rest of the key only there
    if (buf[i] === 0x44 && buf[i - 1] === 0x49 && matches(buf, i - AUDIT_ID.length + 1)) {
      at = i + 1;
      break;
    }
  }
  if (at === -1 && e > near) {
    const found = buf.subarray(s, e).indexOf(AUDIT_ID);
    if (found !== -1) at = s + found + AUDIT_ID.length;
  }
  if (at === -1) return 0;
  // past `":"` (or `\":\"`, or spaced) to the value
  let i = at;
  while (i < e && i < at + 16 && (buf[i] === QUOTE || buf[i] === BACKSLASH || buf[i] === COLON || isSpace(buf[i]!)))
    i++;
  let h = 0x811c9dc5;
  for (let n = 0; i < e && n < 64 && buf[i] !== QUOTE && buf[i] !== BACKSLASH; i++, n++)
    h = Math.imul(h ^ buf[i]!, 0x01000193);
  return (h >>> 0) % partitions;
}

function matches(buf: Buffer, at: number): boolean {
  for (let k = 0; k < AUDIT_ID.length; k++) if (buf[at + k] !== AUDIT_ID[k]) return false;
  return true;
}
