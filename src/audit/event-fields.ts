import type { RecordFormat } from './report-types.js';
import type { SecretRead } from './secret-read.js';
import type { JsonObject } from './json-fields.js';
import { readFromAuditEvent } from './native-event.js';

/**
 * A field extractor for native audit events, one per line, as the API server writes
 * them (Go's encoder: fields in struct order, no whitespace). One regular expression
 * checks the whole line against that shape, as JSON, and captures only the fields
 * readFromAuditEvent looks at, so the object JSON.parse would build (groups, annotation
 * reasons, status messages) is never made. It accepts a subset of valid JSON: a line of
 * any other shape (another field order, bodies at Request level, bytes beyond ASCII,
 * spaces, a v1beta1 metadata block) does not match, and the caller parses it in full.
 */
export interface ExtractedEvent {
  format: RecordFormat;
  read: SecretRead | null;
}

const POD_NAME = 'authentication.kubernetes.io/pod-name';
const NODE_NAME = 'authentication.kubernetes.io/node-name';
const DECISION = 'authorization.k8s.io/decision';

/** A JSON string's content without escapes, ASCII only (bytes beyond it are the full parse's business). */
const PLAIN = String.raw`[^"\\\x00-\x1f\x80-\xff]*`;
/** A JSON string's content, escapes allowed (an unrolled loop: runs of plain bytes are matched without backtracking). */
const TEXT = String.raw`${PLAIN}(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})${PLAIN})*`;
const STRINGS = String.raw`\[(?:"${TEXT}"(?:,"${TEXT}")*)?\]`;
/** An object whose values are strings or string arrays (objectRef, annotations, user.extra, status details). */
const FLAT = String.raw`\{(?:"${TEXT}":(?:"${TEXT}"|${STRINGS})(?:,"${TEXT}":(?:"${TEXT}"|${STRINGS}))*)?\}`;
const USER_REST = String.raw`(?:,"uid":"${TEXT}")?(?:,"groups":${STRINGS})?`;
// The usual maps, as Go writes them (keys sorted, so none twice): read without a JSON.parse of the map.
const AUTH = String.raw`"authentication\.kubernetes\.io/`;
const TOKEN_EXTRA = String.raw`\{(?:${AUTH}credential-id":${STRINGS},)?${AUTH}node-name":\["(${PLAIN})"\],${AUTH}node-uid":${STRINGS},${AUTH}pod-name":\["(${PLAIN})"\],${AUTH}pod-uid":${STRINGS}\}`;
const REF_FIELD = (name: string, capture: boolean): string => String.raw`(?:,"${name}":"${capture ? `(${PLAIN})` : PLAIN}")?`;
const OBJECT_REF = [
  String.raw`\{"resource":"(${PLAIN})"`,
  REF_FIELD('namespace', true),
  REF_FIELD('name', true),
  REF_FIELD('uid', false),
  REF_FIELD('apiGroup', true),
  REF_FIELD('apiVersion', false),
  REF_FIELD('resourceVersion', false),
  REF_FIELD('subresource', true),
  String.raw`\}`,
].join('');
const AUTHZ = String.raw`\{"authorization\.k8s\.io/decision":"(${PLAIN})","authorization\.k8s\.io/reason":"${TEXT}"\}`;

const EVENT = new RegExp(
  [
    String.raw`^\{"kind":"Event","apiVersion":"(audit\.k8s\.io/v1(?:beta1)?)","level":"${PLAIN}"`,
    String.raw`,"auditID":"(${PLAIN})","stage":"(${PLAIN})","requestURI":"(${TEXT})","verb":"(${PLAIN})"`,
    String.raw`,"user":\{"username":"(${TEXT})"${USER_REST}(?:,"extra":(?:${TOKEN_EXTRA}|(${FLAT})))?\}`,
    String.raw`(?:,"impersonatedUser":\{"username":"(${TEXT})"${USER_REST}(?:,"extra":${FLAT})?\})?`,
    // Kubernetes 1.37 with constrained impersonation
    String.raw`(?:,"authenticationMetadata":${FLAT})?`,
    String.raw`(?:,"sourceIPs":(?:\["(${PLAIN})"\]|(${STRINGS})))?(?:,"userAgent":"(${TEXT})")?`,
    String.raw`(?:,"objectRef":(?:${OBJECT_REF}|(${FLAT})))?`,
    String.raw`(?:,"responseStatus":\{"metadata":\{\}(?:,"status":"${TEXT}")?(?:,"message":"${TEXT}")?(?:,"reason":"${TEXT}")?`,
    String.raw`(?:,"details":${FLAT})?(?:,"code":(0|[1-9][0-9]{0,8}))?\})?`,
    String.raw`,"requestReceivedTimestamp":"(${PLAIN})","stageTimestamp":"(${PLAIN})"(?:,"annotations":(?:${AUTHZ}|(${FLAT})))?\}[ \t\r]*$`,
  ].join(''),
);

/** The captured text of a JSON string's content, decoded (escapes by JSON.parse itself). */
function text(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  return raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
}

/**
 * A captured FLAT object. Without escapes or arrays every quote in it is structural, so
 * it splits exactly; otherwise JSON.parse reads it (duplicate keys: the last wins either way).
 */
function flat(raw: string | undefined): JsonObject | undefined {
  if (raw === undefined) return undefined;
  if (raw.includes('\\') || raw.includes('[')) return JSON.parse(raw) as JsonObject;
  const object: JsonObject = {};
  if (raw.length === 2) return object;
  for (const member of raw.slice(2, -2).split('","')) {
    const colon = member.indexOf('":"');
    object[member.slice(0, colon)] = member.slice(colon + 3);
  }
  return object;
}

/** Request URIs: Go writes & as \u0026, often the only escape in them. */
function uri(raw: string): string {
  if (!raw.includes('\\')) return raw;
  const decoded = raw.replaceAll('\\u0026', '&');
  // another escape left (or a \\ before u0026): JSON.parse decodes it all
  return decoded.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : decoded;
}

function strings(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  if (raw.includes('\\')) return JSON.parse(raw) as string[];
  return raw.length === 2 ? [] : raw.slice(2, -2).split('","');
}

/**
 * The native audit event in line[start, stop): its format and its Secret read (null when
 * it reads none), exactly as JSON.parse, unwrapRecord and readFromAuditEvent give them;
 * undefined when the line is to be parsed in full instead.
 */
export function extractAuditEvent(line: Buffer, start: number, stop: number): ExtractedEvent | undefined {
  const m = EVENT.exec(line.toString('latin1', start, stop));
  if (m === null) return undefined;
  const format: RecordFormat = m[1] === 'audit.k8s.io/v1beta1' ? 'k8s-v1beta1' : 'k8s-v1';
  const verb = m[5];
  // readFromAuditEvent drops other verbs first thing: the rest need not be decoded
  if (verb !== 'get' && verb !== 'list' && verb !== 'watch') return { format, read: null };
  const user: JsonObject = { username: text(m[6]) };
  if (m[7] !== undefined) user['extra'] = { [NODE_NAME]: [m[7]], [POD_NAME]: [m[8]] };
  else if (m[9] !== undefined) user['extra'] = flat(m[9]);
  const event: JsonObject = {
    auditID: m[2],
    stage: m[3],
    requestURI: uri(m[4]!),
    verb,
    user,
    impersonatedUser: m[10] === undefined ? undefined : { username: text(m[10]) },
    sourceIPs: m[11] !== undefined ? [m[11]] : strings(m[12]),
    userAgent: text(m[13]),
    objectRef:
      m[14] !== undefined ? { resource: m[14], namespace: m[15], name: m[16], apiGroup: m[17], subresource: m[18] } : flat(m[19]),
    responseStatus: m[20] === undefined ? {} : { code: Number(m[20]) },
    requestReceivedTimestamp: m[21],
    stageTimestamp: m[22],
    annotations: m[23] !== undefined ? { [DECISION]: m[23] } : flat(m[24]),
  };
  return { format, read: readFromAuditEvent(event, format) };
}
