// AssemblyScript: counts the Secret reads of lines the walk (record-fields.as.ts) has read, in place, as
// request-counter.ts and aggregate.ts would count them, without a string or an object in JavaScript per line.
// src/audit/request-tally.ts drives it and hands its state over to those JavaScript counters when they
// read a stage of a request it holds, when a table is full, and at the end. A request they read first is
// theirs: it is noted in the finished table, flagged (JAVASCRIPTS), and its stages are left to them.
//
// What it keeps:
// - strings: each distinct user, namespace, name, user agent, pod, node and source IP, by id;
// - pending: requests whose final stage has not come, by auditID (a UUID, packed) and fingerprint;
// - cells: counted requests, by their subject and outcome, and by the Secret, verb, first source IP or user
//   agent when the report's rows are grouped by it: a count, stages, the first and last time; their pods,
//   nodes, and the Secrets, user agents, verbs and source IPs past the cell's first request's are its
//   members (the report only gathers them);
// - finished: requests handed on, in request-counter.ts's FinishedRequests layout, hash and growth,
//   so that JavaScript takes the table over (but for the flagged entries) without hashing anew.
//
// countLine answers 0 for a line it leaves to JavaScript: anything past what it vouches for (an escape or
// a byte outside ASCII in a field it reads, a value of another type, a timestamp in another form, a
// selector to decode past ASCII, more than four source IPs).
import {
  COUNTER_BASE,
  LINE,
  LIST,
  TYPE_ARRAY,
  TYPE_ESCAPED,
  TYPE_NUMBER,
  TYPE_OBJECT,
  TYPE_STRING,
  indexOfByte,
  bytesHash,
  lineByte,
  sameBytes,
  slotNumber,
  slotWord,
} from './layout.as';
import { epochMs } from './timestamp.as';

/** Slot indices of the walk's fields, written by JavaScript (FIELD_* order), then the query's namespace and name bytes. */
const CONFIG: usize = COUNTER_BASE;
const CONFIG_BYTES: usize = 4096;
const QUERY_TEXT: usize = CONFIG + 256;
/** Room for the query's namespace and name at QUERY_TEXT. */
const QUERY_TEXT_BYTES: i32 = 3072;

/** The strings' set: (hash, id) pairs, in a table that starts small (in the cache) and doubles at half full. */
const STRING_SLOTS: i32 = 1 << 18;
const FIRST_STRING_SLOTS: i32 = 1 << 14;
const MAX_STRINGS: i32 = STRING_SLOTS / 2;
const STRING_TABLE: usize = CONFIG + CONFIG_BYTES;
const STRING_IDS: usize = STRING_TABLE + <usize>(STRING_SLOTS * 8);
/** Per id: offset, length, FNV-1a of the bytes (for fingerprints), the set's hash. */
const STRING_ARENA: usize = STRING_IDS + <usize>(MAX_STRINGS * 16);
const ARENA_BYTES: i32 = 8 << 20;
/** A request URI decoded (JSON escapes, percent-encoding). */
const SCRATCH: usize = STRING_ARENA + <usize>ARENA_BYTES;
const SCRATCH_BYTES: i32 = 64 << 10;
/** The line's read, REC_WORDS i32. */
const REC: usize = SCRATCH + <usize>SCRATCH_BYTES;
/** The counter's id of each id the walk gave a string (record-fields.as.ts keep()), +1; 0 when not looked up yet. */
const WALK_IDS: usize = REC + 256;
const WALK_ID_COUNT: i32 = 8192;
/**
 * Pending requests: entries of PENDING_BYTES, reused last freed first so that the few in use stay in the
 * cache, found through an index of (hash, entry) pairs twice their number.
 */
const PENDING_MAX: i32 = 1 << 15;
const PENDING_BYTES: i32 = 128;
const PENDING: usize = WALK_IDS + <usize>(WALK_ID_COUNT * 4);
const PENDING_FREE: usize = PENDING + <usize>(PENDING_MAX * PENDING_BYTES);
const PENDING_INDEX: usize = PENDING_FREE + <usize>(PENDING_MAX * 4);
const PENDING_SLOTS: i32 = PENDING_MAX * 2;
/** Cells, one after the other, found through an index of (hash, cell) pairs twice their number. */
const CELL_MAX: i32 = 1 << 14;
const CELL_BYTES: i32 = 72;
const CELLS: usize = PENDING_INDEX + <usize>(PENDING_SLOTS * 8);
const CELL_INDEX: usize = CELLS + <usize>(CELL_MAX * CELL_BYTES);
const CELL_SLOTS: i32 = CELL_MAX * 2;
/** Members, each (cell << 32 | kind << 29 | id) + 1, one after the other, and a set of them twice their number. */
const MEMBER_MAX: i32 = 1 << 16;
const MEMBERS: usize = CELL_INDEX + <usize>(CELL_SLOTS * 8);
const MEMBER_INDEX: usize = MEMBERS + <usize>(MEMBER_MAX * 8);
const MEMBER_SLOTS: i32 = MEMBER_MAX * 2;
/**
 * Secrets as a read names them (scope, namespace id, name id), for the members that name them: one after the
 * other, found through an index of (hash, target) pairs twice their number.
 */
const TARGET_MAX: i32 = 1 << 14;
const TARGET_BYTES: i32 = 12;
const TARGETS: usize = MEMBER_INDEX + <usize>(MEMBER_SLOTS * 8);
const TARGET_INDEX: usize = TARGETS + <usize>(TARGET_MAX * TARGET_BYTES);
const TARGET_SLOTS: i32 = TARGET_MAX * 2;
const FINISHED: usize = TARGET_INDEX + <usize>(TARGET_SLOTS * 8);

/**
 * A read's words: ids are -1 for null. Words 0 to 9 hold all a report row may be grouped by (the subject,
 * the Secret, the verb, the first source IP, the user agent) and what it counts of its outcome: a cell's
 * key is those of them in keyWords (the others are its first request's). Its pod, node and further source IPs
 * are the cell's members, and so are its verb, Secret, first source IP and user agent where they differ from
 * those of the cell's first request (never in the key's words): the report only gathers them.
 */
const R_USER = 0;
const R_IMPERSONATED = 1;
const R_VERB = 2;
const R_SCOPE = 3;
const R_NAMESPACE = 4;
const R_NAME = 5;
const R_AGENT = 6;
const R_DENIED = 7;
const R_OUTCOME = 8;
const R_FIRST_IP = 9;
const R_POD = 10;
const R_NODE = 11;
const R_IPS = 12;
const R_IP = 13;
const MAX_IPS = 4;
const R_CODE = 17;
const R_HAS_CODE = 18;
const R_FORMAT = 19;
const REC_WORDS = 20;
const KEY_WORDS = 10;
/** R_OUTCOME: 0 answered, 1 denied, 2 no response logged, 3 failed. */
const OUTCOME_NO_RESPONSE = 2;
/** Kinds of members: their ids are string ids, but a verb's (0 get, 1 list, 2 watch). */
const MEMBER_POD: u64 = 0;
const MEMBER_NODE: u64 = 1;
const MEMBER_IP: u64 = 2;
const MEMBER_AGENT: u64 = 3;
const MEMBER_VERB: u64 = 4;
/** Its id: a target's (TARGETS). */
const MEMBER_SECRET: u64 = 5;
/** A read's members at most: its pod, node, source IPs, user agent, verb and Secret. */
const MEMBERS_OF_READ = 5 + MAX_IPS;

/** Pending entry words: UUID (4, from P_KEY), fingerprint, used, stages, rank, arrival, (pad), time (f64 at word 10), read at word 12. */
const P_KEY = 0;
const P_FINGERPRINT = 4;
const P_USED = 5;
const P_STAGES = 6;
const P_RANK = 7;
const P_ARRIVAL = 8;
const P_TIME = 10;
const P_READ = 12;
/** Cell words: tag, count, stages, a code of its outcome, first (f64 at word 4), last (f64 at word 6), key at word 8. */
const C_TAG = 0;
const C_COUNT = 1;
const C_EVENTS = 2;
const C_CODE = 3;
const C_FIRST = 4;
const C_LAST = 6;
const C_KEY = 8;

/** Field indices in CONFIG. */
const FIELD_AUDIT_ID = 0;
const FIELD_STAGE = 1;
const FIELD_VERB = 2;
const FIELD_URI = 3;
const FIELD_AGENT = 4;
const FIELD_RECEIVED = 5;
const FIELD_TIMESTAMP = 6;
const FIELD_STAGE_TIMESTAMP = 7;
const FIELD_SOURCE_IPS = 8;
const FIELD_OBJECT_REF = 9;
const FIELD_RESOURCE = 10;
const FIELD_SUBRESOURCE = 11;
const FIELD_API_GROUP = 12;
const FIELD_NAMESPACE = 13;
const FIELD_NAME = 14;
const FIELD_USER = 15;
const FIELD_USERNAME = 16;
const FIELD_EXTRA = 17;
const FIELD_POD = 18;
const FIELD_NODE = 19;
const FIELD_IMPERSONATED = 20;
const FIELD_IMPERSONATED_NAME = 21;
const FIELD_STATUS = 22;
const FIELD_CODE = 23;
const FIELD_ANNOTATIONS = 24;
const FIELD_DECISION = 25;
const FIELD_METADATA = 26;
const FIELD_CREATED = 27;
const FIELD_API_VERSION = 28;
const FIELD_REQUEST_OBJECT = 29;
const FIELD_RESPONSE_OBJECT = 30;

/** request-counter.ts's flags. */
const COUNTED: u32 = 1 << 3;
const IMPERSONATING: u32 = 1 << 4;
/** In the tally's table only: a request JavaScript counts, not handed on here (request-tally.ts leaves it out when it takes the table). */
const JAVASCRIPTS: u32 = 1 << 5;
const USED: u32 = 0x80;

const SCOPE_NAMED = 0;
const SCOPE_FIELD_SELECTED = 1;
const SCOPE_NAMESPACE = 2;
const SCOPE_CLUSTER = 3;

/** countLine's answers besides 0 (JavaScript reads the line). */
const COUNTED_LINE = 1;
const V1BETA1 = 2;
const HAND_OVER = 4;
const CELLS_FULL = 8;
/** What a field reader answers besides an id: null, or "JavaScript must read the line". */
const NONE = -1;
const DECLINE = -2;
/** queryNamespace and queryName when the query names none (no string has this id). */
const NOT_ASKED = -2;

let segment = false;
let deniedOnly = false;
let verbMask = 7;
let since: f64 = NaN;
let until: f64 = NaN;
let queryNamespace = NOT_ASKED;
let queryName = NOT_ASKED;
let strings = 0;
let stringSlots = FIRST_STRING_SLOTS;
let arenaUsed = 0;
let pendingUsed = 0;
/** Entries ever used since counterReset, and how many of them are free (on PENDING_FREE). */
let pendingTop = 0;
let pendingFree = 0;
let cellCount = 0;
/** Set by counterReset: the Secret reads the query asks for are all left to JavaScript. */
let filterOnly = false;
/** A cell's count and stages are i32 words: once one reaches CELL_COUNT_LIMIT, the cells are taken before it could wrap. */
const CELL_COUNT_LIMIT: i32 = 1 << 30;
let cellAtLimit = false;
let targetCount = 0;
/** A bit for each word of a read (below KEY_WORDS) in a cell's key. */
let keyWords = (1 << KEY_WORDS) - 1;
let memberCount = 0;
let arrivals = 0;
let late = 0;
let finishedSlots = 0;
let finishedCount = 0;
let timesAt: usize = 0;
let emptyId = 0;
/** The memory could not grow for the finished table: JavaScript takes over (its table grows on its heap). */
let outOfMemory = false;

/**
 * Where request-tally.ts finds the words of a read, a pending entry and a cell: word indices, in the order of
 * its LAYOUT (and the outcome of a request without a response).
 */
const WORDS = memory.data<i32>([
  P_KEY,
  R_USER,
  R_IMPERSONATED,
  R_VERB,
  R_SCOPE,
  R_NAMESPACE,
  R_NAME,
  R_AGENT,
  R_DENIED,
  R_OUTCOME,
  R_FIRST_IP,
  R_POD,
  R_NODE,
  R_IPS,
  R_IP,
  R_CODE,
  R_HAS_CODE,
  R_FORMAT,
  P_FINGERPRINT,
  P_USED,
  P_STAGES,
  P_RANK,
  P_ARRIVAL,
  P_TIME,
  P_READ,
  PENDING_BYTES / 4,
  C_COUNT,
  C_EVENTS,
  C_CODE,
  C_FIRST,
  C_LAST,
  C_KEY,
  CELL_BYTES / 4,
  OUTCOME_NO_RESPONSE,
  JAVASCRIPTS,
]);

export function tallyWordsOffset(): usize {
  return WORDS;
}

export function counterConfigOffset(): usize {
  return CONFIG;
}
/** Where JavaScript writes the query's namespace and name for counterReset, and how many bytes of them fit. */
export function queryTextOffset(): usize {
  return QUERY_TEXT;
}
export function queryTextRoom(): i32 {
  return QUERY_TEXT_BYTES;
}
export function counterStringsOffset(): usize {
  return STRING_IDS;
}
export function counterArenaOffset(): usize {
  return STRING_ARENA;
}
export function counterStringCount(): i32 {
  return strings;
}
export function pendingOffset(): usize {
  return PENDING;
}
/** Entries to look through for pending requests (those in use have their used word set). */
export function pendingCapacity(): i32 {
  return pendingTop;
}
export function cellsOffset(): usize {
  return CELLS;
}
export function cellsUsed(): i32 {
  return cellCount;
}
export function membersOffset(): usize {
  return MEMBERS;
}
export function membersUsed(): i32 {
  return memberCount;
}
/** The Secrets members name: scope, namespace id and name id each. */
export function targetsOffset(): usize {
  return TARGETS;
}
export function finishedOffset(): usize {
  return FINISHED;
}
export function finishedCapacity(): i32 {
  return finishedSlots;
}
/** 0 unless the table keeps times (a segment's). */
export function finishedTimesOffset(): usize {
  return timesAt;
}
export function lateStages(): i32 {
  return late;
}

/** The walk forgot its strings: its ids name others from now on. */
export function forgetWalkIds(): void {
  // Before the first counterReset the memory does not reach the table.
  if (finishedSlots > 0) memory.fill(WALK_IDS, 0, <usize>(WALK_ID_COUNT * 4));
}

/** Forgets the cells (JavaScript has taken them): cellsUsed() of them, one after the other from cellsOffset(). */
export function clearCells(): void {
  memory.fill(CELL_INDEX, 0, <usize>(CELL_SLOTS * 8));
  cellCount = 0;
  cellAtLimit = false;
  if (memberCount > 0) memory.fill(MEMBER_INDEX, 0, <usize>(MEMBER_SLOTS * 8));
  memberCount = 0;
  if (targetCount > 0) memory.fill(TARGET_INDEX, 0, <usize>(TARGET_SLOTS * 8));
  targetCount = 0;
}

/**
 * Starts a count. The query's namespace and name (lengths -1 when not asked) are at QUERY_TEXT, one after
 * the other; `verbs`: a bit per verb asked (get, list, watch); since and until NaN when not asked;
 * `keyed`: what the rows are grouped by besides the subject (1 the verb, 2 the first source IP, 4 the user
 * agent, 8 the Secret), which the cells' keys then hold. `filter`: count nothing, only tell the Secret reads
 * the query leaves out (countLine), for a caller that wants each request it counts (JavaScript reads those).
 */
export function counterReset(
  isSegment: i32,
  onlyDenied: i32,
  verbs: i32,
  from: f64,
  to: f64,
  namespaceLength: i32,
  nameLength: i32,
  keyed: i32,
  filter: i32,
): i32 {
  filterOnly = filter != 0;
  keyWords = (1 << KEY_WORDS) - 1;
  if ((keyed & 1) == 0) keyWords &= ~(1 << R_VERB);
  if ((keyed & 2) == 0) keyWords &= ~(1 << R_FIRST_IP);
  if ((keyed & 4) == 0) keyWords &= ~(1 << R_AGENT);
  if ((keyed & 8) == 0) keyWords &= ~((1 << R_SCOPE) | (1 << R_NAMESPACE) | (1 << R_NAME));
  segment = isSegment != 0;
  deniedOnly = onlyDenied != 0;
  verbMask = verbs;
  since = from;
  until = to;
  if (!ensureMemory(FINISHED + finishedBytes(1 << 16))) return 0;
  finishedSlots = 1 << 16;
  outOfMemory = false;
  if (strings > 0) memory.fill(STRING_TABLE, 0, <usize>(stringSlots * 8));
  stringSlots = FIRST_STRING_SLOTS;
  if (pendingTop > 0) {
    memory.fill(PENDING, 0, <usize>(pendingTop * PENDING_BYTES));
    memory.fill(PENDING_INDEX, 0, <usize>(PENDING_SLOTS * 8));
  }
  if (cellCount > 0 || memberCount > 0 || targetCount > 0) clearCells();
  memory.fill(FINISHED, 0, <usize>(finishedSlots * 20));
  timesAt = segment ? FINISHED + <usize>(finishedSlots * 20) : 0;
  if (segment) fillNaN(timesAt, finishedSlots);
  strings = 0;
  arenaUsed = 0;
  forgetWalkIds();
  pendingUsed = 0;
  pendingTop = 0;
  pendingFree = 0;
  arrivals = 0;
  late = 0;
  finishedCount = 0;
  emptyId = intern(QUERY_TEXT, 0);
  queryNamespace = namespaceLength < 0 ? NOT_ASKED : intern(QUERY_TEXT, namespaceLength);
  queryName = nameLength < 0 ? NOT_ASKED : intern(QUERY_TEXT + <usize>max(namespaceLength, 0), nameLength);
  return 1;
}

function finishedBytes(slots: i32): usize {
  return <usize>slots * (segment ? 28 : 20);
}

/** Whether the memory reaches `top`, grown if need be. */
function ensureMemory(top: usize): bool {
  const have = <usize>memory.size() << 16;
  return top <= have || memory.grow(<i32>((top - have + 0xffff) >> 16)) >= 0;
}

function fillNaN(at: usize, count: i32): void {
  for (let i = 0; i < count; i++) store<f64>(at + <usize>(i * 8), NaN);
}

@inline function config(field: i32): i32 {
  return load<i32>(CONFIG + <usize>(field * 4));
}
@inline function type(field: i32): i32 {
  return slotWord(config(field), 0);
}
@inline function rec(word: i32): i32 {
  return load<i32>(REC + <usize>(word * 4));
}
@inline function setRec(word: i32, value: i32): void {
  store<i32>(REC + <usize>(word * 4), value);
}

/**
 * Counts the line the walk just read (`length` bytes at LINE): 0 when JavaScript must read it, else
 * COUNTED_LINE (| V1BETA1 for that format) once counted or left out by the query; HAND_OVER and CELLS_FULL
 * when a table is too full to take it (CELLS_FULL too when a cell's count is at its limit): nothing was done, and the caller hands the state over, or takes
 * the cells, before it asks again.
 */
export function countLine(length: i32): i32 {
  if (cellAtLimit || cellCount >= CELL_MAX || targetCount >= TARGET_MAX || memberCount + MEMBERS_OF_READ > MEMBER_MAX) return CELLS_FULL;
  if (outOfMemory || pendingUsed >= PENDING_MAX || strings + 64 >= MAX_STRINGS || arenaUsed + 2 * length + 256 > ARENA_BYTES)
    return HAND_OVER;
  // Which requests: a Secret read with a UUID for its auditID.
  const auditID = config(FIELD_AUDIT_ID);
  if (slotWord(auditID, 0) != TYPE_STRING || !packUuid(slotWord(auditID, 1) + 1, slotWord(auditID, 2) - 1)) return 0;
  const verb = readVerb();
  if (verb < 0 || type(FIELD_OBJECT_REF) != TYPE_OBJECT || !isText(FIELD_RESOURCE, 'secrets')) return 0;
  if (nonEmpty(FIELD_SUBRESOURCE) != NONE || nonEmpty(FIELD_API_GROUP) != NONE) return 0;
  if (type(FIELD_API_VERSION) == TYPE_ESCAPED) return 0;
  const format = isText(FIELD_API_VERSION, 'audit.k8s.io/v1beta1') ? 1 : 0;
  const rank = stageRank();
  if (rank < 0) return 0;
  setRec(R_VERB, verb);
  setRec(R_FORMAT, format);
  if (!readSubjects() || !readOutcome() || !readSources()) return 0;
  const time = readTime();
  if (time == -Infinity) return 0;
  const namespace = nonEmpty(FIELD_NAMESPACE);
  let name = nonEmpty(FIELD_NAME);
  if (namespace == DECLINE || name == DECLINE) return 0;
  let scope = SCOPE_NAMED;
  if (verb != 0) {
    const uriType = type(FIELD_URI);
    const present = uriType == TYPE_STRING || uriType == TYPE_ESCAPED;
    const selected = present ? selectedName() : NONE;
    if (selected == DECLINE) return 0;
    if (name == NONE) name = selected;
    scope =
      name != NONE
        ? selected != NONE || !present
          ? SCOPE_FIELD_SELECTED
          : SCOPE_NAMED
        : namespace != NONE
          ? SCOPE_NAMESPACE
          : SCOPE_CLUSTER;
  }
  setRec(R_SCOPE, scope);
  setRec(R_NAMESPACE, namespace);
  setRec(R_NAME, name);
  const answer = COUNTED_LINE | (format == 1 ? V1BETA1 : 0);
  if (!matchesQuery(verb, scope, namespace, name, time)) return counted(answer);
  if (filterOnly) return 0;
  const fp = fingerprint(verb, rec(R_USER), namespace, name);
  return count(rank, fp, time) ? counted(answer) : 0;
}

/** Lines the counter took (counted or left out) whose event has a body (Request or RequestResponse level): never reset. */
let secretBodies: i32 = 0;

export function secretBodyCount(): i32 {
  return secretBodies;
}

/** countLine's answer for a line it took: a body, which holds the Secret's values, is noted (the log holds them). */
@inline function counted(answer: i32): i32 {
  if (type(FIELD_REQUEST_OBJECT) == TYPE_OBJECT || type(FIELD_RESPONSE_OBJECT) == TYPE_OBJECT) secretBodies++;
  return answer;
}

/** query.ts matchesQuery, on the line's read. */
function matchesQuery(verb: i32, scope: i32, namespace: i32, name: i32, time: f64): bool {
  if ((verbMask & (1 << verb)) == 0) return false;
  if (scope != SCOPE_CLUSTER && queryNamespace != NOT_ASKED && namespace != queryNamespace) return false;
  if (queryName != NOT_ASKED && (scope == SCOPE_NAMED || scope == SCOPE_FIELD_SELECTED) && name != queryName) return false;
  if (!isNaN(since) || !isNaN(until)) {
    if (isNaN(time)) return false;
    if (!isNaN(since) && time < since) return false;
    if (!isNaN(until) && time > until) return false;
  }
  return true;
}

/**
 * RequestCounter.add, on the line's read (REC) whose auditID is packed at KEY; false for a request JavaScript
 * counts (it read a stage first), whose stages it keeps.
 */
function count(rank: i32, fp: u32, time: f64): bool {
  const bit = 1 << rank;
  const at = findFinished(fp);
  const tail = load<u32>(at + 16);
  if (tail & USED) {
    if (tail & JAVASCRIPTS) return false;
    if ((tail & <u32>bit) == 0) {
      store<u32>(at + 16, tail | <u32>bit);
      if (tail & COUNTED) late++;
    }
    return true;
  }
  const slot = findPending(fp);
  const known = load<u32>(slot) != 0;
  const entry = known ? PENDING + <usize>(load<i32>(slot + 4) * PENDING_BYTES) : 0;
  if (known) {
    merge(entry, rank, time);
    store<i32>(entry + <usize>(P_STAGES * 4), load<i32>(entry + <usize>(P_STAGES * 4)) | bit);
  }
  if (rank < 2) {
    if (!known) addPending(slot, fp, bit, rank, time);
    return true;
  }
  const impersonating = rec(R_IMPERSONATED) != NONE;
  let stages = bit;
  let finalTime = time;
  if (known) {
    stages = load<i32>(entry + <usize>(P_STAGES * 4));
    finalTime = load<f64>(entry + <usize>(P_TIME * 4));
    memory.copy(REC, entry + <usize>(P_READ * 4), <usize>(REC_WORDS * 4));
    removePending(slot);
  }
  const counted = !deniedOnly || rec(R_DENIED) != 0;
  if (counted) addToCell(stages, finalTime);
  let flags = <u32>stages | (counted ? COUNTED : 0);
  if (segment && impersonating) flags |= IMPERSONATING;
  setFinished(at, fp, flags, finalTime);
  return true;
}

/** request-counter.ts merged(): the later stage's read, the earliest time, an impersonated user from whichever stage has one. */
function merge(entry: usize, rank: i32, time: f64): void {
  const read = entry + <usize>(P_READ * 4);
  const earlierImpersonated = load<i32>(read + <usize>(R_IMPERSONATED * 4));
  const readImpersonated = rec(R_IMPERSONATED);
  const kept = load<f64>(entry + <usize>(P_TIME * 4));
  store<f64>(entry + <usize>(P_TIME * 4), isNaN(kept) ? time : isNaN(time) ? kept : min(kept, time));
  if (rank > load<i32>(entry + <usize>(P_RANK * 4))) {
    store<i32>(entry + <usize>(P_RANK * 4), rank);
    memory.copy(read, REC, <usize>(REC_WORDS * 4));
    if (readImpersonated == NONE) store<i32>(read + <usize>(R_IMPERSONATED * 4), earlierImpersonated);
  } else if (earlierImpersonated == NONE) store<i32>(read + <usize>(R_IMPERSONATED * 4), readImpersonated);
}

// The request's auditID, packed as finished-requests.ts packs it.
const KEY: usize = REC + 128;

/** Where JavaScript writes a packed UUID for tallyHolds and leaveToJavascript. */
export function keyOffset(): usize {
  return KEY;
}

/** Whether the counter holds the request of KEY and `fp`: pending, or handed on. */
export function tallyHolds(fp: u32): i32 {
  const tail = load<u32>(findFinished(fp) + 16);
  if (tail & USED) return tail & JAVASCRIPTS ? 0 : 1;
  return load<u32>(findPending(fp)) != 0 ? 1 : 0;
}

/**
 * Leaves the request of KEY and `fp` to JavaScript from now on: it is noted in the finished table, flagged;
 * 0 when the memory could not grow for it (JavaScript then takes everything over).
 */
export function leaveToJavascript(fp: u32): i32 {
  const at = findFinished(fp);
  if (load<u32>(at + 16) & USED) return 1;
  setFinished(at, fp, JAVASCRIPTS, NaN);
  return outOfMemory ? 0 : 1;
}

/** Packs the UUID at [start, stop) of the line to KEY as finished-requests.ts packs it: four words of eight hex digits. */
function packUuid(start: i32, stop: i32): bool {
  if (stop - start != 36) return false;
  const at = LINE + <usize>start;
  if (load<u8>(at + 8) != 0x2d || load<u8>(at + 13) != 0x2d || load<u8>(at + 18) != 0x2d || load<u8>(at + 23) != 0x2d)
    return false;
  const head = v128.load(at);
  const middle = v128.load(at + 16);
  const tail = v128.load(at + 20);
  // The 32 digits without their dashes, sixteen and sixteen.
  const first = i8x16.shuffle(head, middle, 0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17);
  const second = i8x16.shuffle(middle, tail, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 28, 29, 30, 31);
  if (!lowerHex(first) || !lowerHex(second)) return false;
  const bytes = i8x16.narrow_i16x8_u(digitPairs(first), digitPairs(second));
  // Each word's first digit is its highest: the words' bytes in the other order.
  v128.store(KEY, i8x16.shuffle(bytes, bytes, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12));
  return true;
}

/** Whether all sixteen bytes are 0-9 or a-f (API servers write UUIDs in lower case). */
@inline function lowerHex(v: v128): bool {
  const digit = i8x16.lt_u(i8x16.sub(v, i8x16.splat(0x30)), i8x16.splat(10));
  const letter = i8x16.lt_u(i8x16.sub(v, i8x16.splat(0x61)), i8x16.splat(6));
  return i8x16.all_true(v128.or(digit, letter));
}

/** Hex digits to their values, then each two to a byte (in the low byte of sixteen-bit lanes). */
@inline function digitPairs(v: v128): v128 {
  const letter = i8x16.shr_u(v, 6);
  const values = i8x16.add(v128.and(v, i8x16.splat(0x0f)), i8x16.add(i8x16.shl(letter, 3), letter));
  return v128.or(i16x8.shl(v128.and(values, i16x8.splat(0x00ff)), 4), i16x8.shr_u(values, 8));
}

/** finished-requests.ts find(): the slot of KEY and `fp`, or the empty one where it would go. */
function findFinished(fp: u32): usize {
  return findIn(FINISHED, finishedSlots, KEY, fp & 0xffffff);
}

function findIn(table: usize, slots: i32, key: usize, fp: u32): usize {
  const mask = <u32>(slots - 1);
  const k0 = load<u32>(key);
  const k1 = load<u32>(key + 4);
  const k2 = load<u32>(key + 8);
  const k3 = load<u32>(key + 12);
  let h = (k0 ^ (k1 * 0x9e3779b1) ^ (k2 * 0x85ebca77) ^ ((k3 ^ fp) * 0xc2b2ae3d)) * 0x27d4eb2f;
  h ^= h >> 15;
  for (let i = h & mask; ; i = (i + 1) & mask) {
    const at = table + <usize>(i * 20);
    const tail = load<u32>(at + 16);
    if ((tail & USED) == 0) return at;
    if (tail >> 8 == fp && load<u32>(at) == k0 && load<u32>(at + 4) == k1 && load<u32>(at + 8) == k2 && load<u32>(at + 12) == k3)
      return at;
  }
  return 0;
}

/** Keeps a request at `at`, where findFinished found no entry for it. */
function setFinished(at: usize, fp: u32, flags: u32, time: f64): void {
  if ((finishedCount + 1) * 10 > finishedSlots * 6 && !outOfMemory) {
    // Past 60% full it doubles; where the memory cannot grow, this one still fits and the next line hands over.
    if (growFinished()) at = findFinished(fp);
    else outOfMemory = true;
  }
  finishedCount++;
  memory.copy(at, KEY, 16);
  store<u32>(at + 16, ((fp & 0xffffff) << 8) | USED | (flags & 0x7f));
  if (segment) store<f64>(timesAt + ((at - FINISHED) / 20) * 8, time);
}

/** Doubles the table as finished-requests.ts grow() does: the same slots, so JavaScript finds what it would have. */
function growFinished(): bool {
  const old = finishedSlots;
  const slots = old * 2;
  const from = FINISHED + finishedBytes(old);
  if (!ensureMemory(from + finishedBytes(slots))) return false;
  memory.fill(from, 0, <usize>(slots * 20));
  const times = from + <usize>(slots * 20);
  if (segment) fillNaN(times, slots);
  for (let i = 0; i < old; i++) {
    const at = FINISHED + <usize>(i * 20);
    const tail = load<u32>(at + 16);
    if ((tail & USED) == 0) continue;
    const to = findIn(from, slots, at, tail >> 8);
    memory.copy(to, at, 20);
    if (segment) store<f64>(times + ((to - from) / 20) * 8, load<f64>(timesAt + <usize>(i * 8)));
  }
  memory.copy(FINISHED, from, finishedBytes(slots));
  finishedSlots = slots;
  timesAt = segment ? FINISHED + <usize>(slots * 20) : 0;
  return true;
}

function pendingHash(fp: u32): u32 {
  const h = (load<u32>(KEY) ^ (load<u32>(KEY + 12) * 0x9e3779b1) ^ (fp * 0x85ebca77)) * 0x27d4eb2f;
  return (h ^ (h >> 15)) | 1;
}

/** The index slot of the pending request of KEY and `fp`, or the empty slot where it would go. */
function findPending(fp: u32): usize {
  const h = pendingHash(fp);
  const mask = <u32>(PENDING_SLOTS - 1);
  for (let i = h & mask; ; i = (i + 1) & mask) {
    const slot = PENDING_INDEX + <usize>(i * 8);
    const held = load<u32>(slot);
    if (held == 0) return slot;
    if (held != h) continue;
    const entry = PENDING + <usize>(load<i32>(slot + 4) * PENDING_BYTES);
    if (load<u32>(entry + <usize>(P_FINGERPRINT * 4)) == fp && sameBytes(entry + <usize>(P_KEY * 4), KEY, 16)) return slot;
  }
  return 0;
}

/** Keeps the line's read (REC) as the pending request of KEY and `fp`, at the empty index slot findPending gave. */
function addPending(slot: usize, fp: u32, stages: i32, rank: i32, time: f64): void {
  const index = pendingFree > 0 ? load<i32>(PENDING_FREE + <usize>(--pendingFree * 4)) : pendingTop++;
  const entry = PENDING + <usize>(index * PENDING_BYTES);
  memory.copy(entry + <usize>(P_KEY * 4), KEY, 16);
  store<u32>(entry + <usize>(P_FINGERPRINT * 4), fp);
  store<i32>(entry + <usize>(P_USED * 4), 1);
  store<i32>(entry + <usize>(P_STAGES * 4), stages);
  store<i32>(entry + <usize>(P_RANK * 4), rank);
  store<i32>(entry + <usize>(P_ARRIVAL * 4), arrivals++);
  store<f64>(entry + <usize>(P_TIME * 4), time);
  memory.copy(entry + <usize>(P_READ * 4), REC, <usize>(REC_WORDS * 4));
  store<u32>(slot, pendingHash(fp));
  store<i32>(slot + 4, index);
  pendingUsed++;
}

/** Frees a pending request's entry and its index slot, moving later slots of its run back (no tombstones). */
function removePending(slot: usize): void {
  const index = load<i32>(slot + 4);
  store<i32>(PENDING + <usize>(index * PENDING_BYTES + P_USED * 4), 0);
  store<i32>(PENDING_FREE + <usize>(pendingFree++ * 4), index);
  pendingUsed--;
  const mask = <u32>(PENDING_SLOTS - 1);
  let hole = <u32>((slot - PENDING_INDEX) / 8);
  store<u64>(slot, 0);
  for (let i = (hole + 1) & mask; ; i = (i + 1) & mask) {
    const at = PENDING_INDEX + <usize>(i * 8);
    const held = load<u32>(at);
    if (held == 0) return;
    const home = held & mask;
    // The slot stays unless its home is cyclically outside (hole, i].
    const stays = hole <= i ? hole < home && home <= i : hole < home || home <= i;
    if (stays) continue;
    store<u64>(PENDING_INDEX + <usize>(hole * 8), load<u64>(at));
    store<u64>(at, 0);
    hole = i;
  }
}

/** Adds the request read in REC to its cell. */
function addToCell(stages: i32, time: f64): void {
  let h: u32 = 0x811c9dc5;
  for (let w = 0; w < KEY_WORDS; w++) if (keyWords & (1 << w)) h = rotl<u32>((h ^ <u32>rec(w)) * 0x9e3779b1, 13);
  h ^= h >> 15;
  const tag = h | 1;
  const mask = <u32>(CELL_SLOTS - 1);
  let at: usize = 0;
  for (let i = h & mask; ; i = (i + 1) & mask) {
    const slot = CELL_INDEX + <usize>(i * 8);
    const held = load<u32>(slot);
    if (held == 0) {
      at = CELLS + <usize>(cellCount * CELL_BYTES);
      store<u32>(slot, tag);
      store<i32>(slot + 4, cellCount++);
      store<u32>(at, tag);
      store<i32>(at + <usize>(C_COUNT * 4), 0);
      store<i32>(at + <usize>(C_EVENTS * 4), 0);
      memory.copy(at + <usize>(C_KEY * 4), REC, <usize>(KEY_WORDS * 4));
      store<i32>(at + <usize>(C_CODE * 4), rec(R_HAS_CODE) != 0 ? rec(R_CODE) : 0);
      store<f64>(at + <usize>(C_FIRST * 4), NaN);
      store<f64>(at + <usize>(C_LAST * 4), NaN);
      break;
    }
    if (held != tag) continue;
    at = CELLS + <usize>(load<i32>(slot + 4) * CELL_BYTES);
    if (sameKey(at + <usize>(C_KEY * 4))) break;
  }
  const count = load<i32>(at + <usize>(C_COUNT * 4)) + 1;
  const events = load<i32>(at + <usize>(C_EVENTS * 4)) + <i32>popcnt<u32>(<u32>stages);
  store<i32>(at + <usize>(C_COUNT * 4), count);
  store<i32>(at + <usize>(C_EVENTS * 4), events);
  if (count >= CELL_COUNT_LIMIT || events >= CELL_COUNT_LIMIT) cellAtLimit = true;
  const cell = <u64>((at - CELLS) / CELL_BYTES) << 32;
  if (rec(R_POD) != NONE) addMember(cell | (MEMBER_POD << 29) | <u64>rec(R_POD));
  if (rec(R_NODE) != NONE) addMember(cell | (MEMBER_NODE << 29) | <u64>rec(R_NODE));
  for (let i = 1; i < rec(R_IPS); i++) addMember(cell | (MEMBER_IP << 29) | <u64>rec(R_IP + i));
  // The key's words the cell's first request gave: JavaScript reads them with its key.
  const key = at + <usize>(C_KEY * 4);
  if (rec(R_FIRST_IP) != NONE && differsFromFirst(key, R_FIRST_IP)) addMember(cell | (MEMBER_IP << 29) | <u64>rec(R_FIRST_IP));
  if (rec(R_AGENT) != NONE && differsFromFirst(key, R_AGENT)) addMember(cell | (MEMBER_AGENT << 29) | <u64>rec(R_AGENT));
  if (differsFromFirst(key, R_VERB)) addMember(cell | (MEMBER_VERB << 29) | <u64>rec(R_VERB));
  if (differsFromFirst(key, R_SCOPE) || differsFromFirst(key, R_NAMESPACE) || differsFromFirst(key, R_NAME))
    addMember(cell | (MEMBER_SECRET << 29) | <u64>targetOf());
  if (!isNaN(time)) {
    const first = load<f64>(at + <usize>(C_FIRST * 4));
    const last = load<f64>(at + <usize>(C_LAST * 4));
    if (isNaN(first) || time < first) store<f64>(at + <usize>(C_FIRST * 4), time);
    if (isNaN(last) || time > last) store<f64>(at + <usize>(C_LAST * 4), time);
  }
}

/** Whether the read's (REC) word differs from the one a cell's key words at `key` hold (its first request's). */
@inline function differsFromFirst(key: usize, word: i32): bool {
  return rec(word) != load<i32>(key + <usize>(word * 4));
}

/** The index of the read's Secret and scope in TARGETS, added if new. */
function targetOf(): i32 {
  const scope = rec(R_SCOPE);
  const namespace = rec(R_NAMESPACE);
  const name = rec(R_NAME);
  let h: u32 = rotl<u32>((0x811c9dc5 ^ <u32>scope) * 0x9e3779b1, 13);
  h = rotl<u32>((h ^ <u32>namespace) * 0x9e3779b1, 13);
  h = rotl<u32>((h ^ <u32>name) * 0x9e3779b1, 13);
  h ^= h >> 15;
  const tag = h | 1;
  const mask = <u32>(TARGET_SLOTS - 1);
  for (let i = h & mask; ; i = (i + 1) & mask) {
    const slot = TARGET_INDEX + <usize>(i * 8);
    const held = load<u32>(slot);
    if (held == 0) {
      const at = TARGETS + <usize>(targetCount * TARGET_BYTES);
      store<i32>(at, scope);
      store<i32>(at + 4, namespace);
      store<i32>(at + 8, name);
      store<u32>(slot, tag);
      store<i32>(slot + 4, targetCount);
      return targetCount++;
    }
    if (held != tag) continue;
    const target = load<i32>(slot + 4);
    const at = TARGETS + <usize>(target * TARGET_BYTES);
    if (load<i32>(at) == scope && load<i32>(at + 4) == namespace && load<i32>(at + 8) == name) return target;
  }
  return 0;
}

/** Whether the words of a cell's key at `key` are the read's (REC) in every word of keyWords. */
function sameKey(key: usize): bool {
  for (let w = 0; w < KEY_WORDS; w++)
    if (keyWords & (1 << w) && differsFromFirst(key, w)) return false;
  return true;
}

function addMember(member: u64): void {
  const key = member + 1;
  let h = <u32>(key ^ (key >> 29)) * 0x9e3779b1;
  h ^= h >> 15;
  const mask = <u32>(MEMBER_SLOTS - 1);
  for (let i = h & mask; ; i = (i + 1) & mask) {
    const slot = MEMBER_INDEX + <usize>(i * 8);
    const held = load<u64>(slot);
    if (held == key) return;
    if (held == 0) {
      store<u64>(slot, key);
      store<u64>(MEMBERS + <usize>(memberCount++ * 8), key);
      return;
    }
  }
}

/** FNV-1a of a string's bytes, as request-counter.ts hashes its UTF-16 (the same for ASCII); null: 0x1f. */
function stringHash(id: i32): u32 {
  return id == NONE ? 0x1f : load<u32>(STRING_IDS + <usize>(id * 16 + 8));
}

/** request-counter.ts fingerprint(). */
function fingerprint(verb: i32, user: i32, namespace: i32, name: i32): u32 {
  let v: u32 = 0x811c9dc5;
  const word: u64 = verb == 0 ? 0x746567 : verb == 1 ? 0x7473696c : 0x6863746177;
  const length = verb == 0 ? 3 : verb == 1 ? 4 : 5;
  for (let i = 0; i < length; i++) v = (v ^ <u32>((word >> (<u64>i * 8)) & 0xff)) * 0x01000193;
  let h = v * 0x9e3779b1;
  h = (h ^ stringHash(user)) * 0x85ebca77;
  h = (h ^ stringHash(namespace)) * 0xc2b2ae3d;
  h = (h ^ stringHash(name)) * 0x27d4eb2f;
  return (h ^ (h >> 15)) & 0xffffff;
}

/** The verb: 0 get, 1 list, 2 watch; -1 for any other value. */
function readVerb(): i32 {
  if (type(FIELD_VERB) != TYPE_STRING) return -1;
  if (isText(FIELD_VERB, 'get')) return 0;
  if (isText(FIELD_VERB, 'list')) return 1;
  if (isText(FIELD_VERB, 'watch')) return 2;
  return -1;
}

function stageRank(): i32 {
  const t = type(FIELD_STAGE);
  if (t == TYPE_ESCAPED) return -1;
  if (t != TYPE_STRING) return 2;
  if (isText(FIELD_STAGE, 'RequestReceived')) return 0;
  if (isText(FIELD_STAGE, 'ResponseStarted')) return 1;
  return 2;
}

/** user.username ('' when none), impersonatedUser.username, and the pod and node of user.extra. */
function readSubjects(): bool {
  const user = type(FIELD_USER) == TYPE_OBJECT;
  let username = emptyId;
  if (user) {
    const t = type(FIELD_USERNAME);
    if (t == TYPE_ESCAPED) return false;
    if (t == TYPE_STRING) username = stringId(FIELD_USERNAME);
  }
  const impersonated = type(FIELD_IMPERSONATED) == TYPE_OBJECT ? nonEmpty(FIELD_IMPERSONATED_NAME) : NONE;
  const extra = user && type(FIELD_EXTRA) == TYPE_OBJECT;
  const pod = extra ? first(FIELD_POD) : NONE;
  const node = extra ? first(FIELD_NODE) : NONE;
  if (impersonated == DECLINE || pod == DECLINE || node == DECLINE) return false;
  setRec(R_USER, username);
  setRec(R_IMPERSONATED, impersonated);
  setRec(R_POD, pod);
  setRec(R_NODE, node);
  return true;
}

/** responseStatus.code, the authorization decision, and what the report makes of them. */
function readOutcome(): bool {
  let hasCode = false;
  let code = 0;
  if (type(FIELD_STATUS) == TYPE_OBJECT && type(FIELD_CODE) == TYPE_NUMBER) {
    const value = slotNumber(config(FIELD_CODE));
    if (isNaN(value) || value < -2147483648 || value > 2147483647) return false;
    hasCode = true;
    code = <i32>value;
  }
  let forbidden = false;
  if (type(FIELD_ANNOTATIONS) == TYPE_OBJECT) {
    if (type(FIELD_DECISION) == TYPE_ESCAPED) return false;
    forbidden = isText(FIELD_DECISION, 'forbid');
  }
  const denied = (hasCode && code == 403) || forbidden;
  setRec(R_DENIED, denied ? 1 : 0);
  setRec(R_OUTCOME, denied ? 1 : !hasCode ? OUTCOME_NO_RESPONSE : code >= 400 ? 3 : 0);
  setRec(R_CODE, code);
  setRec(R_HAS_CODE, hasCode ? 1 : 0);
  return true;
}

/** sourceIPs (up to MAX_IPS) and userAgent. */
function readSources(): bool {
  const agent = nonEmpty(FIELD_AGENT);
  if (agent == DECLINE) return false;
  setRec(R_AGENT, agent);
  const field = config(FIELD_SOURCE_IPS);
  let count = 0;
  if (slotWord(field, 0) == TYPE_ARRAY) {
    count = slotWord(field, 2);
    if (count > MAX_IPS) return false;
    const firstElement = slotWord(field, 1);
    for (let i = 0; i < count; i++) {
      const element = LIST + <usize>((firstElement + i) * 16);
      if (load<i32>(element) != TYPE_STRING) return false;
      setRec(R_IP + i, idOf(load<i32>(element + 4) + 1, load<i32>(element + 8) - 1, load<i32>(element + 12)));
    }
  }
  for (let i = count; i < MAX_IPS; i++) setRec(R_IP + i, NONE);
  setRec(R_IPS, count);
  setRec(R_FIRST_IP, count > 0 ? rec(R_IP) : NONE);
  return true;
}

/**
 * The request's time (native-event.ts readFromFields): the first of requestReceivedTimestamp, timestamp,
 * stageTimestamp and metadata.creationTimestamp that reads as one; NaN for none; -Infinity when JavaScript
 * must tell (a form the walk does not read).
 */
function readTime(): f64 {
  for (let k = 0; k < 4; k++) {
    if (k == 3 && type(FIELD_METADATA) != TYPE_OBJECT) break;
    const field = config(k == 0 ? FIELD_RECEIVED : k == 1 ? FIELD_TIMESTAMP : k == 2 ? FIELD_STAGE_TIMESTAMP : FIELD_CREATED);
    const t = slotWord(field, 0);
    if (t == TYPE_STRING || t == TYPE_NUMBER) {
      const value = t == TYPE_STRING ? epochMs(slotWord(field, 1) + 1, slotWord(field, 2) - 1) : slotNumber(field);
      return isNaN(value) ? -Infinity : value;
    }
    if (t == TYPE_ESCAPED) return -Infinity;
  }
  return NaN;
}

/** Whether a field's value is this plain string. */
function isText(field: i32, text: string): bool {
  const slot = config(field);
  if (slotWord(slot, 0) != TYPE_STRING) return false;
  const start = slotWord(slot, 1) + 1;
  return slotWord(slot, 2) - 1 - start == text.length && literalAt(LINE + <usize>start, text);
}

/** json-fields nonEmpty: the id of a non-empty plain string, NONE for anything else but an escaped string (DECLINE). */
function nonEmpty(field: i32): i32 {
  const slot = config(field);
  const t = slotWord(slot, 0);
  if (t == TYPE_ESCAPED) return DECLINE;
  if (t != TYPE_STRING || slotWord(slot, 2) - slotWord(slot, 1) == 2) return NONE;
  return stringId(field);
}

/** json-fields firstString: a string, or an array's first element, when non-empty. */
function first(field: i32): i32 {
  const slot = config(field);
  let t = slotWord(slot, 0);
  if (t == TYPE_ARRAY) t = slotWord(slot, 3);
  if (t == TYPE_ESCAPED) return DECLINE;
  if (t != TYPE_STRING) return NONE;
  const start = slotWord(slot, 1) + 1;
  const stop = slotWord(slot, 2) - 1;
  return stop == start ? NONE : idOf(start, stop, slotWord(slot, 4));
}

function stringId(field: i32): i32 {
  const slot = config(field);
  return idOf(slotWord(slot, 1) + 1, slotWord(slot, 2) - 1, slotWord(slot, 4));
}

/** The id of the plain string at [start, stop) of the line, which the walk gave `walkId` (or -1). */
@inline function idOf(start: i32, stop: i32, walkId: i32): i32 {
  if (walkId < 0 || walkId >= WALK_ID_COUNT) return intern(LINE + <usize>start, stop - start);
  const at = WALK_IDS + <usize>(walkId * 4);
  const known = load<i32>(at);
  if (known != 0) return known - 1;
  const id = intern(LINE + <usize>start, stop - start);
  store<i32>(at, id + 1);
  return id;
}


/** Whether the line's bytes at `start` are those of the ASCII literal `text`. */
@inline function literalAt(start: usize, text: string): bool {
  const chars = changetype<usize>(text);
  const length = text.length;
  for (let i = 0; i < length; i++) if (<u32>load<u8>(start + <usize>i) != <u32>load<u16>(chars + <usize>(i * 2))) return false;
  return true;
}

/**
 * field-selector.ts fieldSelectedName on the request URI: the id of the name a list or watch selects,
 * NONE, or DECLINE where JavaScript must tell (an escape or a percent-encoded byte past ASCII).
 */
function selectedName(): i32 {
  const slot = config(FIELD_URI);
  let uri = LINE + <usize>(slotWord(slot, 1) + 1);
  let length = slotWord(slot, 2) - 1 - <i32>(uri - LINE);
  if (length > SCRATCH_BYTES / 2) return DECLINE;
  if (slotWord(slot, 0) == TYPE_ESCAPED) {
    length = unescaped(uri, length);
    if (length < 0) return DECLINE;
    uri = SCRATCH;
  }
  const q = indexOfByte(uri, 0, length, 0x3f);
  if (q < 0) return NONE;
  let at = q;
  while (true) {
    at = indexOfByte(uri, at + 1, length, 0x66);
    if (at < 0) return NONE;
    if (length - at >= 14 && literalAt(uri + <usize>at, 'fieldSelector=')) {
      const before = load<u8>(uri + <usize>(at - 1));
      if (before == 0x3f || before == 0x26) break;
    }
  }
  const start = at + 14;
  let stop = indexOfByte(uri, start, length, 0x26);
  if (stop < 0) stop = length;
  // The selector, decoded as decodeURIComponent would (plus signs as spaces) when it holds either.
  let selector = uri + <usize>start;
  let size = stop - start;
  if (indexOfByte(selector, 0, size, 0x25) >= 0 || indexOfByte(selector, 0, size, 0x2b) >= 0) {
    const out = SCRATCH + <usize>(SCRATCH_BYTES / 2);
    size = percentDecoded(selector, size, out);
    if (size == -1) return NONE;
    if (size < 0) return DECLINE;
    selector = out;
  }
  for (let term = 0; term <= size; ) {
    let next = indexOfByte(selector, term, size, 0x2c);
    if (next < 0) next = size;
    const name = termName(selector, term, next);
    if (name != NONE) return name;
    term = next + 1;
  }
  return NONE;
}

/** `metadata.name(=|==)NAME` with spaces about, as the selector's regular expression reads it. */
function termName(text: usize, start: i32, stop: i32): i32 {
  let i = skipSpaces(text, start, stop);
  const field = 'metadata.name';
  if (stop - i < field.length || !literalAt(text + <usize>i, field)) return NONE;
  i = skipSpaces(text, i + field.length, stop);
  if (i >= stop || load<u8>(text + <usize>i) != 0x3d) return NONE;
  const double = i + 1 < stop && load<u8>(text + <usize>(i + 1)) == 0x3d;
  const afterOperator = i + (double ? 2 : 1);
  i = skipSpaces(text, afterOperator, stop);
  let end = stop;
  while (end > i && isSpace(load<u8>(text + <usize>(end - 1)))) end--;
  // The expression's `.` takes no line break, and its `$` is the text's end: a name with one inside is no match.
  if (indexOfByte(text, i, end, 0x0a) >= 0 || indexOfByte(text, i, end, 0x0d) >= 0) return NONE;
  if (end > i) return intern(text + <usize>i, end - i);
  // Only spaces, or nothing after "==": the expression backtracks into them; JavaScript reads those.
  return stop > afterOperator || double ? DECLINE : NONE;
}

function skipSpaces(text: usize, i: i32, stop: i32): i32 {
  while (i < stop && isSpace(load<u8>(text + <usize>i))) i++;
  return i;
}

@inline function isSpace(b: u8): bool {
  return b == 0x20 || (b >= 0x09 && b <= 0x0d);
}

/** decodeURIComponent of text with '+' as ' ', to `out`: its length, -1 for a malformed escape, -2 for a byte past ASCII. */
function percentDecoded(text: usize, length: i32, out: usize): i32 {
  let n = 0;
  for (let i = 0; i < length; i++) {
    let b = load<u8>(text + <usize>i);
    if (b == 0x2b) b = 0x20;
    else if (b == 0x25) {
      if (i + 2 >= length) return -1;
      const high = hexValue(load<u8>(text + <usize>(i + 1)));
      const low = hexValue(load<u8>(text + <usize>(i + 2)));
      if (high < 0 || low < 0) return -1;
      b = <u8>((high << 4) | low);
      if (b >= 0x80) return -2;
      i += 2;
    }
    store<u8>(out + <usize>n, b);
    n++;
  }
  return n;
}

function hexValue(b: u8): i32 {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const lower = b | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** A JSON string's contents at `text`, its escapes decoded, to SCRATCH: its length, or -1 for a character past ASCII. */
function unescaped(text: usize, length: i32): i32 {
  let n = 0;
  let i = 0;
  while (true) {
    const slash = indexOfByte(text, i, length, 0x5c);
    const plain = (slash < 0 ? length : slash) - i;
    memory.copy(SCRATCH + <usize>n, text + <usize>i, <usize>plain);
    n += plain;
    if (slash < 0) return n;
    const c = load<u8>(text + <usize>(slash + 1));
    let b: u32 = c;
    i = slash + 2;
    if (c == 0x75) {
      let value = 0;
      for (let k = 0; k < 4; k++) value = (value << 4) | hexValue(load<u8>(text + <usize>(i + k)));
      if (value >= 0x80) return -1;
      b = <u32>value;
      i += 4;
    } else if (c == 0x62) b = 0x08;
    else if (c == 0x66) b = 0x0c;
    else if (c == 0x6e) b = 0x0a;
    else if (c == 0x72) b = 0x0d;
    else if (c == 0x74) b = 0x09;
    store<u8>(SCRATCH + <usize>n, <u8>b);
    n++;
  }
  return -1;
}

/** The id of the bytes at [at, at + length): the same for the same bytes until counterReset. */
function intern(at: usize, length: i32): i32 {
  const h = bytesHash(at, length);
  const mask = <u32>(stringSlots - 1);
  for (let s = h & mask; ; s = (s + 1) & mask) {
    const slot = STRING_TABLE + <usize>(s * 8);
    const hash = load<u32>(slot);
    if (hash == 0) return addString(slot, h, at, length);
    if (hash != h) continue;
    const id = load<i32>(slot + 4);
    const entry = STRING_IDS + <usize>(id * 16);
    if (load<i32>(entry + 4) == length && sameBytes(STRING_ARENA + <usize>load<i32>(entry), at, length)) return id;
  }
  return -1;
}

/** Keeps the bytes at [at, at + length) as the next id, at the empty `slot` of the set. */
function addString(slot: usize, h: u32, at: usize, length: i32): i32 {
  const id = strings++;
  const offset = arenaUsed;
  memory.copy(STRING_ARENA + <usize>offset, at, <usize>length);
  arenaUsed += length;
  let fnv: u32 = 0x811c9dc5;
  for (let k = 0; k < length; k++) fnv = (fnv ^ <u32>load<u8>(at + <usize>k)) * 0x01000193;
  const entry = STRING_IDS + <usize>(id * 16);
  store<i32>(entry, offset);
  store<i32>(entry + 4, length);
  store<u32>(entry + 8, fnv);
  store<u32>(entry + 12, h);
  store<u32>(slot, h);
  store<i32>(slot + 4, id);
  if (strings * 2 > stringSlots && stringSlots < STRING_SLOTS) growStrings();
  return id;
}

/** Doubles the strings' set, its pairs placed again from the ids' hashes. */
function growStrings(): void {
  stringSlots *= 2;
  memory.fill(STRING_TABLE, 0, <usize>(stringSlots * 8));
  const mask = <u32>(stringSlots - 1);
  for (let id = 0; id < strings; id++) {
    const h = load<u32>(STRING_IDS + <usize>(id * 16 + 12));
    let s = h & mask;
    while (load<u32>(STRING_TABLE + <usize>(s * 8)) != 0) s = (s + 1) & mask;
    store<u32>(STRING_TABLE + <usize>(s * 8), h);
    store<i32>(STRING_TABLE + <usize>(s * 8 + 4), id);
  }
}
