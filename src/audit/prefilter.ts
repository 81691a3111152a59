/**
 * Byte-level tests run before any JSON parsing.
 *
 * Every event that reads a Secret contains the bytes `secrets`, in every format:
 * `"resource":"secrets"` (native), `\"resource\":\"secrets\"` (EKS/AKS events held
 * in a JSON string), `io.k8s.core.v1.secrets.get` / `core/v1/namespaces/NS/secrets/NAME` (GKE).
 * Lines without it are never decoded.
 */
export const NEEDLE = Buffer.from('secrets');

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const DOT = 0x2e;
const COLON = 0x3a;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

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
const GKE_VERBS = [Buffer.from('get'), Buffer.from('list'), Buffer.from('watch')];

/** `secrets` at `at` is the value of a "resource" key: `"resource":"secrets"`, escaped or spaced. */
function isResourceValue(buf: Uint8Array, at: number, start: number, end: number): boolean {
  const after = at + NEEDLE.length;
  if (after >= end || (buf[after] !== QUOTE && buf[after] !== BACKSLASH)) return false;
  let i = skipNoiseBack(buf, at - 1, start);
  if (i < start || buf[i] !== COLON) return false;
  i = skipNoiseBack(buf, i - 1, start);
  return endsWithAt(buf, i, start, RESOURCE);
}

/** `secrets` at `at` is inside a GKE method name such as `io.k8s.core.v1.secrets.watch"`. */
function isGkeReadMethod(buf: Uint8Array, at: number, end: number): boolean {
  const dot = at + NEEDLE.length;
  if (dot >= end || buf[dot] !== DOT || buf[at - 1] !== DOT) return false;
  for (const verb of GKE_VERBS) {
    const close = dot + 1 + verb.length;
    if (close >= end) continue;
    let same = true;
    for (let k = 0; k < verb.length; k++) {
      if (buf[dot + 1 + k] !== verb[k]) {
        same = false;
        break;
      }
    }
    if (same && (buf[close] === QUOTE || buf[close] === BACKSLASH)) return true;
  }
  return false;
}

/** Some `"verb"` key in [start, end) has the value get, list or watch. */
function hasReadVerb(buf: Buffer, start: number, end: number): boolean {
  let at = buf.indexOf(VERB, start);
  while (at !== -1 && at < end) {
    const before = at - 1;
    if (before >= start && (buf[before] === QUOTE || buf[before] === BACKSLASH)) {
      let i = at + VERB.length;
      while (i < end && (buf[i] === QUOTE || buf[i] === BACKSLASH || isSpace(buf[i]!))) i++;
      if (i < end && buf[i] === COLON) {
        i++;
        while (i < end && (buf[i] === QUOTE || buf[i] === BACKSLASH || isSpace(buf[i]!))) i++;
        for (const verb of GKE_VERBS) {
          const close = i + verb.length;
          if (close < end && buf.compare(verb, 0, verb.length, i, close) === 0 && (buf[close] === QUOTE || buf[close] === BACKSLASH)) {
            return true;
          }
        }
      }
    }
    at = buf.indexOf(VERB, at + VERB.length);
  }
  return false;
}

/**
 * Could the record in buf[start, end) be a Secret read? A superset test: true for every
 * get/list/watch of secrets in every supported format, false for most lines that merely
 * mention the word (Secret writes, names like "app-secrets", the external-secrets operator).
 * `firstHit` is an index of NEEDLE already found in the range.
 */
export function mayReadSecret(buf: Buffer, start: number, end: number, firstHit: number): boolean {
  let resource = false;
  for (let at = firstHit; at !== -1 && at < end; at = buf.indexOf(NEEDLE, at + NEEDLE.length)) {
    if (isGkeReadMethod(buf, at, end)) return true;
    if (!resource && isResourceValue(buf, at, start, end)) resource = true;
  }
  return resource && hasReadVerb(buf, start, end);
}
