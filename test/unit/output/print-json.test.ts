// -o json is written an item at a time; the text must be JSON.stringify(doc, null, 2) exactly.
import { describe, expect, it } from 'vitest';
import { writeJson } from '../../../src/output/print.js';

const written = (doc: object): string => {
  const parts: string[] = [];
  writeJson(doc, (t) => parts.push(t));
  return parts.join('');
};
const expected = (doc: object): string => `${JSON.stringify(doc, null, 2)}\n`;

describe('writeJson', () => {
  it('is JSON.stringify(doc, null, 2) and a newline, whatever the items hold', () => {
    const docs: object[] = [
      { apiVersion: 'v1', kind: 'K', metadata: { warnings: [] }, items: [] },
      { apiVersion: 'v1', kind: 'K', metadata: {}, items: [1, 'two', null, true] },
      {
        kind: 'K',
        metadata: { a: undefined, b: [{ c: [] }] },
        items: [
          {
            s: 'line\nbreak "quoted" → arrow \u0007',
            nested: { list: [[], [1, [2, {}]]], empty: {} },
            gone: undefined,
          },
          undefined,
          () => 1,
          new Date(0),
          [],
        ],
      },
      { items: [{ a: 1 }], kind: 'items first' },
      { kind: 'no items' },
    ];
    for (const doc of docs) expect(written(doc)).toBe(expected(doc));
  });

  it('writes a long list in several chunks, the same text', () => {
    const doc = {
      kind: 'WhoCanReport',
      metadata: {},
      items: Array.from({ length: 20_000 }, (_, i) => ({ subject: `user-${i}`, via: 'rolebinding/x → role/y', n: i })),
    };
    const parts: string[] = [];
    writeJson(doc, (t) => parts.push(t));
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.join('')).toBe(expected(doc));
  });
});
