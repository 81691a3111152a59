const WORDS = 5; // 4 words of UUID, 1 of fingerprint (24 bits) and flags (8 bits)
const USED = 0x80;
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
// Lower case only, as API servers write them: IDs are matched as written (the pending requests are keyed by
// their text), so one in upper case is another ID, kept in the Map.
for (let i = 0; i < 6; i++) HEX[0x61 + i] = 10 + i;

/** A request's key where its auditID is no UUID (and in a counter's maps): the ID and the fingerprint of what its stages share. */
export function requestKey(auditID: string, fingerprint: number): string {
  return `${auditID}/${fingerprint}`;
}

/** Packs a UUID (lower case, as API servers write them) into four words; false for any other ID. */
export function packUuid(id: string, into: Uint32Array): boolean {
  if (id.length !== 36) return false;
  let word = 0;
  let nibbles = 0;
  for (let i = 0; i < 36; i++) {
    const c = id.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 0x2d) return false;
      continue;
    }
    const v = c < 128 ? HEX[c]! : -1;
    if (v < 0) return false;
    word = (word << 4) | v;
    if (++nibbles % 8 === 0) {
      into[nibbles / 8 - 1] = word;
      word = 0;
    }
  }
  return true;
}

/** A FinishedRequests as plain data, for another thread (structured clone). */
export interface FinishedState {
  slots: Uint32Array;
  times: Float64Array | null;
  used: number;
  others: Map<string, number>;
  otherTimes: Map<string, number> | null;
}

/**
 * The requests already counted, by auditID and a 24-bit fingerprint, each with 7 bits of
 * flags. UUIDs (what API servers use) are packed into a typed-array hash table: 20 bytes
 * a request and nothing for the garbage collector to walk, so a log of millions of
 * requests stays small. Other IDs go to a Map. With `times` (a segment's table, segments.ts),
 * each request also keeps a time: 8 bytes more.
 */
export class FinishedRequests {
  private slots: Uint32Array;
  private times: Float64Array | null;
  private used = 0;
  private readonly others: Map<string, number>;
  private readonly otherTimes: Map<string, number> | null;
  private readonly key = new Uint32Array(4);
  /** The key of an entry insertAll or sharesAny reads (this.key may hold one set() is about to place). */
  private readonly entryKey = new Uint32Array(4);
  /** The slot get() found last: a request is set right after it is looked up. */
  private lastId: string | null = null;
  private lastFingerprint = 0;
  private lastAt = 0;

  /** `slots`: the table's first size (a power of 2); it doubles as it fills. A log's first 39,000 requests fit in the default. */
  constructor(slots = 1 << 16, { times = false, state }: { times?: boolean; state?: FinishedState } = {}) {
    this.slots = state?.slots ?? new Uint32Array(slots * WORDS);
    this.times = state ? state.times : times ? new Float64Array(slots).fill(NaN) : null;
    this.used = state?.used ?? 0;
    this.others = state?.others ?? new Map();
    this.otherTimes = state ? state.otherTimes : times ? new Map() : null;
  }

  state(): FinishedState {
    const { slots, times, used, others, otherTimes } = this;
    return { slots, times, used, others, otherTimes };
  }

  /** The flags and time kept of a request (time: NaN when none), or undefined. */
  entry(id: string, fingerprint: number): { flags: number; time: number } | undefined {
    const flags = this.get(id, fingerprint);
    if (flags === -1) return undefined;
    const time =
      this.lastId === id ? this.times?.[this.lastAt / WORDS] : this.otherTimes?.get(requestKey(id, fingerprint));
    return { flags, time: time ?? NaN };
  }

  /** Whether `other` holds a request of this table too (the same auditID and fingerprint). */
  sharesAny(other: FinishedRequests): boolean {
    const { slots } = this;
    const key = this.entryKey;
    for (let at = 0; at < slots.length; at += WORDS) {
      const tail = slots[at + 4]!;
      if ((tail & USED) === 0) continue;
      for (let w = 0; w < 4; w++) key[w] = slots[at + w]!;
      const theirs = other.find(key, tail >>> 8);
      if (other.slots[theirs + 4]! & USED) return true;
    }
    for (const key of this.others.keys()) if (other.others.has(key)) return true;
    return false;
  }

  /** Flags stored for the request, or -1. */
  get(id: string, fingerprint: number): number {
    this.lastId = null; // pack() below overwrites this.key, even for an ID it then finds is not a UUID
    if (!this.pack(id)) return this.others.get(requestKey(id, fingerprint)) ?? -1;
    const at = this.find(this.key, fingerprint);
    this.lastId = id;
    this.lastFingerprint = fingerprint;
    this.lastAt = at;
    return this.slots[at + 4]! & USED ? this.slots[at + 4]! & 0x7f : -1;
  }

  /** `time`: kept in a table made with times (left as it was when not given). */
  set(id: string, fingerprint: number, flags: number, time?: number): void {
    // get() remembers only UUIDs, whose packed key is still in this.key.
    const remembered = id === this.lastId && fingerprint === this.lastFingerprint;
    this.lastId = null;
    if (!remembered && !this.pack(id)) {
      this.others.set(requestKey(id, fingerprint), flags);
      if (time !== undefined) this.otherTimes?.set(requestKey(id, fingerprint), time);
      return;
    }
    let at = remembered ? this.lastAt : this.find(this.key, fingerprint);
    if ((this.slots[at + 4]! & USED) === 0) {
      if ((this.used + 1) * 10 > (this.slots.length / WORDS) * 6) {
        this.grow();
        at = this.find(this.key, fingerprint);
      }
      this.used++;
      this.slots.set(this.key, at);
    }
    this.slots[at + 4] = ((fingerprint & 0xffffff) << 8) | USED | (flags & 0x7f);
    if (this.times && time !== undefined) this.times[at / WORDS] = time;
  }

  /** Packs a UUID into this.key; false for any other ID. */
  private pack(id: string): boolean {
    return packUuid(id, this.key);
  }

  /**
   * Takes over the UUIDs' table of a counter that kept it elsewhere (request-tally.ts: the same layout and hash),
   * but for its entries flagged `leftOut`, with this table's own UUIDs (of other requests) added to it.
   */
  adoptPacked(slots: Uint32Array, times: Float64Array | null, leftOut: number): void {
    if (this.used === 0 && (times === null) === (this.times === null)) {
      const used = usedEntries(slots, leftOut);
      // None left out: the table as it is, its entries where this table's hash puts them.
      if (used !== -1) {
        this.slots = slots.slice();
        this.times = times?.slice() ?? null;
        this.used = used;
        this.lastId = null;
        return;
      }
    }
    const own = this.slots;
    const ownTimes = this.times;
    this.slots = new Uint32Array(slots.length);
    this.times = times ? new Float64Array(times.length).fill(NaN) : null;
    this.used = 0;
    this.lastId = null;
    this.insertAll(slots, times, leftOut);
    this.insertAll(own, ownTimes, 0);
  }

  /** The entries of a table of this layout (but for those flagged `leftOut`), with their times. */
  private insertAll(slots: Uint32Array, times: Float64Array | null, leftOut: number): void {
    const key = this.entryKey;
    for (let at = 0; at < slots.length; at += WORDS) {
      const tail = slots[at + 4]!;
      if ((tail & USED) === 0 || tail & leftOut) continue;
      if ((this.used + 1) * 10 > (this.slots.length / WORDS) * 6) this.grow();
      for (let w = 0; w < 4; w++) key[w] = slots[at + w]!;
      const to = this.find(key, tail >>> 8);
      if ((this.slots[to + 4]! & USED) === 0) this.used++;
      this.slots.set(key, to);
      this.slots[to + 4] = tail;
      if (this.times && times) this.times[to / WORDS] = times[at / WORDS]!;
    }
  }

  /** The slot holding this key and fingerprint, or the empty slot where it would go. */
  private find(key: Uint32Array, fingerprint: number): number {
    const { slots } = this;
    const mask = slots.length / WORDS - 1;
    const fp = fingerprint & 0xffffff;
    let h = Math.imul(
      key[0]! ^ Math.imul(key[1]!, 0x9e3779b1) ^ Math.imul(key[2]!, 0x85ebca77) ^ Math.imul(key[3]! ^ fp, 0xc2b2ae3d),
      0x27d4eb2f,
    );
    h ^= h >>> 15;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const at = i * WORDS;
      const tail = slots[at + 4]!;
      if ((tail & USED) === 0) return at;
      if (
        tail >>> 8 === fp &&
        slots[at] === key[0] &&
        slots[at + 1] === key[1] &&
        slots[at + 2] === key[2] &&
        slots[at + 3] === key[3]
      )
        return at;
    }
  }

  private grow(): void {
    const old = this.slots;
    const oldTimes = this.times;
    this.slots = new Uint32Array(old.length * 2);
    if (oldTimes) this.times = new Float64Array(oldTimes.length * 2).fill(NaN);
    this.used = 0;
    this.insertAll(old, oldTimes, 0);
  }
}

/** The entries of a table in use, or -1 when one of them is flagged `leftOut`. */
function usedEntries(slots: Uint32Array, leftOut: number): number {
  let used = 0;
  for (let at = 4; at < slots.length; at += WORDS) {
    const tail = slots[at]!;
    if ((tail & USED) === 0) continue;
    if (tail & leftOut) return -1;
    used++;
  }
  return used;
}
