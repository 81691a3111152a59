// compareText sorts as the default locale's Intl.Collator does; printable ASCII is compared without ICU where that
// collation is the root one. Checked against ICU itself.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../harness/prng.mjs';
import { compareAsciiAsRoot, compareText, ROOT_ASCII_ORDER } from '../../../src/util/compare.js';

const root = new Intl.Collator('und');
const sign = (n: number): number => Math.sign(n);

describe('compareText', () => {
  it('knows the root collation order of printable ASCII', () => {
    const printable = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));
    expect([...printable].sort(root.compare).join('')).toBe(ROOT_ASCII_ORDER);
  });

  it('orders texts of printable ASCII as the root collation does: case, punctuation, prefixes, digits', () => {
    const rand = mulberry32(20261205);
    // a small alphabet, so that texts often share a start, differ in case only, or are each other's prefix
    const alphabet = 'aAbBzZ09-_.:/ @~$';
    const text = (): string =>
      Array.from({ length: Math.floor(rand() * 7) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
    const names = ['system:masters', 'system:serviceaccounts', 'bwc-wc15-user12', 'bwc-wc15-user2', 'sa1', 'SA1', ''];
    const texts = [...names, ...Array.from({ length: 600 }, text)];
    for (const a of texts) {
      for (const b of texts.slice(0, 200)) {
        expect(compareAsciiAsRoot(a, b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(sign(root.compare(a, b)));
      }
    }
  });

  it('leaves everything else to ICU, and answers as the default collator does', () => {
    for (const [a, b] of [
      ['é', 'e'],
      ['a\u0001b', 'ab'],
      ['café', 'cafe'],
      ['\u00a0', ' '],
      ['a\tb', 'a b'],
    ]) {
      expect(compareAsciiAsRoot(a!, b!)).toBeUndefined();
    }
    const collator = new Intl.Collator();
    const texts = ['b', 'B', 'a-b', 'ab', 'é', 'e', 'Z', 'system:x', 'system1', 'x.y', 'x:y', ''];
    for (const a of texts) for (const b of texts) expect(sign(compareText(a, b))).toBe(sign(collator.compare(a, b)));
  });
});
