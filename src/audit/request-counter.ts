import type { SecretRead } from './secret-read.js';
import { FinishedRequests, requestKey, type FinishedState } from './finished-requests.js';

/** Flags of a finished request: one bit per stage rank seen, and whether it was counted. */
export const STAGE_BITS = 0b111;
export const COUNTED = 1 << 3;
/** In a segment's table (segments.ts): its final stage itself names an impersonated user. */
export const IMPERSONATING = 1 << 4;

/** Called once per request, with its best-known read and the stages seen (1 << stageRank each). Returns whether it was counted. */
export type RequestHandler = (read: SecretRead, stages: number) => boolean;

function fnv(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

/**
 * FNV-1a of the strings seen: verbs, users, namespaces and names repeat, and a Map finds a string by the hash V8 keeps in it.
 * Four lookups a stage: written out rather than through util/bounded-memo, whose shared closure measured 4% slower here.
 */
const hashes = new Map<string, number>();

function hashOf(text: string | null): number {
  if (text === null) return 0x1f;
  let h = hashes.get(text);
  if (h === undefined) {
    h = fnv(0x811c9dc5, text);
    if (hashes.size >= 100_000) hashes.clear();
    hashes.set(text, h);
  }
  return h;
}

/** A 24-bit hash of what every stage of one request shares (request-tally.as.ts computes the same). */
export function fingerprint(read: SecretRead): number {
  let h = Math.imul(hashOf(read.verb), 0x9e3779b1);
  h = Math.imul(h ^ hashOf(read.user), 0x85ebca77);
  h = Math.imul(h ^ hashOf(read.namespace), 0xc2b2ae3d);
  h = Math.imul(h ^ hashOf(read.name), 0x27d4eb2f);
  return (h ^ (h >>> 15)) & 0xffffff;
}

interface Pending {
  read: SecretRead;
  stages: number;
  readonly fingerprint: number;
  /** When its first stage came, among pending requests: finish() hands them on in that order. */
  readonly arrival: number;
}

/** A request of a segment whose final stage it did not see: a later segment may have it. */
export interface OpenRequest {
  read: SecretRead;
  stages: number;
  fingerprint: number;
}

/** What a segment's counter knows of requests beyond what it counted, for the join (segments.ts). */
export interface SegmentRequests {
  finished: FinishedState;
  /** In the order their first stage came. */
  open: OpenRequest[];
}

/**
 * Counts each request once, whatever stages were logged and whichever input logged them
 * (rotated files overlap). A request is handed on when its final stage arrives, with
 * the outcome of that stage; requests never seen to finish are handed on by finish().
 * Afterwards only 20 bytes per request are kept (FinishedRequests), so memory grows
 * with the number of distinct requests, not with the size of the logs.
 *
 * Besides the auditID, verb, user and target must agree (sanitised fixtures reuse one
 * auditID); impersonatedUser need not: RequestReceived is logged before impersonation
 * is resolved and lacks it.
 */
export class RequestCounter {
  private readonly finished: FinishedRequests;
  /** Requests whose final stage has not come yet, by auditID: a key that costs no new string per stage. */
  private readonly pending = new Map<string, Pending>();
  /** Pending requests whose auditID another pending request held when they came (sanitised logs reuse IDs), by "ID/fingerprint". */
  private readonly reused = new Map<string, Pending>();
  private arrivals = 0;
  recovered = 0;
  /** Stages of counted requests that arrived after they were handed on. */
  lateStages = 0;

  /**
   * `segment`: the counter reads one segment of the logs (segments.ts): it keeps, for each request, what
   * the join needs to tell whether another segment logged stages of it.
   */
  constructor(
    private readonly handle: RequestHandler,
    private readonly segment = false,
  ) {
    this.finished = new FinishedRequests(undefined, { times: segment });
  }

  add(read: SecretRead, recovered = false): void {
    if (recovered) this.recovered++;
    const bit = 1 << read.stageRank;
    if (read.auditID === null) {
      this.handle(read, bit);
      return;
    }
    const fp = fingerprint(read);
    const done = this.finished.get(read.auditID, fp);
    if (done !== -1) {
      if ((done & bit) === 0) {
        this.finished.set(read.auditID, fp, done | bit);
        if (done & COUNTED) this.lateStages++;
      }
      return;
    }
    const id = read.auditID;
    const head = this.pending.get(id);
    let known = head !== undefined && head.fingerprint === fp ? head : undefined;
    let reusedKey: string | undefined;
    if (known === undefined && this.reused.size > 0) {
      reusedKey = requestKey(id, fp);
      known = this.reused.get(reusedKey);
    }
    if (known) {
      known.read = merged(known.read, read);
      known.stages |= bit;
    }
    if (read.stageRank < 2) {
      if (known) return;
      const entry: Pending = { read, stages: bit, fingerprint: fp, arrival: this.arrivals++ };
      if (head === undefined) this.pending.set(id, entry);
      else this.reused.set(reusedKey ?? requestKey(id, fp), entry);
      return;
    }
    if (known === head && head !== undefined) this.pending.delete(id);
    else if (known) this.reused.delete(reusedKey!);
    const final = known ?? { read, stages: bit };
    const counted = this.handle(final.read, final.stages);
    const flags = final.stages | (counted ? COUNTED : 0);
    if (!this.segment) this.finished.set(id, fp, flags);
    else {
      // What the join needs to tell whether stages of it in an earlier segment would change what was counted (unchanged()).
      const impersonating = read.impersonatedUser !== null ? IMPERSONATING : 0;
      this.finished.set(id, fp, flags | impersonating, final.read.time ?? NaN);
    }
  }

  /**
   * Takes over what a counter that kept its requests elsewhere knew (request-tally.ts): its pending requests,
   * in the order their first stage came, its table of finished UUIDs (but for the entries flagged `leftOut`),
   * and its late stages.
   */
  adopt(
    open: readonly OpenRequest[],
    finished: { slots: Uint32Array; times: Float64Array | null; leftOut: number },
    late: number,
  ): void {
    this.finished.adoptPacked(finished.slots, finished.times, finished.leftOut);
    this.lateStages += late;
    for (const { read, stages, fingerprint } of open) {
      const id = read.auditID!;
      const entry: Pending = { read, stages, fingerprint, arrival: this.arrivals++ };
      if (!this.pending.has(id)) this.pending.set(id, entry);
      else this.reused.set(requestKey(id, fingerprint), entry);
    }
  }

  /** Hands on the requests whose final stage was never logged. */
  finish(): void {
    for (const { read, stages } of this.unfinished()) this.handle(read, stages);
  }

  /** A segment's counter, at its end: the requests it did not hand on, for the join. */
  segmentRequests(): SegmentRequests {
    return { finished: this.finished.state(), open: this.unfinished() };
  }

  /** The requests whose final stage has not come, in the order their first stage came; none are left pending. */
  private unfinished(): Pending[] {
    const left =
      this.reused.size === 0
        ? [...this.pending.values()]
        : [...this.pending.values(), ...this.reused.values()].sort((a, b) => a.arrival - b.arrival);
    this.pending.clear();
    this.reused.clear();
    return left;
  }
}

/**
 * Whether a request's earlier stages (`before`, open at the end of an earlier segment) would leave the read a
 * later segment handed on unchanged, as merged() joins them (`flags` and `time`: what the later segment's table
 * keeps of it): no stage in both, no earlier time, and no impersonated user they name that it would take. The
 * later read's other fields are its final stage's either way.
 */
export function unchanged(before: OpenRequest, flags: number, time: number): boolean {
  if (flags & STAGE_BITS & before.stages) return false;
  if (before.read.time !== null && !(time <= before.read.time)) return false;
  // A final stage that names an impersonated user is the one taken; otherwise the earliest stages' may be.
  return (flags & IMPERSONATING) !== 0 || before.read.impersonatedUser === null;
}

/** The later stage's outcome; the earliest time; an impersonated user from whichever stage has one. */
export function merged(earlier: SecretRead, read: SecretRead): SecretRead {
  const later = read.stageRank > earlier.stageRank ? read : earlier;
  const time =
    earlier.time === null ? read.time : read.time === null ? earlier.time : Math.min(earlier.time, read.time);
  // The impersonated user's groups come with it, from the same stage.
  const impersonating = later.impersonatedUser !== null ? later : earlier.impersonatedUser !== null ? earlier : read;
  const { impersonatedUser, impersonatedGroups } = impersonating;
  if (time === later.time && impersonatedUser === later.impersonatedUser) return later;
  return { ...later, time, impersonatedUser, ...(impersonatedGroups ? { impersonatedGroups } : {}) };
}
