// Does a Secret hold a leaked value? Compared in memory on decoded bytes; nothing of
// either value leaves this module except which key matched and how.
import { gunzipSync } from 'node:zlib';
import { LAST_APPLIED } from '../rotate/value-copies.js';

export type MatchHow = 'exact' | 'contained' | 'base64';

export interface KeyMatch {
  key: string;
  how: MatchHow;
  /** How it was found inside the value (never any part of the value). */
  detail?: string;
}

/** Values shorter than this are only matched exactly: a short string is inside too many values. */
export const MIN_CONTAINED_BYTES = 6;

/**
 * The keys of one Secret (data as the API returns it, base64) that hold the leaked value:
 * `exact` (the value itself), `base64` (the value is the base64 of the leak, or the leak is
 * the base64 text of the value as `kubectl get -o yaml` shows it), `contained` (inside a DSN,
 * a config file, or a dockerconfigjson `auth`, which is base64 of user:password).
 */
export function matchSecret(leaked: Buffer, data: Readonly<Record<string, string>> | null | undefined): KeyMatch[] {
  const matches: KeyMatch[] = [];
  const asGiven = leakForms(leaked);
  // A value pasted from a terminal, a chat or a Windows editor: only tried when the leak as given matches nothing.
  const tidy = tidyLeak(leaked);
  try {
    for (const [key, b64] of Object.entries(data ?? {})) {
      if (typeof b64 !== 'string') continue;
      const value = Buffer.from(b64, 'base64');
      // (inflated once, if it is a Helm release record, for the leak as given and as pasted text)
      const release = new ReleaseRecord(value);
      try {
        const how =
          matchValue(asGiven, b64, value, release) ??
          (tidy && tidied(matchValue(leakForms(tidy.bytes), b64, value, release), tidy.detail));
        if (how) matches.push({ key, ...how });
      } finally {
        release.clear();
        value.fill(0);
      }
    }
  } finally {
    tidy?.bytes.fill(0);
  }
  return matches;
}

/** What of a Secret may hold the value: its data, and the copy kubectl apply keeps in an annotation. */
export interface SecretValues {
  data?: Readonly<Record<string, string>> | null;
  annotations?: Readonly<Record<string, string>> | null;
}

const APPLIED_COPY = `a copy in annotation ${LAST_APPLIED}`;

/**
 * matchSecret over the data, then over the data `kubectl apply` last applied (the annotation keeps it after the
 * data is changed by other means: an edit, a patch, a hand rotation): a key only there is listed as such a copy.
 */
export function matchSecretObject(leaked: Buffer, secret: SecretValues): KeyMatch[] {
  const matches = matchSecret(leaked, secret.data);
  const applied = appliedData(secret.annotations?.[LAST_APPLIED]);
  for (const m of matchSecret(leaked, applied)) {
    if (matches.some((k) => k.key === m.key)) continue;
    matches.push({ key: m.key, how: m.how, detail: m.detail ? `${APPLIED_COPY}, ${m.detail}` : APPLIED_COPY });
  }
  return matches;
}

/** The data of an applied Secret (stringData as base64, over data as the API merges it); none when it is not JSON. */
function appliedData(text: string | undefined): Record<string, string> {
  if (!text) return {};
  let doc: { data?: unknown; stringData?: unknown } | null;
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  const entries = (v: unknown): [string, unknown][] => (v && typeof v === 'object' ? Object.entries(v) : []);
  for (const [key, b64] of entries(doc?.data)) if (typeof b64 === 'string') out[key] = b64;
  for (const [key, text] of entries(doc?.stringData))
    if (typeof text === 'string') out[key] = Buffer.from(text, 'utf8').toString('base64');
  return out;
}

const TIDIED = 'the leak read as pasted text: no byte-order mark or whitespace around it, CRLF line ends as LF';
const TIDIED_UTF16 =
  'the leak read as pasted text: UTF-16 as UTF-8, no byte-order mark or whitespace around it, CRLF line ends as LF';

function tidied(how: Omit<KeyMatch, 'key'> | undefined, detail: string): Omit<KeyMatch, 'key'> | undefined {
  return how && { how: how.how, detail: how.detail ? `${how.detail}; ${detail}` : detail };
}

/**
 * The leak as pasted text: UTF-16 with its byte-order mark (Windows PowerShell 5's `>`) as UTF-8, CR LF as LF, no
 * UTF-8 byte-order mark (Notepad) and no whitespace around it; undefined when that changes nothing or leaves nothing.
 */
function tidyLeak(leaked: Buffer): { bytes: Buffer; detail: string } | undefined {
  const utf16 = leaked[0] === 0xff && leaked[1] === 0xfe && leaked.length % 2 === 0;
  const decoded = utf16 ? Buffer.from(leaked.toString('utf16le', 2), 'utf8') : undefined;
  const source = decoded ?? leaked;
  const out = Buffer.alloc(source.length);
  let n = 0;
  for (let i = 0; i < source.length; i++) {
    if (source[i] === 0x0d && source[i + 1] === 0x0a) continue;
    out[n++] = source[i]!;
  }
  decoded?.fill(0);
  let start = out[0] === 0xef && out[1] === 0xbb && out[2] === 0xbf ? 3 : 0;
  while (start < n && WHITESPACE.has(out[start]!)) start++;
  while (n > start && WHITESPACE.has(out[n - 1]!)) n--;
  if (n - start === leaked.length || n === start) {
    out.fill(0);
    return undefined;
  }
  return { bytes: out.subarray(start, n), detail: utf16 ? TIDIED_UTF16 : TIDIED };
}

/** Space, tab, line feed, carriage return, vertical tab, form feed. */
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d, 0x0b, 0x0c]);

interface LeakForms {
  bytes: Buffer;
  /** The leak as base64 text would read: its whitespace dropped, so that base64 wrapped in lines reads as one. */
  text: string;
  b64: string;
  /** b64 without its padding: as it reads inside a longer base64 text. */
  b64Unpadded: string;
}

function leakForms(leaked: Buffer): LeakForms {
  const b64 = leaked.toString('base64');
  return {
    bytes: leaked,
    text: withoutWhitespace(leaked.toString('latin1')),
    b64,
    b64Unpadded: b64.replace(/=+$/, ''),
  };
}

/** base64 wrapped at 76 columns (base64), 64 (openssl) or any other width, as one line. */
const withoutWhitespace = (text: string): string => text.replace(/[ \t\r\n\v\f]+/g, '');

function matchValue(
  leak: LeakForms,
  b64: string,
  value: Buffer,
  release: ReleaseRecord,
): Omit<KeyMatch, 'key'> | undefined {
  const { bytes: leaked, text: leakedText, b64: leakedB64 } = leak;
  if (value.equals(leaked)) return { how: 'exact' };
  if (b64 === leakedText && b64.length > 0)
    return { how: 'base64', detail: 'the leak is the base64 text of the value' };
  if (value.length >= leakedB64.length && withoutWhitespace(value.toString('latin1')) === leakedB64)
    return { how: 'base64', detail: 'the value is the base64 of the leak' };
  if (leaked.length < MIN_CONTAINED_BYTES) return undefined;
  if (value.indexOf(leaked) !== -1) return { how: 'contained' };
  const auth = inDockerConfigAuth(value, leaked);
  if (auth) return { how: 'contained', detail: auth };
  if (inHelmRelease(release, leak)) return { how: 'contained', detail: HELM_RELEASE };
  if (value.indexOf(leak.b64Unpadded) !== -1 && leakedB64.length >= 8) return { how: 'contained', detail: 'as base64' };
  return undefined;
}

/** `.dockerconfigjson` / `.dockercfg`: the leak inside a registry's decoded `auth` (user:password). */
function inDockerConfigAuth(value: Buffer, leaked: Buffer): string | undefined {
  if (value.indexOf('"auth') === -1) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
  const auths = ((doc as { auths?: unknown })?.auths ?? doc) as Record<string, unknown>;
  if (typeof auths !== 'object' || auths === null) return undefined;
  for (const entry of Object.values(auths)) {
    const auth = (entry as { auth?: unknown } | null)?.auth;
    if (typeof auth !== 'string') continue;
    const decoded = Buffer.from(auth, 'base64');
    const found = decoded.indexOf(leaked) !== -1;
    decoded.fill(0);
    if (found) return 'in a dockerconfigjson auth (base64 of user:password)';
  }
  return undefined;
}

const HELM_RELEASE = 'in a Helm release record (its values or rendered manifest)';
/** base64 of a gzip stream's first three bytes (1f 8b 08): how Helm's release records begin. */
const GZIP_BASE64 = 'H4sI';
/** A release record larger than this once inflated is not searched (a gzip bomb). */
const MAX_RELEASE_BYTES = 64 * 1024 * 1024;

/** A value that may be a Helm release record, inflated on first use, at most once; clear() zeroes what was. */
class ReleaseRecord {
  private json: Buffer | null | undefined;

  constructor(private readonly value: Buffer) {}

  /** The record's JSON, or null when the value is no release record (or inflates past MAX_RELEASE_BYTES). */
  inflated(): Buffer | null {
    if (this.json === undefined) this.json = inflateRelease(this.value);
    return this.json;
  }

  clear(): void {
    this.json?.fill(0);
    this.json = null;
  }
}

function inflateRelease(value: Buffer): Buffer | null {
  if (value.length < GZIP_BASE64.length || value.toString('latin1', 0, GZIP_BASE64.length) !== GZIP_BASE64) return null;
  const gzipped = Buffer.from(value.toString('latin1'), 'base64');
  try {
    return gunzipSync(gzipped, { maxOutputLength: MAX_RELEASE_BYTES });
  } catch {
    return null;
  } finally {
    gzipped.fill(0);
  }
}

/**
 * Helm's release records (`helm.sh/release.v1`, key `release`): base64 of gzip of JSON holding the values given
 * (`config`) and the rendered manifest, Secrets included: the leak as it is, JSON-escaped as Go writes it, or as base64.
 */
function inHelmRelease(release: ReleaseRecord, leak: LeakForms): boolean {
  const json = release.inflated();
  if (json === null) return false;
  const escaped = Buffer.from(goJsonEscaped(leak.bytes.toString('utf8')), 'utf8');
  try {
    return (
      json.indexOf(leak.bytes) !== -1 ||
      json.indexOf(escaped) !== -1 ||
      (leak.b64.length >= 8 && json.indexOf(leak.b64Unpadded) !== -1)
    );
  } finally {
    escaped.fill(0);
  }
}

/** A string's inside as Go's encoding/json writes it: JSON's escapes, and <, >, &, U+2028, U+2029 as \u escapes. */
function goJsonEscaped(text: string): string {
  return JSON.stringify(text)
    .slice(1, -1)
    .replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
