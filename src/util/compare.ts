// Strings in the order String.prototype.localeCompare gives them (the default locale's collation), from one
// Intl.Collator: localeCompare sets one up on each call, which sorting thousands of rows pays per comparison.
// Made at the first comparison that needs it (setting up ICU's collation costs ~7-12 ms of CPU), or earlier by a
// command that will sort and has time to spare, waiting on the network (prepareTextComparison). Where the
// default locale collates as the root collation does (English, or none), texts of printable ASCII, which is what
// Kubernetes names, kinds and verbs are, are compared here without it, by the root collation's own rules.
import { boundedMemo } from './bounded-memo.js';

let collator: Intl.Collator | undefined;
let rootOrder: boolean | undefined;

export function compareText(a: string, b: string): number {
  if (a === b) return 0; // (the collation's answer too, without its cost: sorted rows share many namespaces)
  if ((rootOrder ??= collatesAsRoot())) {
    const order = compareAsciiAsRoot(a, b);
    if (order !== undefined) return order;
  }
  return (collator ??= new Intl.Collator()).compare(a, b);
}

/** Sets up the collation now, when the default locale's may be needed, so that the first comparison does not pay it. */
export function prepareTextComparison(): void {
  if (!(rootOrder ??= collatesAsRoot())) collator ??= new Intl.Collator();
}

/**
 * Whether the default locale's collation is the root collation (CLDR's, as ICU has it): English has no rules of
 * its own (LANG=C, POSIX and none resolve to `en-US`), nor has `und` (an empty LC_ALL). Asked of
 * Intl.PluralRules, which resolves the same default locale without loading any collation (~0.3 ms), but drops
 * collation keywords (`LANG=en-US-u-kn` or `en_US_u_kn`: numbers by value; `-u-kf-upper`), so a locale that
 * names keywords leaves the order to ICU. ICU takes the default locale from the first of LC_ALL, LC_MESSAGES
 * and LANG that is set, in the process's own environment (not a command's injected env), at start.
 */
function collatesAsRoot(): boolean {
  const { LC_ALL, LC_MESSAGES, LANG } = process.env;
  if (/[-_]u[-_]/i.test(LC_ALL ?? LC_MESSAGES ?? LANG ?? '')) return false;
  const locale = new Intl.PluralRules().resolvedOptions().locale;
  return locale === 'und' || /^en(-[A-Z]{2})?$/.test(locale);
}

/**
 * Printable ASCII in the root collation's order (non-ignorable, as Intl.Collator's default): the space, then
 * punctuation and symbols in this order, digits, then letters, each lowercase letter before its uppercase one.
 * A test checks it against Intl.Collator.
 */
export const ROOT_ASCII_ORDER =
  ' _-,;:!?.\'"()[]{}@*/\\&#%`^+<=>|~$0123456789aAbBcCdDeEfFgGhHiIjJkKlLmMnNoOpPqQrRsStTuUvVwWxXyYzZ';

/** Primary weight by character code (0: not printable ASCII, left to ICU); letters share one with their case. */
const PRIMARY = new Uint8Array(128);
for (let i = 0, weight = 0; i < ROOT_ASCII_ORDER.length; i++) {
  const code = ROOT_ASCII_ORDER.charCodeAt(i);
  const isUpper = code >= 0x41 && code <= 0x5a;
  PRIMARY[code] = isUpper ? weight : ++weight;
}

/**
 * The root collation's order of two texts of printable ASCII, undefined for any other: first the primary weights
 * (case aside) from the start, a text before any longer one it begins; then the first difference of case,
 * lowercase first. Each such character is one collation element, so nothing else can decide.
 */
export function compareAsciiAsRoot(a: string, b: string): number | undefined {
  if (!printable(a) || !printable(b)) return undefined;
  const n = Math.min(a.length, b.length);
  let byCase = 0;
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const px = PRIMARY[x]!;
    const py = PRIMARY[y]!;
    if (px !== py) return px < py ? -1 : 1;
    if (byCase === 0) byCase = x > y ? -1 : 1; // same letter, other case: lowercase (the higher code) first
  }
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return byCase;
}

/** Whether a text is printable ASCII, remembered: a sort asks it of each text some log n times. */
const printable = boundedMemo(50_000, (text: string): boolean => {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128 || PRIMARY[code] === 0) return false;
  }
  return true;
});
