import { BACKSLASH, COLON, DOT, isSpace, QUOTE } from './bytes.js';

/**
 * Byte-level tests run before any JSON parsing.
 *
 * Every event that reads a Secret contains the bytes `secrets`, in every format:
 * `"resource":"secrets"` (native), `\"resource\":\"secrets\"` (EKS/AKS events held
 * in a JSON string), `io.k8s.core.v1.secrets.get` / `core/v1/namespaces/NS/secrets/NAME` (GKE).
 * Lines without it are never decoded.
 */
export const NEEDLE = Buffer.from('secrets');

/**
 * What chunks are searched for: the tail of NEEDLE. Buffer.indexOf finds a pattern this
 * short with memchr on its first byte, and "c" is rare in audit logs where "s" is not:
 * about 1.5 times as fast as searching for NEEDLE itself. A match may start
 * SCAN_NEEDLE_OFFSET bytes before it.
 */
export const SCAN_NEEDLE = Buffer.from('crets');
export const SCAN_NEEDLE_OFFSET = 2;

/** Skips back over quotes, escapes and whitespace, which differ between native, escaped and pretty-printed JSON. */
function skipNoiseBack(buf: Uint8Array, i: number, floor: number): number {
  while (i >= floor) {
    const b = buf[i]!;
    if (b !== QUOTE && b !== BACKSLASH && !isSpace(b)) break;
    i--;
  }
  return i;
}

function endsWithAt(buf: Uint8Array, lastIndex: number, floor: number, word: Uint8Array): boolean {
  const first = lastIndex - word.length + 1;
  if (first < floor) return false;
  for (let k = 0; k < word.length; k++) if (buf[first + k] !== word[k]) return false;
  return true;
}

const RESOURCE = Buffer.from('resource');
const VERB = Buffer.from('verb');
const READ_VERB_BYTES = [Buffer.from('get'), Buffer.from('list'), Buffer.from('watch')];

/** `secrets` at `at` is the value of a "resource" key: `"resource":"secrets"`, escaped or spaced. */
export function isResourceValue(buf: Uint8Array, at: number, start: number, end: number): boolean {
  const after = at + NEEDLE.length;
  if (after >= end || (buf[after] !== QUOTE && buf[after] !== BACKSLASH)) return false;
  let i = skipNoiseBack(buf, at - 1, start);
  if (i < start || buf[i] !== COLON) return false;
  i = skipNoiseBack(buf, i - 1, start);
  return endsWithAt(buf, i, start, RESOURCE);
}

/** `secrets` at `at` is inside a GKE method name such as `io.k8s.core.v1.secrets.watch"`, of one of `verbs`. */
export function isGkeMethod(buf: Uint8Array, at: number, end: number, verbs: readonly Uint8Array[]): boolean {
  const dot = at + NEEDLE.length;
  if (dot >= end || at === 0 || buf[dot] !== DOT || buf[at - 1] !== DOT) return false;
  for (const verb of verbs) {
    const close = dot + 1 + verb.length;
    if (close < end && startsWithAt(buf, dot + 1, end, verb) && (buf[close] === QUOTE || buf[close] === BACKSLASH))
      return true;
  }
  return false;
}

export function startsWithAt(buf: Uint8Array, at: number, end: number, word: Uint8Array): boolean {
  if (at + word.length > end) return false;
  for (let k = 0; k < word.length; k++) if (buf[at + k] !== word[k]) return false;
  return true;
}

/** Some `"verb"` key in the line has one of these values (get, list or watch for reads). */
export function hasVerb(line: Buffer, verbs: readonly Uint8Array[]): boolean {
  const end = line.length;
  for (let at = line.indexOf(VERB); at !== -1; at = line.indexOf(VERB, at + VERB.length)) {
    if (at === 0 || (line[at - 1] !== QUOTE && line[at - 1] !== BACKSLASH)) continue;
    let i = at + VERB.length;
    while (i < end && (line[i] === QUOTE || line[i] === BACKSLASH || isSpace(line[i]!))) i++;
    if (i >= end || line[i] !== COLON) continue;
    i++;
    while (i < end && (line[i] === QUOTE || line[i] === BACKSLASH || isSpace(line[i]!))) i++;
    for (const verb of verbs) {
      const close = i + verb.length;
      if (close < end && startsWithAt(line, i, end, verb) && (line[close] === QUOTE || line[close] === BACKSLASH))
        return true;
    }
  }
  return false;
}

/**
 * Could the record in buf[start, end) be a Secret read? A superset test: true for every
 * get/list/watch of secrets in every supported format, false for most lines that merely
 * mention the word (Secret writes, names like "app-secrets", the external-secrets operator).
 * NEEDLE is looked for from `from` on.
 */
export function mayReadSecret(buf: Buffer, start: number, end: number, from = start): boolean {
  // Searches stay inside the line: past its end the next match may be far away.
  const line = buf.subarray(start, end);
  for (
    let at = line.indexOf(NEEDLE, Math.max(0, from - start));
    at !== -1;
    at = line.indexOf(NEEDLE, at + NEEDLE.length)
  ) {
    if (isGkeMethod(line, at, line.length, READ_VERB_BYTES)) return true;
    if (isResourceValue(line, at, 0, line.length)) return hasVerb(line, READ_VERB_BYTES);
  }
  return false;
}
