// compareText must sort as the default locale's Intl.Collator does (as localeCompare did) in every locale the
// process can start in. A locale given in BCP 47 form with collation keywords (LANG=en-US-u-kn: numeric order,
// LANG=en-US-u-kf-upper: uppercase first) resolves to plain `en-US` for Intl.PluralRules, which drops the -u-
// keywords it has no use for, while Intl.Collator keeps them. Run in a child process: the default locale is read
// from the environment once, at start.
import { execFileSync } from 'node:child_process';
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';

const compareJs = buildSync({
  entryPoints: [new URL('../../../src/util/compare.ts', import.meta.url).pathname],
  bundle: true,
  format: 'esm',
  platform: 'node',
  write: false,
}).outputFiles[0]!.text;

const PAIRS = [
  ['pod-9', 'pod-10'],
  ['a', 'A'],
  ['secret', 'Secret'],
  ['db-2', 'db-11'],
];

/** For each pair: [compareText's sign, the default Intl.Collator's sign], in a process started with `lang`. */
function signsUnder(lang: string): Array<[number, number]> {
  const script = `${compareJs}
const icu = new Intl.Collator();
console.log(JSON.stringify(${JSON.stringify(PAIRS)}.map(([a, b]) => [Math.sign(compareText(a, b)), Math.sign(icu.compare(a, b))])));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, LANG: lang },
    encoding: 'utf8',
  });
  return JSON.parse(out) as Array<[number, number]>;
}

describe('compareText in the default locale', () => {
  // ICU also takes the keywords in its own underscore form (en_US_u_kn: numeric order), which a check for `-u-` misses.
  for (const lang of [
    'C',
    'en_US.UTF-8',
    'sv_SE.UTF-8',
    'en-US-u-kn',
    'en-US-u-kf-upper',
    'en_US_u_kn',
    'en_u_kf_upper',
  ]) {
    it(`orders as the default Intl.Collator does with LANG=${lang}`, () => {
      const signs = signsUnder(lang);
      PAIRS.forEach(([a, b], i) => expect(signs[i]![0], `${a} vs ${b}`).toBe(signs[i]![1]));
    });
  }
});
