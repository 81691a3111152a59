const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses Go-style durations as kubectl and friends accept them: `30s`, `2m`,
 * `1h30m`, `7d` (days are our addition, handy for audit windows), `0`.
 * Returns undefined when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(trimmed); m; m = re.exec(trimmed)) {
    total += Number(m[1]) * UNITS_MS[m[2]!]!;
    matched = re.lastIndex;
  }
  return matched > 0 && matched === trimmed.length ? total : undefined;
}

/** kubectl's --request-timeout: a duration, or a bare integer of seconds (--request-timeout=5). */
export function parseRequestTimeout(text: string): number | undefined {
  return /^\s*\d+\s*$/.test(text) ? Number(text) * 1000 : parseDuration(text);
}

/** kubectl-style age: 45s, 12m, 5h, 3d. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
