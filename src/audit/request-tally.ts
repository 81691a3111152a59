import { targetOf, type Aggregator } from './aggregate.js';
import { packUuid } from './finished-requests.js';
import type { ResolvedQuery } from './query.js';
import { READ_SCOPES, READ_VERBS, type ReadScope, type ReadVerb, type RecordFormat } from './report-types.js';
import { fingerprint, type OpenRequest, type RequestCounter } from './request-counter.js';
import type { SecretRead } from './secret-read.js';
import { threadWasmReader, type WasmEventReader } from './wasm-event.js';

/** countLine's answers (wasm/request-tally.as.ts). */
const COUNTED_LINE = 1;
const V1BETA1 = 2;
const HAND_OVER = 4;
const CELLS_FULL = 8;

/**
 * The word indices of a read (R_* in wasm/request-tally.as.ts), a pending entry (P_*) and a cell (C_*), and the
 * outcome of a request without a response, in the order the counter gives them (tallyWordsOffset).
 */
const LAYOUT = [
  'pendingKey',
  'user',
  'impersonated',
  'verb',
  'scope',
  'namespace',
  'name',
  'agent',
  'denied',
  'outcome',
  'firstIP',
  'pod',
  'node',
  'ips',
  'ip',
  'code',
  'hasCode',
  'format',
  'pendingFingerprint',
  'pendingUsed',
  'pendingStages',
  'pendingRank',
  'pendingArrival',
  'pendingTime',
  'pendingRead',
  'pendingWords',
  'cellCount',
  'cellEvents',
  'cellCode',
  'cellFirst',
  'cellLast',
  'cellKey',
  'cellWords',
  'noResponse',
  'javascriptsFlag',
] as const;
type Layout = Record<(typeof LAYOUT)[number], number>;
/** A member's kind (MEMBER_* there): what a cell's requests name besides its first request's key words. */
const MEMBER_KINDS = ['pods', 'nodes', 'sourceIPs', 'userAgents', 'verbs', 'secrets'] as const;
const VERB_MEMBERS = MEMBER_KINDS.indexOf('verbs');
const SECRET_MEMBERS = MEMBER_KINDS.indexOf('secrets');
/** counterReset's `keyed`: what the cells' keys hold besides the subject, for the rows' grouping. */
const KEYED: Partial<Record<ResolvedQuery['groupBy'], number>> = { verb: 1, source: 2, 'user-agent': 4, secret: 8 };

/** One count at a time on a thread: the counter's tables are the thread's WebAssembly memory. */
let busy = false;

/**
 * Counts the Secret reads of the lines the WebAssembly walk reads in WebAssembly memory
 * (wasm/request-tally.as.ts): no string or object is made in JavaScript for them, only for
 * each distinct row at the end. It stands for a RequestCounter and its Aggregator, and hands
 * its state over to them (handOver) before they see a stage of a request it holds, when a
 * table of its is full, and at the end; it counts no more after that.
 */
export class RequestTally {
  private active = true;
  /** The counter's strings by id, made when the cells or pending requests are read. */
  private strings: string[] = [];

  private readonly w: Layout;

  private constructor(
    private readonly reader: WasmEventReader,
    private readonly counter: RequestCounter,
    private readonly aggregator: Aggregator,
    /** Starts the counter again (its tables emptied); false when it cannot. */
    private readonly reset: () => boolean,
    /** Counts nothing: only passes over the Secret reads the query leaves out (start's `filter`). */
    private readonly filter: boolean,
  ) {
    const words = new Int32Array(reader.memory(), reader.exports.tallyWordsOffset(), LAYOUT.length);
    this.w = Object.fromEntries(LAYOUT.map((name, i) => [name, words[i]!])) as Layout;
  }

  /**
   * A tally for this count, or null where it does not count as asked (no WebAssembly, another count on
   * this thread, --user, whose match the counter leaves to JavaScript, a query too long for its room).
   * `filter`: for a caller that wants each request, it counts none, and passes over the Secret reads the
   * query leaves out, which JavaScript would read whole only to drop them; only for a query that names a Secret.
   */
  static start(
    query: ResolvedQuery,
    counter: RequestCounter,
    aggregator: Aggregator,
    segment: boolean,
    filter = false,
  ): RequestTally | null {
    const reader = threadWasmReader();
    if (!reader || busy || query.user !== null) return null;
    // A filter pays where the query leaves most reads out, those of other Secrets: else a line it leaves to
    // JavaScript is walked twice (in a run, then alone).
    if (filter && query.name === null) return null;
    const { exports } = reader;
    const namespace = query.namespace === null ? null : Buffer.from(query.namespace);
    const name = query.name === null ? null : Buffer.from(query.name);
    const room = exports.queryTextRoom();
    if ((namespace?.length ?? 0) + (name?.length ?? 0) > room) return null;
    const text = Buffer.from(reader.memory(), exports.queryTextOffset(), room);
    namespace?.copy(text, 0);
    name?.copy(text, namespace?.length ?? 0);
    let verbs = 0;
    READ_VERBS.forEach((verb, i) => {
      if (query.verbs.has(verb)) verbs |= 1 << i;
    });
    const reset = (): boolean =>
      exports.counterReset(
        segment ? 1 : 0,
        query.deniedOnly ? 1 : 0,
        verbs,
        query.sinceMs ?? NaN,
        query.untilMs ?? NaN,
        namespace?.length ?? -1,
        name?.length ?? -1,
        KEYED[query.groupBy] ?? 0,
        filter ? 1 : 0,
      ) === 1;
    if (!reset()) return null;
    exports.setCountedOnly(1);
    busy = true;
    return new RequestTally(reader, counter, aggregator, reset, filter);
  }

  get counting(): boolean {
    return this.active;
  }

  /**
   * Counts the line the reader has just walked: its format once counted (or left out by the query), null
   * when JavaScript must read it.
   */
  countWalked(length: number): RecordFormat | null {
    let answer = this.reader.exports.countLine(length);
    if (answer === CELLS_FULL) {
      this.takeCells();
      answer = this.reader.exports.countLine(length);
    }
    // A filter holds nothing but strings: when their tables are full, it starts again.
    if (answer & HAND_OVER && this.filter && this.reset()) answer = this.reader.exports.countLine(length);
    if (answer & COUNTED_LINE) return answer & V1BETA1 ? 'k8s-v1beta1' : 'k8s-v1';
    if (answer & HAND_OVER) this.handOver();
    return null;
  }

  /**
   * Before the RequestCounter counts a read made in JavaScript (by JSON.parse, or from the walk's fields of a
   * line the tally left): one with a UUID may be a stage of a request the tally holds, which then hands
   * everything over. Otherwise the request is JavaScript's: the tally notes that, and leaves its later stages
   * to it.
   */
  beforeRead(read: SecretRead): void {
    if (!this.active || this.filter || read.auditID === null || !packUuid(read.auditID, UUID)) return;
    const { exports } = this.reader;
    new Uint32Array(this.reader.memory(), exports.keyOffset(), 4).set(UUID);
    const fp = fingerprint(read);
    if (exports.tallyHolds(fp) || !exports.leaveToJavascript(fp)) this.handOver();
  }

  /** Lets another count use the thread's counter: for a count that ends without a result. */
  release(): void {
    if (this.active) this.stop();
  }

  private stop(): void {
    this.active = false;
    busy = false;
    this.reader.exports.setCountedOnly(0);
  }

  /** Hands everything over to the RequestCounter and the Aggregator, and counts no more. */
  handOver(): void {
    if (!this.active) return;
    this.stop();
    if (this.filter) return;
    this.takeCells();
    const { exports } = this.reader;
    const memory = this.reader.memory();
    const slots = exports.finishedCapacity();
    const timesAt = exports.finishedTimesOffset();
    this.counter.adopt(
      this.pending(),
      {
        slots: new Uint32Array(memory, exports.finishedOffset(), slots * 5),
        times: timesAt === 0 ? null : new Float64Array(memory, timesAt, slots),
        // The requests JavaScript counted are in it too, flagged: they are its own.
        leftOut: this.w.javascriptsFlag,
      },
      exports.lateStages(),
    );
  }

  /** The counted cells, added to the Aggregator with their members. */
  private takeCells(): void {
    const { exports } = this.reader;
    const cells = exports.cellsUsed();
    if (cells === 0) return;
    const memory = this.reader.memory();
    const members = this.members(memory);
    const { w } = this;
    const words = new Int32Array(memory, exports.cellsOffset(), cells * w.cellWords);
    const times = new Float64Array(memory, exports.cellsOffset(), (cells * w.cellWords) / 2);
    for (let cell = 0, at = 0; cell < cells; cell++, at += w.cellWords) {
      const key = at + w.cellKey;
      const code = words[key + w.outcome] === w.noResponse ? null : words[at + w.cellCode]!;
      const first = times[(at + w.cellFirst) / 2]!;
      const last = times[(at + w.cellLast) / 2]!;
      this.aggregator.addRequests(
        this.keyRead(words, key, code),
        words[at + w.cellCount]!,
        words[at + w.cellEvents]!,
        Number.isNaN(first) ? null : first,
        Number.isNaN(last) ? null : last,
        members[cell],
      );
    }
    exports.clearCells();
  }

  /** The members of each cell (request-tally.as.ts, addMember). */
  private members(memory: ArrayBuffer): CellMembers[] {
    const { exports } = this.reader;
    const members: CellMembers[] = [];
    const targets = new Int32Array(memory, exports.targetsOffset());
    const targetTexts = new Map<number, string>();
    const packed = new Uint32Array(memory, exports.membersOffset(), exports.membersUsed() * 2);
    for (let i = 0; i < packed.length; i += 2) {
      // Stored +1: (cell << 32 | kind << 29 | id) + 1, and ids are below 2^29.
      const low = packed[i]! - 1;
      const of = (members[packed[i + 1]!] ??= {
        pods: [],
        nodes: [],
        sourceIPs: [],
        userAgents: [],
        verbs: [],
        secrets: [],
        scopes: [],
      });
      const kind = low >>> 29;
      const id = low & 0x1fffffff;
      if (kind === VERB_MEMBERS) of.verbs.push(READ_VERBS[id]!);
      else if (kind === SECRET_MEMBERS) {
        const scope = READ_SCOPES[targets[id * 3]!]!;
        let text = targetTexts.get(id);
        if (text === undefined) {
          text = targetOf({
            scope,
            namespace: this.string(targets[id * 3 + 1]!),
            name: this.string(targets[id * 3 + 2]!),
          });
          targetTexts.set(id, text);
        }
        of.scopes.push(scope);
        of.secrets.push(text);
      } else (of[MEMBER_KINDS[kind]!] as string[]).push(this.string(id)!);
    }
    return members;
  }

  /** The pending requests, in the order their first stage came. */
  private pending(): OpenRequest[] {
    const { exports } = this.reader;
    const memory = this.reader.memory();
    const { w } = this;
    const words = new Int32Array(memory, exports.pendingOffset(), exports.pendingCapacity() * w.pendingWords);
    const times = new Float64Array(memory, exports.pendingOffset(), (exports.pendingCapacity() * w.pendingWords) / 2);
    const open: (OpenRequest & { arrival: number })[] = [];
    for (let at = 0; at < words.length; at += w.pendingWords) {
      if (words[at + w.pendingUsed] === 0) continue;
      const time = times[(at + w.pendingTime) / 2]!;
      const key = at + w.pendingRead;
      const read = this.read(
        words,
        key,
        Number.isNaN(time) ? null : time,
        words[key + w.hasCode] ? words[key + w.code]! : null,
        words[key + w.format] ? 'k8s-v1beta1' : 'k8s-v1',
      );
      read.auditID = uuidText(words, at + w.pendingKey);
      read.stageRank = words[at + w.pendingRank]!;
      open.push({
        read,
        stages: words[at + w.pendingStages]!,
        fingerprint: words[at + w.pendingFingerprint]! >>> 0,
        arrival: words[at + w.pendingArrival]!,
      });
    }
    return open
      .sort((a, b) => a.arrival - b.arrival)
      .map(({ read, stages, fingerprint }) => ({ read, stages, fingerprint }));
  }

  /** A pending request's read from its words at `at` (R_*). */
  private read(
    words: Int32Array,
    at: number,
    time: number | null,
    code: number | null,
    format: RecordFormat,
  ): SecretRead {
    const { w } = this;
    const sourceIPs: string[] = [];
    for (let i = 0; i < words[at + w.ips]!; i++) sourceIPs.push(this.string(words[at + w.ip + i]!)!);
    return {
      ...this.keyRead(words, at, code),
      pod: this.string(words[at + w.pod]!),
      node: this.string(words[at + w.node]!),
      sourceIPs,
      time,
      format,
    };
  }

  /**
   * A cell's read from its key's words at `at`: its first request's subject, Secret, verb, first source IP, user
   * agent and outcome (those the rows are not grouped by may differ in its other requests: its members); no pod,
   * node or time.
   */
  private keyRead(words: Int32Array, at: number, code: number | null): SecretRead {
    const { w } = this;
    const text = (word: number): string | null => this.string(words[at + word]!);
    const firstIP = text(w.firstIP);
    return {
      auditID: null,
      stageRank: 2,
      verb: READ_VERBS[words[at + w.verb]!]!,
      namespace: text(w.namespace),
      name: text(w.name),
      scope: READ_SCOPES[words[at + w.scope]!]!,
      user: text(w.user) ?? '',
      impersonatedUser: text(w.impersonated),
      pod: null,
      node: null,
      sourceIPs: firstIP === null ? [] : [firstIP],
      userAgent: text(w.agent),
      code,
      denied: words[at + w.denied] === 1,
      time: null,
      format: 'k8s-v1',
    };
  }

  private string(id: number): string | null {
    if (id < 0) return null;
    if (id >= this.strings.length) this.readStrings();
    return this.strings[id]!;
  }

  /** The strings the counter has added since they were last read. */
  private readStrings(): void {
    const { exports } = this.reader;
    const count = exports.counterStringCount();
    const from = this.strings.length;
    if (from === count) return;
    const memory = this.reader.memory();
    // Four words an id: offset, length, and two hashes of its bytes.
    const ids = new Int32Array(memory, exports.counterStringsOffset(), count * 4);
    const start = ids[from * 4]!;
    const end = ids[(count - 1) * 4]! + ids[(count - 1) * 4 + 1]!;
    // Their bytes are ASCII (the walk reads no other line), one after the other: read at once, then cut.
    const text = Buffer.from(memory, exports.counterArenaOffset() + start, end - start).toString('latin1');
    for (let i = from; i < count; i++)
      this.strings.push(text.slice(ids[i * 4]! - start, ids[i * 4]! - start + ids[i * 4 + 1]!));
  }
}

const UUID = new Uint32Array(4);

/** What a cell's requests name besides its first one's key words (pods as named, not paired with a namespace). */
export interface CellMembers {
  pods: string[];
  nodes: string[];
  sourceIPs: string[];
  userAgents: string[];
  verbs: ReadVerb[];
  secrets: string[];
  scopes: ReadScope[];
}

/** A packed UUID's text, as API servers write it. */
function uuidText(words: Int32Array, at: number): string {
  const hex = [0, 1, 2, 3].map((i) => (words[at + i]! >>> 0).toString(16).padStart(8, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
