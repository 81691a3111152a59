// "Did you mean this?" as kubectl (cobra) gives it: candidates within a
// Levenshtein distance of 2, or that start with what was typed.

const MAX_DISTANCE = 2;

export function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** The closest candidates first (ties by name); none when nothing is close. */
export function suggestionsFor(typed: string, candidates: Iterable<string>): string[] {
  const word = typed.toLowerCase();
  const scored: Array<[string, number]> = [];
  for (const candidate of new Set(candidates)) {
    const c = candidate.toLowerCase();
    if (c === word) continue;
    const distance = levenshtein(word, c);
    if (distance <= MAX_DISTANCE || (word.length > 0 && c.startsWith(word))) scored.push([candidate, distance]);
  }
  return scored.sort((x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : 1)).map(([c]) => c);
}

/** kubectl's wording after the error line, or "" when nothing is close. */
export function didYouMean(suggestions: readonly string[]): string {
  return suggestions.length === 0 ? '' : `\n\nDid you mean this?\n${suggestions.map((s) => `\t${s}`).join('\n')}\n`;
}

/**
 * The first flag on the command line that the command does not know, e.g.
 * `--namspace` of `--namspace=prod` (everything after `--` is an argument).
 */
export function firstUnknownFlag(argv: readonly string[], known: ReadonlySet<string>): string | undefined {
  for (const arg of argv) {
    if (arg === '--') return undefined;
    if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) continue;
    const name = arg.replace(/^-+/, '').split('=')[0]!;
    if (!known.has(name)) return arg.split('=')[0];
  }
  return undefined;
}
