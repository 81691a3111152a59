/** Short flags that take a value, as kubectl (pflag) defines them. */
const VALUE_SHORTHANDS = new Set(['n', 'o', 'v']);

/**
 * Rewrites kubectl-style argv into a form yargs parses unambiguously:
 *   -ojson → -o json, -nprod → -n prod, -o=json → -o json,
 *   -v=6 / --v=6 → --v 6, and a bare -v (not followed by a level) → --v 1; help CMD → CMD --help.
 * After `--` nothing is a flag: a word there that could not be one anyway (a name) moves before it, since yargs
 * fills no positional from after `--`; words that begin with `-` stay after it (app.ts refuses them).
 */
export function normalizeArgv(argv: readonly string[]): string[] {
  // kubectl's help command: `help rotate` is `rotate --help`
  if (argv[0] === 'help') return normalizeArgv([...argv.slice(1), '--help']);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      const rest = argv.slice(i + 1);
      const dashed = rest.filter((a) => a.startsWith('-'));
      out.push(...rest.filter((a) => !a.startsWith('-')), ...(dashed.length > 0 ? ['--', ...dashed] : []));
      break;
    }
    if (arg === '-v' || arg === '--v') {
      const next = argv[i + 1];
      if (next !== undefined && /^\d+$/.test(next)) {
        out.push('--v', next);
        i++;
      } else {
        out.push('--v', '1');
      }
      continue;
    }
    const longV = /^--v=(.*)$/.exec(arg);
    if (longV) {
      out.push('--v', longV[1]!);
      continue;
    }
    const short = /^-([a-zA-Z])(=?)(.+)$/.exec(arg);
    if (short && VALUE_SHORTHANDS.has(short[1]!)) {
      out.push(short[1] === 'v' ? '--v' : `-${short[1]}`, short[3]!);
      continue;
    }
    out.push(arg);
  }
  return out;
}
