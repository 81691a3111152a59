import { RotateError } from './errors.js';

/** One new value and where it came from (`--from-file ./pw`, `--from-literal #1`): never the value in text. */
export interface NewValue {
  key: string;
  bytes: Uint8Array;
  origin: string;
  /**
   * False when the key was cut from a line or argument that may have been a
   * value (an env-file line, a literal): errors then name the origin only.
   */
  showKey?: boolean;
}

/** The Secret's data after the rotation, and what changed, by key name only. */
export interface MergedData {
  /** base64 values, as the API stores them. */
  data: Record<string, string>;
  added: string[];
  changed: string[];
  unchanged: string[];
  carried: string[];
  removed: string[];
}

/** Kubernetes' own limit on a Secret's total data size. */
export const MAX_SECRET_BYTES = 1024 * 1024;
const KEY_PATTERN = /^[-._a-zA-Z0-9]+$/;
const MAX_KEY_LENGTH = 253;

/** Why a data key is not valid for a Secret, or undefined when it is (as IsConfigMapKey). */
export function invalidKeyReason(key: string): string | undefined {
  if (key === '') return 'the key is empty';
  if (key.length > MAX_KEY_LENGTH) return `the key is longer than ${MAX_KEY_LENGTH} characters`;
  if (!KEY_PATTERN.test(key)) return 'a key may only contain letters, digits, "-", "_" and "."';
  if (key === '.' || key === '..') return `the key may not be "${key}"`;
  if (key.startsWith('..')) return 'the key may not start with ".."';
  return undefined;
}

/**
 * An empty new value is nearly always a mistake (`--from-literal password=$UNSET`, a file a failed command left
 * empty), and rotating to it puts every consumer on it: refused unless the user says it is meant.
 */
export function refuseEmptyValues(values: readonly NewValue[]): void {
  // `echo "$UNSET" | ... --from-file KEY=-` gives a line break alone: no more a value than nothing
  const empty = values.find((v) => v.bytes.every((b) => WHITESPACE.has(b)));
  if (!empty) return;
  const which = empty.showKey === false ? '' : ` of key "${printableKey(empty.key)}"`;
  const what = empty.bytes.length === 0 ? 'empty' : 'only whitespace';
  throw new RotateError(
    `${empty.origin}: the new value${which} is ${what} (an unset variable, an empty file?): refusing to rotate to it; pass --allow-empty if it is meant`,
  );
}

/**
 * Keys whose new value ends with a line break the current value does not end
 * with: most often `echo "$PW" | ... --from-file KEY=-`, which adds one (kubectl
 * keeps it too). Compares the last bytes only; new keys and keys that may not be named are left out.
 */
export function addedLineBreaks(current: Readonly<Record<string, string>>, values: readonly NewValue[]): string[] {
  const endsWithBreak = (bytes: Uint8Array): boolean => bytes.length > 0 && bytes[bytes.length - 1] === 0x0a;
  return values
    .filter((v) => v.showKey !== false && current[v.key] !== undefined && endsWithBreak(v.bytes))
    .filter((v) => !endsWithBreak(Buffer.from(current[v.key]!, 'base64')))
    .map((v) => v.key);
}

/** Space, tab, line feed, carriage return. */
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** A rotation needs new values; only a plan (`--dry-run`) may go without them. */
export function requireNewValues(values: readonly NewValue[]): void {
  if (values.length === 0) {
    throw new RotateError(
      'no new values: give --from-file, --from-env-file or --from-literal (stdin: --from-file KEY=-)',
    );
  }
}

/**
 * Validates the new values and merges them over the current data: keys not
 * given are carried over unless `replaceAll` (no values: every key carried, a plan's
 * data). Throws a RotateError naming the key and its origin (never the value) for
 * anything the API would reject.
 */
export function mergeData(
  current: Readonly<Record<string, string>>,
  values: readonly NewValue[],
  { replaceAll }: { replaceAll: boolean },
): MergedData {
  const seen = new Map<string, string>();
  for (const v of values) {
    const reason = invalidKeyReason(v.key);
    if (reason) {
      const shown = v.key === '' || v.showKey === false ? '' : ` "${printableKey(v.key)}"`;
      throw new RotateError(`${v.origin}: invalid key${shown}: ${reason}`);
    }
    const first = seen.get(v.key);
    if (first !== undefined) throw new RotateError(`key "${v.key}" is given twice (${first} and ${v.origin})`);
    seen.set(v.key, v.origin);
  }

  const data: Record<string, string> = {};
  const result: MergedData = { data, added: [], changed: [], unchanged: [], carried: [], removed: [] };
  for (const v of values) {
    const encoded = Buffer.from(v.bytes).toString('base64');
    data[v.key] = encoded;
    const before = current[v.key];
    if (before === undefined) result.added.push(v.key);
    else if (before === encoded) result.unchanged.push(v.key);
    else result.changed.push(v.key);
  }
  for (const [key, encoded] of Object.entries(current)) {
    if (seen.has(key)) continue;
    if (replaceAll) result.removed.push(key);
    else {
      data[key] = encoded;
      result.carried.push(key);
    }
  }
  const size = Object.entries(data).reduce((n, [k, v]) => n + k.length + Buffer.byteLength(v, 'base64'), 0);
  if (size > MAX_SECRET_BYTES) {
    throw new RotateError(`the new data is ${size} bytes; a Secret holds at most ${MAX_SECRET_BYTES} bytes (1 MiB)`);
  }
  for (const list of [result.added, result.changed, result.unchanged, result.carried, result.removed]) list.sort();
  return result;
}

/** Keys are not secret, but a mistyped one may hold control characters: show them escaped. */
export function printableKey(key: string): string {
  const shown = key.length > 64 ? `${key.slice(0, 64)}…` : key;
  return JSON.stringify(shown).slice(1, -1);
}
