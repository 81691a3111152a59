import { RECORD_FIELDS_WASM } from './wasm/record-fields-wasm.js';
import {
  CREDENTIAL_ID,
  DECISION,
  eventTime,
  isReadVerb,
  NODE_NAME,
  POD_NAME,
  type EventFields,
  type EventTimes,
} from './native-event.js';
import type { RecordFormat } from './report-types.js';
import { parseTimestamp } from './json-fields.js';

/** What the WebAssembly walk (wasm/record-fields.as.ts) records of a value: its slot's type. */
const STRING = 1;
const NUMBER = 2;
const OBJECT = 3;
const ARRAY = 4;
const ESCAPED = 8;

/** How a key's value is recorded. */
const LEAF = 0;
const CONTAINER = 1;
const LIST = 2;
const FIRST = 3;
/** A key of another format's envelope (GKE, AKS, CloudWatch): unwrap-record.ts reads those. */
const BAIL = 4;

/** Objects whose keys are looked up: the record itself, and the objects its declared keys lead to. */
const TOP = 1;
const REF = 2;
const USER = 3;
const EXTRA = 4;
const IMPERSONATED = 5;
const STATUS = 6;
const ANNOTATIONS = 7;
const METADATA = 8;

/** Slots, one per declared key. */
let nextField = 0;
const slot = () => nextField++;
const F = {
  kind: slot(),
  apiVersion: slot(),
  auditID: slot(),
  stage: slot(),
  requestURI: slot(),
  verb: slot(),
  userAgent: slot(),
  requestReceivedTimestamp: slot(),
  timestamp: slot(),
  stageTimestamp: slot(),
  sourceIPs: slot(),
  objectRef: slot(),
  resource: slot(),
  subresource: slot(),
  apiGroup: slot(),
  namespace: slot(),
  name: slot(),
  user: slot(),
  username: slot(),
  groups: slot(),
  extra: slot(),
  pod: slot(),
  node: slot(),
  credentialId: slot(),
  impersonatedUser: slot(),
  impersonatedUsername: slot(),
  impersonatedGroups: slot(),
  responseStatus: slot(),
  code: slot(),
  annotations: slot(),
  decision: slot(),
  metadata: slot(),
  creationTimestamp: slot(),
  envelope: slot(),
  requestObject: slot(),
  responseObject: slot(),
};

/**
 * Key flags: the value's string gets an id (it repeats across lines); the value is a timestamp; an integer; the
 * request counter reads it by its id (while it counts, only those get ids).
 */
const KEEP = 1;
const TIME = 2;
const INTEGER = 4;
const COUNTED = 8 | KEEP;

/** [context, key, field, kind, child context, flags] */
const KEYS: [number, string, number, number, number, number?][] = [
  [TOP, 'kind', F.kind, LEAF, 0, KEEP],
  [TOP, 'apiVersion', F.apiVersion, LEAF, 0, KEEP],
  [TOP, 'auditID', F.auditID, LEAF, 0],
  [TOP, 'stage', F.stage, LEAF, 0, KEEP],
  [TOP, 'requestURI', F.requestURI, LEAF, 0, KEEP],
  [TOP, 'verb', F.verb, LEAF, 0, KEEP],
  [TOP, 'userAgent', F.userAgent, LEAF, 0, COUNTED],
  [TOP, 'requestReceivedTimestamp', F.requestReceivedTimestamp, LEAF, 0, TIME | INTEGER],
  [TOP, 'timestamp', F.timestamp, LEAF, 0, TIME | INTEGER],
  [TOP, 'stageTimestamp', F.stageTimestamp, LEAF, 0, TIME | INTEGER],
  [TOP, 'sourceIPs', F.sourceIPs, LIST, 0, COUNTED],
  [TOP, 'objectRef', F.objectRef, CONTAINER, REF],
  [TOP, 'user', F.user, CONTAINER, USER],
  [TOP, 'impersonatedUser', F.impersonatedUser, CONTAINER, IMPERSONATED],
  [TOP, 'responseStatus', F.responseStatus, CONTAINER, STATUS],
  [TOP, 'annotations', F.annotations, CONTAINER, ANNOTATIONS],
  [TOP, 'metadata', F.metadata, CONTAINER, METADATA],
  [TOP, 'requestObject', F.requestObject, LEAF, 0],
  [TOP, 'responseObject', F.responseObject, LEAF, 0],
  [TOP, 'protoPayload', F.envelope, BAIL, 0],
  [TOP, 'properties', F.envelope, BAIL, 0],
  [TOP, 'message', F.envelope, BAIL, 0],
  [REF, 'resource', F.resource, LEAF, 0, KEEP],
  [REF, 'subresource', F.subresource, LEAF, 0, KEEP],
  [REF, 'apiGroup', F.apiGroup, LEAF, 0, KEEP],
  [REF, 'namespace', F.namespace, LEAF, 0, COUNTED],
  [REF, 'name', F.name, LEAF, 0, COUNTED],
  [USER, 'username', F.username, LEAF, 0, COUNTED],
  [USER, 'groups', F.groups, LIST, 0, KEEP],
  [USER, 'extra', F.extra, CONTAINER, EXTRA],
  [EXTRA, POD_NAME, F.pod, FIRST, 0, COUNTED],
  [EXTRA, NODE_NAME, F.node, FIRST, 0, COUNTED],
  [EXTRA, CREDENTIAL_ID, F.credentialId, FIRST, 0, KEEP],
  [IMPERSONATED, 'username', F.impersonatedUsername, LEAF, 0, COUNTED],
  [IMPERSONATED, 'groups', F.impersonatedGroups, LIST, 0, KEEP],
  [STATUS, 'code', F.code, LEAF, 0, INTEGER],
  [ANNOTATIONS, DECISION, F.decision, LEAF, 0, KEEP],
  [METADATA, 'creationTimestamp', F.creationTimestamp, LEAF, 0, TIME | INTEGER],
];

/** The little of WebAssembly used here (TypeScript's node types have no WebAssembly.Module). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

interface Exports {
  memory: { buffer: ArrayBuffer };
  lineOffset(): number;
  keysOffset(): number;
  namesOffset(): number;
  listOffset(): number;
  idsOffset(): number;
  arenaOffset(): number;
  keptCount(): number;
  setKeyCount(count: number): void;
  setCountedOnly(on: number): void;
  extract(length: number): number;
  countRun(length: number, maxLine: number): number;
  runLineCount(): number;
  runNonEmptyCount(): number;
  runFormatBits(): number;
  runForgotIds(): number;
  runReachedEnd(): number;
  /** The request counter's (wasm/request-tally.as.ts; request-tally.ts drives it). */
  countLine(length: number): number;
  tallyWordsOffset(): number;
  keyOffset(): number;
  tallyHolds(fingerprint: number): number;
  leaveToJavascript(fingerprint: number): number;
  /** 0 where the memory cannot grow for its tables. */
  counterReset(
    segment: number,
    deniedOnly: number,
    verbs: number,
    since: number,
    until: number,
    namespaceLength: number,
    nameLength: number,
    keyed: number,
    filter: number,
  ): number;
  counterConfigOffset(): number;
  queryTextOffset(): number;
  queryTextRoom(): number;
  targetsOffset(): number;
  counterStringsOffset(): number;
  counterStringCount(): number;
  counterArenaOffset(): number;
  pendingOffset(): number;
  pendingCapacity(): number;
  cellsOffset(): number;
  cellsUsed(): number;
  membersOffset(): number;
  membersUsed(): number;
  clearCells(): void;
  finishedOffset(): number;
  finishedCapacity(): number;
  finishedTimesOffset(): number;
  lateStages(): number;
  /** Lines the request counter took whose event has a request or response body, ever on this thread. */
  secretBodyCount(): number;
}

/** The fields the request counter reads, in its order (FIELD_* in wasm/request-tally.as.ts). */
const TALLY_FIELDS = [
  F.auditID,
  F.stage,
  F.verb,
  F.requestURI,
  F.userAgent,
  F.requestReceivedTimestamp,
  F.timestamp,
  F.stageTimestamp,
  F.sourceIPs,
  F.objectRef,
  F.resource,
  F.subresource,
  F.apiGroup,
  F.namespace,
  F.name,
  F.user,
  F.username,
  F.extra,
  F.pod,
  F.node,
  F.impersonatedUser,
  F.impersonatedUsername,
  F.responseStatus,
  F.code,
  F.annotations,
  F.decision,
  F.metadata,
  F.creationTimestamp,
  F.apiVersion,
  F.requestObject,
  F.responseObject,
];

/** Buffer's latin1Slice, without toString's checks: the walk has checked the bytes are ASCII and the bounds are the line's. */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: (start: number, end: number) => string })
  .latin1Slice;
const latin1: (buf: Buffer, start: number, end: number) => string = latin1Slice
  ? (buf, start, end) => latin1Slice.call(buf, start, end)
  : (buf, start, end) => buf.toString('latin1', start, end);
/** The fewest bytes of a run of lines copied at once. */
const MIN_RUN_WINDOW = 16 << 10;
/** i32 per field slot: type, start, end, first element's type, string id, (pad), epoch ms (f64). */
const SLOT = 8;

let threadReader: WasmEventReader | null | undefined;

/** This thread's reader, made on first use (lines are read one at a time); null where WebAssembly cannot run. */
export function threadWasmReader(): WasmEventReader | null {
  if (threadReader === undefined) threadReader = createWasmEventReader();
  return threadReader;
}

/**
 * A reader, or null where WebAssembly cannot run (node --jitless, a policy that forbids it):
 * every line then goes to JSON.parse, as before the walk.
 */
export function createWasmEventReader(): WasmEventReader | null {
  const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly?: WasmApi };
  try {
    return wasm ? new WasmEventReader(wasm) : null;
  } catch {
    return null;
  }
}

/** Lines countRun counted: where they end, how many (and how many were not empty), and their formats (1: v1, 2: v1beta1). */
export interface CountedRun {
  end: number;
  lines: number;
  nonEmpty: number;
  formats: number;
}

/** A native audit Event read by WasmEventReader: its format, and its fields when it may read Secrets. */
export interface WasmEvent {
  format: RecordFormat;
  /** null when the event is no get, list or watch of Secrets (what readFromFields would answer null for). */
  fields: EventFields | null;
  /** Its verb and objectRef.resource are strings without escapes. */
  plain: boolean;
}

/**
 * Reads native audit Events (audit.k8s.io v1 or v1beta1, one JSON object per line) straight
 * from their bytes: a WebAssembly walk checks the line is one valid JSON object and finds the
 * fields' values, then only those values become strings. It answers exactly what JSON.parse
 * and fieldsOfEvent (native-event.ts) would, and leaves every other line to them (undefined):
 * invalid JSON, bytes outside ASCII, escaped keys, deep nesting, other formats' envelopes.
 */
export class WasmEventReader {
  readonly exports: Exports;
  private readonly line: number;
  /** The room for a line: past it, the request counter's tables. */
  private readonly lineRoom: number;
  private readonly list: number;
  private readonly ids: number;
  private readonly arena: number;
  /** Views of the walk's memory (made anew when the request counter grows it): lines longer than its room go to JSON.parse. */
  private buffer: ArrayBuffer;
  private bytes: Buffer;
  private slots: Int32Array;
  private times: Float64Array;
  /** The strings of the ids the walk gave, made on first use. */
  private kept: string[] = [];
  private buf: Buffer = Buffer.alloc(0);
  /** What countRun copies first: twice what its last run counted. */
  private runWindow = MIN_RUN_WINDOW;
  private start = 0;

  constructor(wasm: WasmApi) {
    const module = new wasm.Module(Buffer.from(RECORD_FIELDS_WASM, 'base64'));
    this.exports = new wasm.Instance(module, {}).exports as Exports;
    this.line = this.exports.lineOffset();
    this.list = this.exports.listOffset() / 4;
    this.ids = this.exports.idsOffset() / 4;
    this.arena = this.exports.arenaOffset();
    this.lineRoom = this.exports.counterConfigOffset() - this.line;
    const { buffer } = this.exports.memory;
    this.buffer = buffer;
    this.bytes = Buffer.from(buffer);
    this.slots = new Int32Array(buffer);
    this.times = new Float64Array(buffer);
    // The walk's tables hold 64 fields, 64 keys and 1 KiB of key names (record-fields.as.ts).
    const nameBytes = KEYS.reduce((n, [, key]) => n + Buffer.byteLength(key), 0);
    if (nextField > 64 || KEYS.length > 64 || nameBytes > 1024) throw new Error("the walk's key table is too small");
    const keys = new Int32Array(buffer, this.exports.keysOffset(), KEYS.length * 16);
    let names = this.exports.namesOffset();
    const nameBase = names;
    KEYS.forEach(([context, key, field, kind, child, flags = 0], k) => {
      const length = this.bytes.write(key, names, 'latin1');
      keys.set([context, names - nameBase, length, field, kind, child, flags], k * 16);
      names += length;
    });
    this.exports.setKeyCount(KEYS.length);
    new Int32Array(buffer, this.exports.counterConfigOffset(), TALLY_FIELDS.length).set(TALLY_FIELDS);
  }

  /** The memory's current buffer: the request counter grows it. */
  memory(): ArrayBuffer {
    const { buffer } = this.exports.memory;
    if (buffer !== this.buffer) {
      this.buffer = buffer;
      this.bytes = Buffer.from(buffer);
      this.slots = new Int32Array(buffer);
      this.times = new Float64Array(buffer);
    }
    return buffer;
  }

  /** The event on buf[start, end), or undefined when the line must go to JSON.parse. */
  read(buf: Buffer, start: number, end: number): WasmEvent | undefined {
    return this.walk(buf, start, end) ? this.event() : undefined;
  }

  /** Walks the line buf[start, end): false when it must go to JSON.parse. Until the next walk, event() reads it. */
  walk(buf: Buffer, start: number, end: number): boolean {
    const length = end - start;
    // Longer lines (past 1 MiB and a bit, rare) go to JSON.parse.
    if (length > this.lineRoom) return false;
    this.memory();
    buf.copy(this.bytes, this.line, start, end);
    const answer = this.exports.extract(length);
    if (answer & 2) this.kept = [];
    this.buf = buf;
    this.start = start;
    return (answer & 1) !== 0;
  }

  /**
   * Walks and counts, with the request counter (request-tally.ts), the lines of buf[start, end) one after the
   * other up to the first it leaves to the caller (wasm/record-fields.as.ts countRun). They are copied into the
   * walk's memory a window at a time: twice what the last run counted (at least 16 KiB; a run may end at its
   * first lines), and twice as large each time a run goes on past it. Answers where it stopped (end when it
   * counted them all), or null when it counted none.
   */
  countRun(buf: Buffer, start: number, end: number, maxLine: number): CountedRun | null {
    const run: CountedRun = { end: start, lines: 0, nonEmpty: 0, formats: 0 };
    const { exports } = this;
    for (let window = this.runWindow; run.end < end; window = Math.min(window * 2, this.lineRoom)) {
      const length = Math.min(end - run.end, window);
      this.memory();
      buf.copy(this.bytes, this.line, run.end, run.end + length);
      run.end += exports.countRun(length, maxLine);
      if (exports.runForgotIds()) this.kept = [];
      run.lines += exports.runLineCount();
      run.nonEmpty += exports.runNonEmptyCount();
      run.formats |= exports.runFormatBits();
      if (!exports.runReachedEnd()) break;
    }
    this.runWindow = Math.min(Math.max(MIN_RUN_WINDOW, 2 * (run.end - start)), this.lineRoom);
    return run.lines === 0 ? null : run;
  }

  /** The event walk() read, or undefined when the line must go to JSON.parse. */
  event(): WasmEvent | undefined {
    if (!this.isEvent()) return undefined;
    const format: RecordFormat = this.string(F.apiVersion) === 'audit.k8s.io/v1beta1' ? 'k8s-v1beta1' : 'k8s-v1';
    return { format, fields: this.fields(), plain: this.type(F.verb) === STRING && this.type(F.resource) === STRING };
  }

  /** The event walk() read is one of core Secrets with a request or response body (holdsSecretBody). */
  secretBody(): boolean {
    this.memory();
    if (this.type(F.requestObject) !== OBJECT && this.type(F.responseObject) !== OBJECT) return false;
    return (
      this.isEvent() &&
      this.type(F.objectRef) === OBJECT &&
      this.string(F.resource) === 'secrets' &&
      this.nonEmpty(F.apiGroup) === null
    );
  }

  /** When the event walk() read happened (eventTime), or null when it is no Event. */
  time(): number | null {
    return this.isEvent() ? eventTime(this.eventTimes()) : null;
  }

  /** The line walked is an audit Event (else JSON.parse tells what it is); its strings are readable after this. */
  private isEvent(): boolean {
    this.memory();
    this.makeKept();
    return this.type(F.auditID) !== 0 || this.string(F.kind) === 'Event';
  }

  /** The strings of the ids the walk gave since the last line, in order. */
  private makeKept(): void {
    const { kept, slots, bytes } = this;
    for (let id = kept.length, count = this.exports.keptCount(); id < count; id++) {
      const offset = this.arena + slots[this.ids + id * 2]!;
      const written = latin1(bytes, offset, offset + slots[this.ids + id * 2 + 1]!);
      // An escaped string's id is of its text as written (the walk checked it is valid JSON).
      kept.push(written.includes('\\') ? (JSON.parse(`"${written}"`) as string) : written);
    }
  }

  private fields(): EventFields | null {
    // readFromFields' own test, first, so that no string is made for a line that reads no Secret.
    const verb = this.string(F.verb);
    if (!isReadVerb(verb)) return null;
    if (this.type(F.objectRef) !== OBJECT || this.string(F.resource) !== 'secrets') return null;
    const subresource = this.nonEmpty(F.subresource);
    const apiGroup = this.nonEmpty(F.apiGroup);
    if (subresource !== null || apiGroup !== null) return null;
    const user = this.type(F.user) === OBJECT;
    const extra = user && this.type(F.extra) === OBJECT;
    const impersonated = this.type(F.impersonatedUser) === OBJECT;
    return {
      auditID: this.nonEmpty(F.auditID),
      stage: this.string(F.stage),
      verb,
      hasObjectRef: true,
      resource: 'secrets',
      subresource,
      apiGroup,
      namespace: this.nonEmpty(F.namespace),
      name: this.nonEmpty(F.name),
      requestURI: this.string(F.requestURI),
      username: user ? this.string(F.username) : undefined,
      impersonatedUsername: impersonated ? this.nonEmpty(F.impersonatedUsername) : null,
      pod: extra ? this.first(F.pod) : null,
      node: extra ? this.first(F.node) : null,
      credentialId: extra ? this.first(F.credentialId) : null,
      groups: user ? this.strings(F.groups) : [],
      impersonatedGroups: impersonated ? this.strings(F.impersonatedGroups) : [],
      sourceIPs: this.strings(F.sourceIPs),
      userAgent: this.nonEmpty(F.userAgent),
      code: this.type(F.responseStatus) === OBJECT ? this.number(F.code) : null,
      forbidden: this.type(F.annotations) === OBJECT && this.string(F.decision) === 'forbid',
      ...this.eventTimes(),
    };
  }

  private eventTimes(): EventTimes {
    return {
      requestReceivedTimestamp: this.timestamp(F.requestReceivedTimestamp),
      timestamp: this.timestamp(F.timestamp),
      stageTimestamp: this.timestamp(F.stageTimestamp),
      creationTimestamp: this.type(F.metadata) === OBJECT ? this.timestamp(F.creationTimestamp) : null,
    };
  }

  private type(field: number): number {
    return this.slots[field * SLOT]!;
  }

  /** The text of a string value of the line at [from, to), quotes included; id: its id from the walk, or -1. */
  private text(type: number, from: number, to: number, id: number): string | undefined {
    if (type === STRING) return id >= 0 ? this.kept[id] : latin1(this.buf, this.start + from + 1, this.start + to - 1);
    if (type === ESCAPED)
      return id >= 0 ? this.kept[id] : (JSON.parse(latin1(this.buf, this.start + from, this.start + to)) as string);
    return undefined;
  }

  private string(field: number): string | undefined {
    const at = field * SLOT;
    return this.text(this.slots[at]!, this.slots[at + 1]!, this.slots[at + 2]!, this.slots[at + 4]!);
  }

  private nonEmpty(field: number): string | null {
    return this.string(field) || null;
  }

  /** json-fields firstString: a string, or an array's first element. */
  private first(field: number): string | null {
    const at = field * SLOT;
    const type = this.slots[at]!;
    return (
      this.text(
        type === ARRAY ? this.slots[at + 3]! : type,
        this.slots[at + 1]!,
        this.slots[at + 2]!,
        this.slots[at + 4]!,
      ) || null
    );
  }

  /** json-fields stringArray: an array's string elements. */
  private strings(field: number): string[] {
    const at = field * SLOT;
    if (this.slots[at] !== ARRAY) return [];
    const out: string[] = [];
    const first = this.list + this.slots[at + 1]! * 4;
    for (let i = 0; i < this.slots[at + 2]!; i++) {
      const element = first + i * 4;
      out.push(
        this.text(this.slots[element]!, this.slots[element + 1]!, this.slots[element + 2]!, this.slots[element + 3]!)!,
      );
    }
    return out;
  }

  private number(field: number): number | null {
    const at = field * SLOT;
    if (this.slots[at] !== NUMBER) return null;
    // The walk reads integers of up to 15 digits (every status code); NaN leaves the text to Number().
    const integer = this.times[field * (SLOT / 2) + 3]!;
    if (!Number.isNaN(integer)) return integer;
    const value = Number(latin1(this.buf, this.start + this.slots[at + 1]!, this.start + this.slots[at + 2]!));
    return Number.isFinite(value) ? value : null;
  }

  private timestamp(field: number): number | null {
    const type = this.slots[field * SLOT]!;
    if (type === NUMBER) return parseTimestamp(this.number(field));
    if (type === STRING) {
      const ms = this.times[field * (SLOT / 2) + 3]!;
      if (!Number.isNaN(ms)) return ms;
    }
    return type === STRING || type === ESCAPED ? parseTimestamp(this.string(field)) : null;
  }
}
