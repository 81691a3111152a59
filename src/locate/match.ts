// Does a Secret hold a leaked value? Compared in memory on decoded bytes; nothing of
// either value leaves this module except which key matched and how.

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
  const leakedText = leaked.toString('latin1');
  const leakedB64 = leaked.toString('base64');
  for (const [key, b64] of Object.entries(data ?? {})) {
    if (typeof b64 !== 'string') continue;
    const value = Buffer.from(b64, 'base64');
    try {
      const how = matchValue(leaked, leakedText, leakedB64, b64, value);
      if (how) matches.push({ key, ...how });
    } finally {
      value.fill(0);
    }
  }
  return matches;
}

function matchValue(
  leaked: Buffer,
  leakedText: string,
  leakedB64: string,
  b64: string,
  value: Buffer,
): Omit<KeyMatch, 'key'> | undefined {
  if (value.equals(leaked)) return { how: 'exact' };
  if (b64 === leakedText.trim() && b64.length > 0)
    return { how: 'base64', detail: 'the leak is the base64 text of the value' };
  if (value.toString('latin1').trim() === leakedB64)
    return { how: 'base64', detail: 'the value is the base64 of the leak' };
  if (leaked.length < MIN_CONTAINED_BYTES) return undefined;
  if (value.indexOf(leaked) !== -1) return { how: 'contained' };
  const auth = inDockerConfigAuth(value, leaked);
  if (auth) return { how: 'contained', detail: auth };
  if (value.indexOf(leakedB64.replace(/=+$/, '')) !== -1 && leakedB64.length >= 8)
    return { how: 'contained', detail: 'as base64' };
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
