import { describe, expect, it } from 'vitest';
import { LineScanner } from '../../../src/audit/line-scanner.js';

function scan(content: Buffer, chunkBytes: number, maxLineBytes = 1 << 20, sampleLines = 0) {
  const seen: string[] = [];
  const scanner = new LineScanner(
    {
      line: (buf, s, e, hit, lineNo, last) =>
        seen.push(`${lineNo}${last ? '$' : ''}${hit === -1 ? '?' : ''}:${buf.toString('latin1', s, e)}`),
      huge: (lineNo) => seen.push(`${lineNo}:HUGE`),
    },
    { maxLineBytes, sampleLines },
  );
  for (let at = 0; at < content.length; at += chunkBytes) {
    const chunk = Buffer.from(content.subarray(at, at + chunkBytes));
    scanner.push(chunk);
    chunk.fill(0); // the scanner must have copied what it keeps
  }
  scanner.end();
  return { seen, lines: scanner.lines, nonEmpty: scanner.nonEmptyLines };
}

describe('LineScanner', () => {
  const lines = [
    '{"a":1}',
    '{"resource":"secrets"}',
    '',
    'plain',
    'two secrets secrets',
    '\r',
    `${'x'.repeat(50)}secrets`,
    'tail secrets',
  ];
  const content = Buffer.from(lines.join('\n'));

  it('hands on the lines that mention secrets, with their numbers, at any chunk size', () => {
    const expected = [
      '2:{"resource":"secrets"}',
      '5:two secrets secrets',
      `7:${'x'.repeat(50)}secrets`,
      '8$:tail secrets',
    ];
    for (const size of [1, 2, 3, 7, 16, 64, 1000]) {
      expect(scan(content, size)).toEqual({ seen: expected, lines: 8, nonEmpty: 6 });
    }
  });

  it('samples the first non-empty lines whatever they hold', () => {
    expect(scan(content, 5, 1 << 20, 3).seen).toEqual([
      '1?:{"a":1}',
      '2:{"resource":"secrets"}',
      '4?:plain',
      '5:two secrets secrets',
      `7:${'x'.repeat(50)}secrets`,
      '8$:tail secrets',
    ]);
  });

  it('always hands on a last line without a newline (it may be half written)', () => {
    expect(scan(Buffer.from('secrets\n{"half'), 4).seen).toEqual(['1:secrets', '2$?:{"half']);
    expect(scan(Buffer.from('secrets\n'), 4).seen).toEqual(['1:secrets']);
  });

  it('reports lines over the cap as huge, keeping counting lines, whether or not they span chunks', () => {
    const text = Buffer.from(
      `${['short secrets', `${'y'.repeat(40)}secrets`, 'after secrets', 'z'.repeat(100)].join('\n')}\n`,
    );
    for (const size of [3, 8, 1000]) {
      expect(scan(text, size, 30)).toEqual({
        seen: ['1:short secrets', '2:HUGE', '3:after secrets', '4:HUGE'],
        lines: 4,
        nonEmpty: 4,
      });
    }
  });
});
