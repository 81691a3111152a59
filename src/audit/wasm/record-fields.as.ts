// AssemblyScript, compiled to WebAssembly by scripts/build-wasm.mjs (not by tsc).
//
// Checks that one line of bytes is exactly one JSON object, as JSON.parse would accept it,
// and records where the values of a few declared key paths are, without building anything.
// The paths come from JavaScript (src/audit/wasm-event.ts writes them to the key table), so this
// file knows no field names. Whatever it cannot vouch for makes extract() answer 0, and
// the caller hands the line to JSON.parse: bytes outside ASCII (their UTF-8 is not checked
// here), escaped keys where keys are looked up, nesting deeper than MAX_DEPTH, a declared
// "bail" key (another format's envelope), too many array elements, and invalid JSON.

import { epochMs } from './timestamp.as';
import {
  COUNTER_BASE,
  indexOfByte,
  LINE as LAYOUT_LINE,
  LIST,
  SLOTS,
  sameBytes,
  bytesHash,
  SLOT_BYTES,
  TYPE_ARRAY,
  TYPE_ESCAPED,
  TYPE_FALSE,
  TYPE_NULL,
  TYPE_NUMBER,
  TYPE_OBJECT,
  TYPE_STRING,
  TYPE_TRUE,
} from './layout.as';


import { countLine, forgetWalkIds } from './request-tally.as';

export {
  tallyWordsOffset,
  keyOffset,
  tallyHolds,
  leaveToJavascript,
  countLine,
  counterReset,
  counterConfigOffset,
  queryTextOffset,
  queryTextRoom,
  counterStringsOffset,
  counterStringCount,
  counterArenaOffset,
  pendingOffset,
  pendingCapacity,
  cellsOffset,
  cellsUsed,
  membersOffset,
  membersUsed,
  targetsOffset,
  clearCells,
  finishedOffset,
  finishedCapacity,
  finishedTimesOffset,
  lateStages,
  secretBodyCount,
} from './request-tally.as';

// Slots (layout.as.ts): eight i32 per field, room for 64 fields before KEYS (wasm-event.ts checks it has no more).
/**
 * Key table entries, sixteen i32 each: context, name offset, name length, field, kind, child
 * context, flags, then (set by setKeyCount) the next entry (+1) of the same context and
 * length, and the next entry (+1) of the same context.
 */
const KEYS: usize = 2048;
const KEY_BYTES: i32 = 64;
const MAX_KEYS: i32 = 64;
/** Key names, as bytes. */
const NAMES: usize = 6144;
/** The first key table entry (+1) of each context and key length: 16 contexts of 64 lengths. */
const INDEX: usize = 7168;
const MAX_KEY_LENGTH: i32 = 63;
/** The first key table entry (+1) of each of the 16 contexts. */
const CONTEXTS: usize = 11264;
/** String elements of list fields (layout.as.ts): LIST_MAX of them. */
const LIST_MAX: i32 = 1024;
const MAX_DEPTH: i32 = 64;

/** Distinct strings seen, so that JavaScript makes each one once: an open-addressing table of (hash, offset, length, id) and their bytes. */
const TABLE_SLOTS: i32 = 1 << 14;
/** Past the compiler's own data (the build puts it at 32 KiB, and it is a few bytes: see setKeyCount). */
const TABLE: usize = 65536;
/** Each id's (offset, length) in the arena, for JavaScript to make the strings of new ids. */
const IDS: usize = TABLE + <usize>(TABLE_SLOTS * 16);
const ARENA: usize = IDS + <usize>(TABLE_SLOTS / 2) * 8;
/** The arena's 4 MiB hold EXPECTED too, at their end. */
const EXPECTED_BYTES: usize = 80 << 10;
const ARENA_BYTES: i32 = (4 << 20) - <i32>EXPECTED_BYTES;
/** Longer strings are not kept: they are rarely repeated. */
const MAX_KEPT: i32 = 256;
/**
 * The key expected in each context in each state: at the object's start (0), after key table entry k (k + 1), or
 * after a key not in the table (EXPECTED_STATES - 1). Each is the key that came there last time, as it was written
 * from its opening quote to the colon right after its closing one (up to EXPECTED_TEXT bytes, a plain string), and
 * what lookup() answered for it: a header of its length (0: none) and key table entry + 1 (0: not in the table).
 */
const EXPECTED: usize = ARENA + <usize>ARENA_BYTES;
const EXPECTED_STATES: i32 = MAX_KEYS + 2;
const EXPECTED_TEXT: i32 = 64;
const EXPECTED_HEADERS: usize = EXPECTED + <usize>(16 * EXPECTED_STATES * EXPECTED_TEXT);
/** Where the caller copies the line. */
const LINE: usize = EXPECTED + EXPECTED_BYTES;


const KIND_LEAF: i32 = 0;
const KIND_CONTAINER: i32 = 1;
const KIND_LIST: i32 = 2;
const KIND_FIRST: i32 = 3;
const KIND_BAIL: i32 = 4;

/**
 * Key flags: the value's string gets an id; the value is a timestamp read to epoch milliseconds; an integer read
 * to a number; the request counter reads the value by its id (request-tally.as.ts).
 */
const FLAG_KEEP: i32 = 1;
const FLAG_TIME: i32 = 2;
const FLAG_NUMBER: i32 = 4;
const FLAG_COUNTED: i32 = 8;

/** While the request counter counts, only the strings it reads get ids: JavaScript makes the others from their bytes. */
let countedOnly = false;

export function setCountedOnly(on: i32): void {
  countedOnly = on != 0;
}

@inline function keeps(flags: i32): bool {
  return (flags & FLAG_KEEP) != 0 && (!countedOnly || (flags & FLAG_COUNTED) != 0);
}

/** The context of the object values no declared path leads into. */
const UNTRACKED: i32 = 0;
const TOP: i32 = 1;

let keyCount: i32 = 0;
/** Fields the keys name: 0 to fieldCount - 1. */
let fieldCount: i32 = 0;
let pos: i32 = 0;
let end: i32 = 0;
let listCount: i32 = 0;
let kept: i32 = 0;
let arenaUsed: i32 = 0;

export function lineOffset(): usize {
  return LINE;
}
export function keysOffset(): usize {
  return KEYS;
}
export function namesOffset(): usize {
  return NAMES;
}
export function listOffset(): usize {
  return LIST;
}
export function idsOffset(): usize {
  return IDS;
}
export function arenaOffset(): usize {
  return ARENA;
}
/** Ids given since the table was last forgotten: 0 to keptCount() - 1. */
export function keptCount(): i32 {
  return kept;
}

/** Called once the key table is written: links each context's keys, and its keys of each length. */
export function setKeyCount(count: i32): void {
  if (__heap_base > TABLE || LINE != LAYOUT_LINE || LINE + (1 << 20) > COUNTER_BASE) unreachable();
  if (EXPECTED_HEADERS + <usize>(16 * EXPECTED_STATES * 4) > LINE) unreachable();
  keyCount = count < MAX_KEYS ? count : MAX_KEYS;
  fieldCount = 0;
  for (let k = 0; k < keyCount; k++) fieldCount = max(fieldCount, keyField(k, 3) + 1);
  memory.fill(INDEX, 0, 16 * 64 * 4);
  memory.fill(CONTEXTS, 0, 16 * 4);
  memory.fill(EXPECTED_HEADERS, 0, <usize>(16 * EXPECTED_STATES * 4));
  for (let k = keyCount - 1; k >= 0; k--) {
    const context = keyField(k, 0) & 15;
    const contextHead = CONTEXTS + <usize>(context * 4);
    store<i32>(KEYS + <usize>(k * KEY_BYTES + 32), load<i32>(contextHead));
    store<i32>(contextHead, k + 1);
    const length = keyField(k, 2);
    if (length > MAX_KEY_LENGTH) continue;
    const head = INDEX + <usize>((context * 64 + length) * 4);
    store<i32>(KEYS + <usize>(k * KEY_BYTES + 28), load<i32>(head));
    store<i32>(head, k + 1);
  }
}

/**
 * Past the colon when the line at p holds the text of the key expected in `state` (EXPECTED), else -1. Then
 * object() would read there that same plain key string, then a colon, and lookup() would answer what it did.
 */
@inline function matchExpected(state: i32, p: i32, stop: i32): i32 {
  const length = load<i32>(EXPECTED_HEADERS + <usize>(state * 4)) & 0xff;
  if (length == 0 || p + length > stop) return -1;
  const text = EXPECTED + <usize>(state * EXPECTED_TEXT);
  const line = LINE + <usize>p;
  let i = 0;
  for (; i + 16 < length; i += 16)
    if (i8x16.bitmask(i8x16.eq(v128.load(line + <usize>i), v128.load(text + <usize>i))) != 0xffff) return -1;
  const same = i8x16.bitmask(i8x16.eq(v128.load(line + <usize>i), v128.load(text + <usize>i)));
  return (~same & ((1 << (length - i)) - 1)) == 0 ? p + length : -1;
}

/** The key at [at, colon] of the line (a plain string, then its colon) is what comes in `state`, lookup() answering k. */
function expect(state: i32, at: i32, colon: i32, k: i32): void {
  const length = colon + 1 - at;
  if (length > EXPECTED_TEXT) return;
  memory.copy(EXPECTED + <usize>(state * EXPECTED_TEXT), LINE + <usize>at, <usize>length);
  store<i32>(EXPECTED_HEADERS + <usize>(state * 4), length | ((k + 1) << 8));
}

@inline function byteAt(i: i32): u32 {
  return <u32>load<u8>(LINE + <usize>i);
}


@inline function keyField(k: i32, word: i32): i32 {
  return load<i32>(KEYS + <usize>(k * KEY_BYTES + word * 4));
}

@inline function setSlot(field: i32, word: i32, value: i32): void {
  store<i32>(SLOTS + <usize>(field * SLOT_BYTES + word * 4), value);
}

/**
 * Reads the line of `length` bytes at LINE. Returns 0 when JSON.parse must read it, else 1
 * when it is one JSON object the slots describe, plus 2 when the string ids were forgotten
 * before it (the table was full): ids start again from 0.
 */
export function extract(length: i32): i32 {
  return extractAt(0, length);
}

/** extract() of the line at [start, stop) of LINE: the slots tell where its values are in LINE. */
function extractAt(start: i32, stop: i32): i32 {
  let forgot = 0;
  if (kept >= TABLE_SLOTS / 2 || arenaUsed > ARENA_BYTES - (stop - start)) {
    memory.fill(TABLE, 0, <usize>(TABLE_SLOTS * 16));
    kept = 0;
    arenaUsed = 0;
    forgot = 2;
    forgetWalkIds();
  }
  for (let f = 0; f < fieldCount; f++) setSlot(f, 0, 0);
  pos = start;
  end = stop;
  listCount = 0;
  skipSpace();
  if (pos >= end || byteAt(pos) != 0x7b) return forgot;
  if (!object(TOP, 1)) return forgot;
  skipSpace();
  return pos == end ? 1 | forgot : forgot;
}

/** What countRun read: lines, the non-empty among them, formats (1: audit.k8s.io/v1, 2: v1beta1), and whether the string ids were forgotten (2). */
let runLines = 0;
let runNonEmpty = 0;
let runFormats = 0;
let runForgot = 0;
let runAtEnd = 0;

export function runLineCount(): i32 {
  return runLines;
}
export function runNonEmptyCount(): i32 {
  return runNonEmpty;
}
export function runFormatBits(): i32 {
  return runFormats;
}
export function runForgotIds(): i32 {
  return runForgot;
}
/** Whether countRun stopped at the bytes' end (the last line, of at most maxLine bytes, may go on past them). */
export function runReachedEnd(): i32 {
  return runAtEnd;
}

/**
 * Walks and counts (request-tally.as.ts countLine) the lines of the `length` bytes at LINE, one after the other,
 * up to the first it cannot count itself: one past `maxLine` bytes, one the walk leaves to JSON.parse, one the
 * counter leaves to JavaScript or has no room for, or the bytes' end (runReachedEnd: a line may go on after it).
 * Returns where it stopped; empty lines (or a carriage return alone) are passed over.
 */
export function countRun(length: i32, maxLine: i32): i32 {
  runLines = 0;
  runNonEmpty = 0;
  runFormats = 0;
  runForgot = 0;
  runAtEnd = 0;
  let at = 0;
  while (at < length) {
    const newline = indexOfByte(LINE, at, length, 0x0a);
    if (newline < 0) {
      runAtEnd = length - at <= maxLine ? 1 : 0;
      return at;
    }
    const size = newline - at;
    if (size != 0 && !(size == 1 && byteAt(at) == 0x0d)) {
      if (size > maxLine) return at;
      const walked = extractAt(at, newline);
      runForgot |= walked & 2;
      if ((walked & 1) == 0) return at;
      const counted = countLine(size);
      if ((counted & 1) == 0) return at;
      runFormats |= counted & 2 ? 2 : 1;
      runNonEmpty++;
    }
    runLines++;
    at = newline + 1;
  }
  runAtEnd = 1;
  return at;
}

@inline function skipSpace(): void {
  pos = spaceFrom(pos, end);
}

/** The first byte at or past p that is no JSON space (stop if none); bytes above the space are tested first: they are most. */
@inline function spaceFrom(p: i32, stop: i32): i32 {
  while (p < stop) {
    const b = byteAt(p);
    if (b > 0x20 || (b != 0x20 && b != 0x0a && b != 0x0d && b != 0x09)) break;
    p++;
  }
  return p;
}

/** At a '{': the object's members, keys looked up in `context`. */
function object(context: i32, depth: i32): bool {
  // The position in a local, not the global pos, between members: the global is for member().
  const stop = end;
  let p = spaceFrom(pos + 1, stop);
  if (p < stop && byteAt(p) == 0x7d) {
    pos = p + 1;
    return true;
  }
  // Keys are looked up in the states of EXPECTED: the key expected in this one comes first.
  const states = (context & 15) * EXPECTED_STATES;
  let state = states;
  while (true) {
    if (p >= stop || byteAt(p) != 0x22) return false;
    let k = -1;
    const matched = context != UNTRACKED ? matchExpected(state, p, stop) : -1;
    if (matched >= 0) {
      k = (load<i32>(EXPECTED_HEADERS + <usize>(state * 4)) >> 8) - 1;
      p = matched;
    } else {
      const keyStart = p + 1;
      const scanned = stringEnd(p, stop);
      if (scanned < 0) return false;
      p = scanned & ~ESCAPED_BIT;
      if (context != UNTRACKED) {
        if (scanned & ESCAPED_BIT) return false;
        k = lookup(context, keyStart, p - 1);
        if (p < stop && byteAt(p) == 0x3a) expect(state, keyStart - 1, p, k);
      }
      p = spaceFrom(p, stop);
      if (p >= stop || byteAt(p) != 0x3a) return false;
      p++;
    }
    state = states + (k >= 0 ? k + 1 : EXPECTED_STATES - 1);
    p = spaceFrom(p, stop);
    if (p < stop && byteAt(p) == 0x22) {
      // Most values are strings: read here, without value()'s calls.
      const valueEnd = stringEnd(p, stop);
      if (valueEnd < 0) return false;
      const after = valueEnd & ~ESCAPED_BIT;
      if (k >= 0 && !stringMember(k, valueEnd & ESCAPED_BIT ? TYPE_ESCAPED : TYPE_STRING, p, after)) return false;
      p = after;
    } else {
      pos = p;
      if (!member(k, depth)) return false;
      p = pos;
    }
    const next = separator(p, stop, 0x7d);
    if (next != MORE) return next == CLOSED;
    p = pos;
  }
}

/** What comes after a member or element (separator()): more of them, the closing bracket, anything else. */
const MORE = 1;
const CLOSED = 2;

/** After a member or element at p: MORE (pos past the comma and the spaces after it), CLOSED (pos past `close`), or 0. */
@inline function separator(p: i32, stop: i32, close: u32): i32 {
  p = spaceFrom(p, stop);
  if (p >= stop) return 0;
  const b = byteAt(p);
  if (b == close) {
    pos = p + 1;
    return CLOSED;
  }
  if (b != 0x2c) return 0;
  pos = spaceFrom(p + 1, stop);
  return MORE;
}

/** The key table entry for the key at [start, end) of the line in `context`, or -1. */
function lookup(context: i32, start: i32, stop: i32): i32 {
  const length = stop - start;
  if (length > MAX_KEY_LENGTH) return -1;
  for (let next = load<i32>(INDEX + <usize>(((context & 15) * 64 + length) * 4)); next != 0; ) {
    const k = next - 1;
    if (sameBytes(NAMES + <usize>keyField(k, 1), LINE + <usize>start, length)) return k;
    next = keyField(k, 7);
  }
  return -1;
}

/** Forgets what was recorded under `context`: a repeated key's last value wins whole, as in JSON.parse. */
function clearContext(context: i32): void {
  for (let next = load<i32>(CONTEXTS + <usize>((context & 15) * 4)); next != 0; ) {
    const k = next - 1;
    setSlot(keyField(k, 3), 0, 0);
    if (keyField(k, 4) == KIND_CONTAINER) clearContext(keyField(k, 5));
    next = keyField(k, 8);
  }
}

/** A member's value; k is its key's table entry, or -1. */
function member(k: i32, depth: i32): bool {
  if (k < 0) return value(UNTRACKED, -1, KIND_LEAF, 0, depth) >= 0;
  const kind = keyField(k, 4);
  if (kind == KIND_BAIL) return false;
  const field = keyField(k, 3);
  let context = UNTRACKED;
  if (kind == KIND_CONTAINER) {
    context = keyField(k, 5);
    clearContext(context);
  }
  const start = pos;
  const flags = keyField(k, 6);
  const type = value(context, field, kind, flags, depth);
  if (type < 0) return false;
  record(field, kind, flags, type, start, pos);
  return true;
}

/** member() of a string value at [start, stop) of the line, read already. */
function stringMember(k: i32, type: i32, start: i32, stop: i32): bool {
  const kind = keyField(k, 4);
  if (kind == KIND_BAIL) return false;
  if (kind == KIND_CONTAINER) clearContext(keyField(k, 5));
  record(keyField(k, 3), kind, keyField(k, 6), type, start, stop);
  return true;
}

/** What a member's slot gets of its value of `type` at [start, stop) of the line. */
@inline function record(field: i32, kind: i32, flags: i32, type: i32, start: i32, stop: i32): void {
  setSlot(field, 0, type);
  if (type == TYPE_ARRAY && (kind == KIND_LIST || kind == KIND_FIRST)) return;
  setSlot(field, 1, start);
  setSlot(field, 2, stop);
  if (type == TYPE_STRING || type == TYPE_ESCAPED) noteString(field, type, flags, start, stop);
  else if (type == TYPE_NUMBER && flags & FLAG_NUMBER) store<f64>(SLOTS + <usize>(field * SLOT_BYTES + 24), integer(start, stop));
}

/** The value of a JSON number at [start, stop) when it is an integer of up to 15 digits, else NaN (the caller reads the text). */
function integer(start: i32, stop: i32): f64 {
  const negative = byteAt(start) == 0x2d;
  const first = negative ? start + 1 : start;
  if (stop - first > 15) return NaN;
  let n: i64 = 0;
  for (let i = first; i < stop; i++) {
    const b = byteAt(i);
    if (!isDigit(b)) return NaN;
    n = n * 10 + <i64>(b - 0x30);
  }
  return negative ? -(<f64>n) : <f64>n;
}

/**
 * What a string value's slot gets besides its span: its id, and its time when plain. Escaped values repeat
 * too (Go writes every & of a request URI as \u0026): their id is of their bytes as written. (Escaped list
 * elements get none: they are rare.)
 */
function noteString(field: i32, type: i32, flags: i32, start: i32, stop: i32): void {
  setSlot(field, 4, keeps(flags) ? keep(start + 1, stop - 1) : -1);
  // While the request counter counts, it reads the one time it needs itself (JavaScript parses the text).
  if (type == TYPE_STRING && flags & FLAG_TIME)
    store<f64>(SLOTS + <usize>(field * SLOT_BYTES + 24), countedOnly ? NaN : epochMs(start + 1, stop - 1));
}

/**
 * The id of the string at [start, stop) of the line: the same for the same bytes until the table is next
 * forgotten; -1 when too long. The bytes are the string as written: JavaScript decodes those with a backslash.
 */
function keep(start: i32, stop: i32): i32 {
  const length = stop - start;
  // A line can hold more new strings than the table takes (a key repeated thousands of times): those get no id.
  if (length > MAX_KEPT || kept >= TABLE_SLOTS / 2 || arenaUsed + length > ARENA_BYTES) return -1;
  const bytes = LINE + <usize>start;
  const h = bytesHash(bytes, length);
  const mask = <u32>(TABLE_SLOTS - 1);
  for (let at = h & mask; ; at = (at + 1) & mask) {
    const slot = TABLE + <usize>(at * 16);
    const hash = load<u32>(slot);
    if (hash == 0) {
      const offset = arenaUsed;
      memory.copy(ARENA + <usize>offset, bytes, <usize>length);
      arenaUsed += length;
      store<u32>(slot, h);
      store<i32>(slot + 4, offset);
      store<i32>(slot + 8, length);
      store<i32>(slot + 12, kept);
      store<i32>(IDS + <usize>(kept * 8), offset);
      store<i32>(IDS + <usize>(kept * 8 + 4), length);
      return kept++;
    }
    if (hash == h && load<i32>(slot + 8) == length && sameBytes(ARENA + <usize>load<i32>(slot + 4), bytes, length))
      return load<i32>(slot + 12);
  }
  return -1;
}

/** Any JSON value; returns its type or -1. `context` is used if it is an object, `field`, `kind` and `flags` if it is an array. */
function value(context: i32, field: i32, kind: i32, flags: i32, depth: i32): i32 {
  if (pos >= end) return -1;
  const b = byteAt(pos);
  if (b == 0x22) return string();
  if (b == 0x7b) {
    if (depth >= MAX_DEPTH) return -1;
    return object(context, depth + 1) ? TYPE_OBJECT : -1;
  }
  if (b == 0x5b) {
    if (depth >= MAX_DEPTH) return -1;
    return array(field, kind, flags, depth + 1) ? TYPE_ARRAY : -1;
  }
  if (b == 0x74) return word(0x74727565, 4) ? TYPE_TRUE : -1;
  if (b == 0x66) return word(0x616c7365, 5) ? TYPE_FALSE : -1;
  if (b == 0x6e) return word(0x6e756c6c, 4) ? TYPE_NULL : -1;
  return number() ? TYPE_NUMBER : -1;
}

/** true, false or null: `tail` holds the last four letters, big-endian. */
function word(tail: u32, length: i32): bool {
  if (pos + length > end) return false;
  const at = pos + length - 4;
  const got = (byteAt(at) << 24) | (byteAt(at + 1) << 16) | (byteAt(at + 2) << 8) | byteAt(at + 3);
  if (got != tail) return false;
  pos += length;
  return true;
}

/**
 * At a '[': its elements. For a list field, string elements go to LIST (slot start: first
 * index, end: count); for a first-element field, the first element's type and span go to
 * the slot (aux: type).
 */
function array(listField: i32, kind: i32, flags: i32, depth: i32): bool {
  if (kind == KIND_LIST) {
    setSlot(listField, 1, listCount);
    setSlot(listField, 2, 0);
  } else if (kind == KIND_FIRST) setSlot(listField, 3, 0);
  const stop = end;
  pos = spaceFrom(pos + 1, stop);
  if (pos < stop && byteAt(pos) == 0x5d) {
    pos++;
    return true;
  }
  let index = 0;
  while (true) {
    const start = pos;
    let type = TYPE_STRING;
    if (start < stop && byteAt(start) == 0x22) {
      const valueEnd = stringEnd(start, stop);
      if (valueEnd < 0) return false;
      if (valueEnd & ESCAPED_BIT) type = TYPE_ESCAPED;
      pos = valueEnd & ~ESCAPED_BIT;
    } else type = value(UNTRACKED, -1, KIND_LEAF, 0, depth);
    if (type < 0) return false;
    if (kind == KIND_LIST && (type == TYPE_STRING || type == TYPE_ESCAPED)) {
      if (listCount >= LIST_MAX) return false;
      const at = LIST + <usize>(listCount * 16);
      store<i32>(at, type);
      store<i32>(at + 4, start);
      store<i32>(at + 8, pos);
      store<i32>(at + 12, type == TYPE_STRING && keeps(flags) ? keep(start + 1, pos - 1) : -1);
      listCount++;
      const count = SLOTS + <usize>(listField * SLOT_BYTES + 8);
      store<i32>(count, load<i32>(count) + 1);
    } else if (kind == KIND_FIRST && index == 0) {
      setSlot(listField, 3, type);
      setSlot(listField, 1, start);
      setSlot(listField, 2, pos);
      if (type == TYPE_STRING || type == TYPE_ESCAPED) noteString(listField, type, flags, start, pos);
    }
    index++;
    const next = separator(pos, stop, 0x5d);
    if (next != MORE) return next == CLOSED;
  }
}

/**
 * At a '"': past the closing quote. TYPE_STRING when the contents are plain, TYPE_ESCAPED
 * when they hold escapes, -1 for invalid JSON or a byte outside ASCII.
 */
function string(): i32 {
  const scanned = stringEnd(pos, end);
  if (scanned < 0) return -1;
  pos = scanned & ~ESCAPED_BIT;
  return scanned & ESCAPED_BIT ? TYPE_ESCAPED : TYPE_STRING;
}

/** Set in stringEnd's answer when the string holds escapes (lines are shorter than 2^30 bytes). */
const ESCAPED_BIT: i32 = 1 << 30;

/**
 * The string at the '"' at p, of the line's bytes before stop: past its closing quote, plus ESCAPED_BIT when
 * it holds escapes; -1 for invalid JSON or a byte outside ASCII.
 */
@inline function stringEnd(at: i32, stop: i32): i32 {
  let p = at + 1;
  let escaped = false;
  const quote = i8x16.splat(0x22);
  const backslash = i8x16.splat(0x5c);
  const space = i8x16.splat(0x20);
  while (true) {
    // Sixteen bytes at a time to the next quote, backslash, control byte or non-ASCII byte
    // (negative as signed bytes, so below the space).
    while (p + 16 <= stop) {
      const v = v128.load(LINE + <usize>p);
      const special = v128.or(v128.or(i8x16.eq(v, quote), i8x16.eq(v, backslash)), i8x16.lt_s(v, space));
      const mask = i8x16.bitmask(special);
      if (mask != 0) {
        p += ctz(mask);
        break;
      }
      p += 16;
    }
    if (p >= stop) return -1;
    const b = byteAt(p);
    if (b == 0x22) return escaped ? (p + 1) | ESCAPED_BIT : p + 1;
    if (b == 0x5c) {
      escaped = true;
      if (p + 1 >= stop) return -1;
      const c = byteAt(p + 1);
      if (c == 0x75) {
        if (p + 6 > stop) return -1;
        for (let i = p + 2; i < p + 6; i++) if (!isHex(byteAt(i))) return -1;
        p += 6;
      } else if (
        c == 0x22 ||
        c == 0x5c ||
        c == 0x2f ||
        c == 0x62 ||
        c == 0x66 ||
        c == 0x6e ||
        c == 0x72 ||
        c == 0x74
      )
        p += 2;
      else return -1;
      continue;
    }
    if (b < 0x20 || b >= 0x80) return -1;
    p++;
  }
  return -1;
}

@inline function isHex(b: u32): bool {
  return (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x66);
}

@inline function isDigit(b: u32): bool {
  return b >= 0x30 && b <= 0x39;
}

/** A JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
function number(): bool {
  if (pos < end && byteAt(pos) == 0x2d) pos++;
  if (pos >= end) return false;
  let b = byteAt(pos);
  if (b == 0x30) pos++;
  else if (b >= 0x31 && b <= 0x39) {
    pos++;
    while (pos < end && isDigit(byteAt(pos))) pos++;
  } else return false;
  if (pos < end && byteAt(pos) == 0x2e) {
    pos++;
    if (!digits()) return false;
  }
  if (pos < end) {
    b = byteAt(pos);
    if (b == 0x65 || b == 0x45) {
      pos++;
      if (pos < end && (byteAt(pos) == 0x2b || byteAt(pos) == 0x2d)) pos++;
      if (!digits()) return false;
    }
  }
  return true;
}

/** One or more digits. */
function digits(): bool {
  const start = pos;
  while (pos < end && isDigit(byteAt(pos))) pos++;
  return pos > start;
}
