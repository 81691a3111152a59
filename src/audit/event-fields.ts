import type { ReadVerb, RecordFormat } from './report-types.js';
import { STAGE_RANK, type SecretRead } from './secret-read.js';
import { fieldSelectedName } from './field-selector.js';
import { scopeOf } from './native-event.js';

/**
 * A field extractor for native audit events, one per line, as the API server writes
 * them (Go's encoder: fields in struct order, no whitespace). It walks the line once,
 * forward, expecting that order (kind, apiVersion, level, auditID, stage, requestURI,
 * verb, user, impersonatedUser, sourceIPs, userAgent, objectRef, responseStatus,
 * timestamps, annotations), and checks every token it passes, so a line it accepts is
 * one JSON.parse accepts. Only the fields readFromAuditEvent uses are decoded. Anything
 * else gives up and the caller parses the line in full: another field order, bodies at
 * Request level, whitespace, control bytes, invalid UTF-8, a v1beta1 metadata block, and
 * events that are not a get/list/watch of core Secrets (whatever readFromAuditEvent
 * makes of those is its own business).
 */
export interface ExtractedEvent {
  format: RecordFormat;
  read: SecretRead | null;
}

const POD_NAME = 'authentication.kubernetes.io/pod-name';
const NODE_NAME = 'authentication.kubernetes.io/node-name';
const CREDENTIAL_ID = 'authentication.kubernetes.io/credential-id';
const DECISION = 'authorization.k8s.io/decision';
const HEAD = '{"kind":"Event","apiVersion":"audit.k8s.io/v1';

/** Thrown to give up on a line; caught in extractAuditEvent. */
const GIVE_UP = new Error('not a plain audit event');

// The line being read, the position in it, and where the next backslash is (at or after some earlier position).
let t = '';
let p = 0;
let backslash = -1;
/** Whether the last string read had escapes. */
let escaped = false;

function nextBackslash(from: number): number {
  if (backslash < from) {
    backslash = t.indexOf('\\', from);
    if (backslash === -1) backslash = t.length;
  }
  return backslash;
}

/** t.startsWith(literal, p), inlined by the compiler where the builtin is a call. */
function at(literal: string): boolean {
  const n = literal.length;
  if (p + n > t.length) return false;
  for (let k = 0; k < n; k++) if (t.charCodeAt(p + k) !== literal.charCodeAt(k)) return false;
  return true;
}

function expect(literal: string): void {
  if (!at(literal)) throw GIVE_UP;
  p += literal.length;
}

function maybe(literal: string): boolean {
  if (!at(literal)) return false;
  p += literal.length;
  return true;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/** The closing quote of the string opening at `open`; its escapes are checked as JSON.parse would. */
function stringEnd(open: number): number {
  if (t.charCodeAt(open) !== 0x22) throw GIVE_UP;
  let quote = t.indexOf('"', open + 1);
  if (quote === -1) throw GIVE_UP;
  let at = nextBackslash(open + 1);
  escaped = at < quote;
  // from escape to escape, not character by character
  while (at < quote) {
    const d = t.charCodeAt(at + 1);
    let next = at + 2;
    if (d === 0x75) {
      if (!isHex(t.charCodeAt(at + 2)) || !isHex(t.charCodeAt(at + 3))) throw GIVE_UP;
      if (!isHex(t.charCodeAt(at + 4)) || !isHex(t.charCodeAt(at + 5))) throw GIVE_UP;
      next = at + 6;
    } else if (
      d !== 0x22 &&
      d !== 0x5c &&
      d !== 0x2f &&
      d !== 0x62 &&
      d !== 0x66 &&
      d !== 0x6e &&
      d !== 0x72 &&
      d !== 0x74
    ) {
      throw GIVE_UP;
    }
    // an escaped quote is not the end
    if (next > quote) {
      quote = t.indexOf('"', next);
      if (quote === -1) throw GIVE_UP;
    }
    at = nextBackslash(next);
  }
  return quote;
}

function str(): string {
  const open = p;
  const close = stringEnd(open);
  p = close + 1;
  return escaped ? (JSON.parse(t.slice(open, close + 1)) as string) : t.slice(open + 1, close);
}

function skipString(): void {
  p = stringEnd(p) + 1;
}

/** The request URI whose string opens at `open`: Go writes & as \u0026, often its only escape. */
function uriAt(open: number): string {
  // going back: the next backslash is looked for again
  backslash = -1;
  const close = stringEnd(open);
  const raw = t.slice(open + 1, close);
  if (!escaped) return raw;
  const decoded = raw.replaceAll('\\u0026', '&');
  return decoded.includes('\\') ? (JSON.parse(t.slice(open, close + 1)) as string) : decoded;
}

function strings(): string[] {
  expect('[');
  const values: string[] = [];
  if (maybe(']')) return values;
  do values.push(str());
  while (maybe(','));
  expect(']');
  return values;
}

/** firstString of a string array: its first element unless empty; the array is read to its end. */
function firstOf(): string | null {
  expect('[');
  if (maybe(']')) return null;
  const first = str();
  while (maybe(',')) skipString();
  expect(']');
  return first === '' ? null : first;
}

function skipStrings(): void {
  expect('[');
  if (maybe(']')) return;
  do skipString();
  while (maybe(','));
  expect(']');
}

/** An object whose values are strings, string arrays or such objects (annotations, status details). */
function skipFlat(): void {
  expect('{');
  if (maybe('}')) return;
  do {
    skipString();
    expect(':');
    const c = t.charCodeAt(p);
    if (c === 0x22) skipString();
    else if (c === 0x5b) skipStrings();
    else if (c === 0x7b) skipFlat();
    else throw GIVE_UP;
  } while (maybe(','));
  expect('}');
}

/** A JSON integer as Go writes status codes; fractions and exponents give up. */
function integer(): number {
  const start = p;
  if (t.charCodeAt(p) === 0x2d) p++;
  const first = p;
  while (p < t.length && t.charCodeAt(p) >= 0x30 && t.charCodeAt(p) <= 0x39) p++;
  if (p === first || (t.charCodeAt(first) === 0x30 && p - first > 1) || p - first > 15) throw GIVE_UP;
  const c = t.charCodeAt(p);
  if (c !== 0x2c && c !== 0x7d) throw GIVE_UP;
  return Number(t.slice(start, p));
}

interface UserFields {
  username: string;
  groups: string[];
  pod: string | null;
  node: string | null;
  credentialId: string | null;
}

/** user or impersonatedUser, from its username on (the caller has read `{"username":`). */
function userInfo(): UserFields {
  const user: UserFields = { username: str(), groups: [], pod: null, node: null, credentialId: null };
  if (maybe(',"uid":')) skipString();
  if (maybe(',"groups":')) user.groups = strings();
  if (maybe(',"extra":')) {
    expect('{');
    if (!maybe('}')) {
      do {
        const key = str();
        expect(':');
        // the last of repeated keys wins, as in JSON.parse
        if (key === POD_NAME) user.pod = firstOf();
        else if (key === NODE_NAME) user.node = firstOf();
        else if (key === CREDENTIAL_ID) user.credentialId = firstOf();
        else skipStrings();
      } while (maybe(','));
      expect('}');
    }
  }
  expect('}');
  return user;
}

interface RefFields {
  resource: string | undefined;
  namespace: string | undefined;
  name: string | undefined;
  apiGroup: string | undefined;
  subresource: string | undefined;
}

function objectRef(): RefFields {
  const ref: RefFields = {
    resource: undefined,
    namespace: undefined,
    name: undefined,
    apiGroup: undefined,
    subresource: undefined,
  };
  expect('{');
  if (maybe('}')) return ref;
  do {
    const key = str();
    expect(':');
    const value = str();
    if (key === 'resource') ref.resource = value;
    else if (key === 'namespace') ref.namespace = value;
    else if (key === 'name') ref.name = value;
    else if (key === 'apiGroup') ref.apiGroup = value;
    else if (key === 'subresource') ref.subresource = value;
  } while (maybe(','));
  expect('}');
  return ref;
}

/** responseStatus: its code, or null. */
function statusCode(): number | null {
  let code: number | null = null;
  expect('{');
  if (maybe('}')) return code;
  do {
    const key = str();
    expect(':');
    const c = t.charCodeAt(p);
    if (key === 'code' && c !== 0x22 && c !== 0x7b) code = integer();
    else if (c === 0x22) skipString();
    else if (c === 0x7b) skipFlat();
    else throw GIVE_UP;
  } while (maybe(','));
  expect('}');
  return code;
}

/** annotations: the authorization decision, or undefined. */
function decision(): string | undefined {
  let value: string | undefined;
  expect('{');
  if (maybe('}')) return value;
  do {
    const key = str();
    expect(':');
    if (key === DECISION) value = str();
    else skipString();
  } while (maybe(','));
  expect('}');
  return value;
}

let timeKey = '';
let timeBase = NaN;

/** Date.parse, with the seconds of the last timestamp remembered (API servers write microseconds, Z). */
function parseTimestamp(text: string): number | null {
  if (text.length === 27 && text.charCodeAt(19) === 0x2e && text.charCodeAt(26) === 0x5a) {
    const key = text.slice(0, 19);
    if (key !== timeKey) {
      timeKey = key;
      timeBase = Date.parse(`${key}Z`);
    }
    const d0 = text.charCodeAt(20) - 0x30;
    const d1 = text.charCodeAt(21) - 0x30;
    const d2 = text.charCodeAt(22) - 0x30;
    let digits = true;
    for (let i = 20; i < 26; i++) if (text.charCodeAt(i) < 0x30 || text.charCodeAt(i) > 0x39) digits = false;
    if (digits && !Number.isNaN(timeBase)) return timeBase + d0 * 100 + d1 * 10 + d2;
  }
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

function isReadVerb(verb: string): verb is ReadVerb {
  return verb === 'get' || verb === 'list' || verb === 'watch';
}

function readEvent(line: Buffer, start: number, stop: number): ExtractedEvent | undefined {
  expect(HEAD);
  const format: RecordFormat = maybe('beta1"') ? 'k8s-v1beta1' : 'k8s-v1';
  if (format === 'k8s-v1') expect('"');
  expect(',"level":');
  skipString();
  expect(',"auditID":');
  const auditID = str();
  expect(',"stage":');
  const stage = str();
  expect(',"requestURI":');
  const uriOpen = p;
  skipString();
  expect(',"verb":');
  const verb = str();
  // other verbs are for the full parse to judge
  if (!isReadVerb(verb)) return undefined;
  // only a list or watch names its Secret in the URI
  const requestURI = verb === 'get' ? '' : uriAt(uriOpen);
  expect(',"user":{"username":');
  const user = userInfo();
  const impersonated = maybe(',"impersonatedUser":{"username":') ? userInfo() : null;
  // Kubernetes 1.37 with constrained impersonation
  if (maybe(',"authenticationMetadata":')) skipFlat();
  const sourceIPs = maybe(',"sourceIPs":') ? strings() : [];
  const userAgent = maybe(',"userAgent":') ? str() : '';
  if (!maybe(',"objectRef":')) return undefined;
  const ref = objectRef();
  if (ref.resource !== 'secrets' || ref.subresource || ref.apiGroup) return undefined;
  const code = maybe(',"responseStatus":') ? statusCode() : null;
  expect(',"requestReceivedTimestamp":');
  const received = str();
  expect(',"stageTimestamp":');
  const stageTime = str();
  const decided = maybe(',"annotations":') ? decision() : undefined;
  expect('}');
  while (p < t.length && t.charCodeAt(p) === 0x20) p++;
  if (p !== t.length || !printableAscii(line, start, stop)) return undefined;

  // as readFromAuditEvent makes them
  const namespace = ref.namespace || null;
  const selected = verb === 'get' ? null : fieldSelectedName(requestURI);
  const name = ref.name || selected;
  const read: SecretRead = {
    auditID: auditID || null,
    stageRank: STAGE_RANK[stage] ?? 2,
    verb,
    namespace,
    name,
    scope: scopeOf(verb, namespace, name, selected !== null),
    user: user.username,
    impersonatedUser: impersonated?.username || null,
    pod: user.pod,
    node: user.node,
    credentialId: user.credentialId,
    groups: user.groups,
    impersonatedGroups: impersonated?.groups ?? [],
    sourceIPs,
    userAgent: userAgent || null,
    code,
    denied: code === 403 || decided === 'forbid',
    time: parseTimestamp(received) ?? parseTimestamp(stageTime),
    format,
  };
  return { format, read };
}

/**
 * Whether line[start, stop) is all printable ASCII (0x20-0x7f): JSON.parse rejects raw
 * control characters in strings, and bytes beyond ASCII (valid UTF-8 or not) are for the
 * full parse. Four bytes at a time: a byte below 0x20 borrows into its top bit, one above 0x7f has it.
 */
function printableAscii(line: Buffer, start: number, stop: number): boolean {
  const base = line.byteOffset;
  if (line.buffer !== wordsOf) {
    wordsOf = line.buffer;
    words = new Uint32Array(line.buffer, 0, line.buffer.byteLength >> 2);
  }
  let i = base + start;
  const end = base + stop;
  const bytes = line;
  for (; i < end && (i & 3) !== 0; i++) if (bytes[i - base]! < 0x20 || bytes[i - base]! > 0x7f) return false;
  for (; i + 4 <= end; i += 4) {
    const word = words[i >> 2]!;
    if (((word - 0x20202020) | word) & 0x80808080) return false;
  }
  for (; i < end; i++) if (bytes[i - base]! < 0x20 || bytes[i - base]! > 0x7f) return false;
  return true;
}

/** A view of the last buffer checked, four bytes a word (batch buffers are reused, so it is rarely made). */
let wordsOf: ArrayBufferLike | null = null;
let words: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

/**
 * The native audit event in line[start, stop): its format and its Secret read, exactly
 * as JSON.parse, unwrapRecord and readFromAuditEvent give them; undefined when the line
 * is to be parsed in full instead.
 */
export function extractAuditEvent(line: Buffer, start: number, stop: number): ExtractedEvent | undefined {
  // cheap refusals first: most other lines fail here
  if (stop - start < HEAD.length || line[start] !== 0x7b || line[start + 2] !== 0x6b) return undefined;
  // bytes beyond ASCII would be misread here, but the line is then refused at the end
  t = line.toString('latin1', start, stop);
  p = 0;
  backslash = -1;
  try {
    return readEvent(line, start, stop);
  } catch {
    // GIVE_UP, or JSON.parse refusing an escaped string (a raw control character in it)
    return undefined;
  } finally {
    t = '';
  }
}
