import { BACKSLASH, COLON, QUOTE, isSpace } from './bytes.js';

const AUDIT_ID = Buffer.from('auditID');
/** Longer IDs are hashed on their first bytes: UUIDs are 36. */
const ID_BYTES = 64;

/**
 * The part of the requests one of several counting threads counts: those whose auditID
 * hashes to `index` of `of`. Each thread reads every line, but parses only its own: the
 * line's auditID is found in its bytes (the first `auditID` key, escaped or not, as in
 * native, EKS and AKS records) before any JSON is parsed. Lines without one go to share 0.
 *
 * A request's stages must all reach the thread that counts it. The bytes found are checked
 * against the parsed auditID of every read counted (`owns`); when they disagree (a GKE entry,
 * whose ID is not an auditID key; an odd log), the split cannot be trusted and the caller
 * counts on one thread instead.
 */
export class AuditShare {
  /** The next `auditID` in the last buffer searched, at or after the last record's start (-1: none left there). */
  private searched: Buffer | undefined;
  private next = -1;

  constructor(
    readonly index: number,
    readonly of: number,
  ) {
    if (!Number.isInteger(of) || of < 1 || !Number.isInteger(index) || index < 0 || index >= of)
      throw new Error(`invalid audit share ${index} of ${of}`);
  }

  /** Called before each chunk: a reader may reuse a buffer for the next chunk, so the last search says nothing of it. */
  newChunk(): void {
    this.searched = undefined;
  }

  /** The share whose thread handles the record buf[start, end). Records of a chunk come in order. */
  ownerOfRecord(buf: Buffer, start: number, end: number): number {
    // Records come in order: one search of the buffer serves every record up to the match.
    if (buf !== this.searched || (this.next !== -1 && this.next < start)) {
      this.searched = buf;
      this.next = buf.indexOf(AUDIT_ID, start);
    }
    const at = this.next;
    if (at === -1 || at >= end) return 0;
    let from = at + AUDIT_ID.length;
    while (from < end && (buf[from] === QUOTE || buf[from] === BACKSLASH || buf[from] === COLON || isSpace(buf[from]!)))
      from++;
    let to = from;
    while (to < end && buf[to] !== QUOTE && buf[to] !== BACKSLASH) to++;
    return idHash(buf, from, to) % this.of;
  }

  /** Whether a read with this (parsed) auditID belongs here: reads without one are counted wherever they are. */
  owns(auditID: string | null): boolean {
    if (auditID === null) return true;
    const bytes = Buffer.from(auditID);
    return idHash(bytes, 0, bytes.length) % this.of === this.index;
  }
}

/** FNV-1a of an ID's UTF-8 bytes (the first ID_BYTES of them), as the line holds them unescaped. */
function idHash(bytes: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < Math.min(to, from + ID_BYTES); i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}
