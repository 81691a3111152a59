import { describe, expect, it } from 'vitest';
import { DENSE_AFTER, LineScanner, needleIn, UNSEARCHED } from '../../../src/audit/line-scanner.js';

function scan(content: Buffer, chunkBytes: number, maxLineBytes = 1 << 20, sampleLines = 0, denseAfter = Infinity) {
  const seen: string[] = [];
  /** Lines handed on without the needle searched for, and those of them that lacked it. */
  const unsearched = { lines: 0, lacking: 0 };
  const scanner = new LineScanner(
    {
      line: (buf, s, e, hit, lineNo, last) => {
        const found = hit === UNSEARCHED ? needleIn(buf, s, e) : hit;
        if (hit === UNSEARCHED) unsearched.lines++;
        if (hit === UNSEARCHED && found === -1) unsearched.lacking++;
        else
          seen.push(
            `${lineNo}${last ? '$' : ''}${found === -1 ? '?' : `@${found - s}`}:${buf.toString('latin1', s, e)}`,
          );
        return found !== -1;
      },
      huge: (lineNo) => seen.push(`${lineNo}:HUGE`),
    },
    { maxLineBytes, sampleLines, denseAfter },
  );
  for (let at = 0; at < content.length; at += chunkBytes) {
    const chunk = Buffer.from(content.subarray(at, at + chunkBytes));
    scanner.push(chunk);
    chunk.fill(0); // the scanner must have copied what it keeps
  }
  scanner.end();
  return { seen, lines: scanner.lines, nonEmpty: scanner.nonEmptyLines, unsearched };
}

/** What scan() says of lines, without the counts of unsearched lines. */
function handed(content: Buffer, chunkBytes: number, denseAfter: number, maxLineBytes = 1 << 20) {
  const { unsearched: _, ...rest } = scan(content, chunkBytes, maxLineBytes, 0, denseAfter);
  return rest;
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
      '2@13:{"resource":"secrets"}',
      '5@4:two secrets secrets',
      `7@50:${'x'.repeat(50)}secrets`,
      '8$@5:tail secrets',
    ];
    for (const size of [1, 2, 3, 7, 16, 64, 1000]) {
      expect(handed(content, size, Infinity)).toEqual({ seen: expected, lines: 8, nonEmpty: 6 });
    }
  });

  it('samples the first non-empty lines whatever they hold', () => {
    expect(scan(content, 5, 1 << 20, 3).seen).toEqual([
      '1?:{"a":1}',
      '2@13:{"resource":"secrets"}',
      '4?:plain',
      '5@4:two secrets secrets',
      `7@50:${'x'.repeat(50)}secrets`,
      '8$@5:tail secrets',
    ]);
  });

  it('always hands on a last line without a newline (it may be half written)', () => {
    expect(scan(Buffer.from('secrets\n{"half'), 4).seen).toEqual(['1@0:secrets', '2$?:{"half']);
    expect(scan(Buffer.from('secrets\n'), 4).seen).toEqual(['1@0:secrets']);
  });

  it('reports lines over the cap as huge, keeping counting lines, whether or not they span chunks', () => {
    const text = Buffer.from(
      `${['short secrets', `${'y'.repeat(40)}secrets`, 'after secrets', 'z'.repeat(100)].join('\n')}\n`,
    );
    for (const size of [3, 8, 1000]) {
      expect(handed(text, size, Infinity, 30)).toEqual({
        seen: ['1@6:short secrets', '2:HUGE', '3@6:after secrets', '4:HUGE'],
        lines: 4,
        nonEmpty: 4,
      });
    }
  });

  describe('after lines in a row that hold the needle, it stops searching until a line lacks it', () => {
    // Runs of lines with the needle (where a search may start it), broken by lines without, empty lines and huge ones.
    const rows: string[] = [];
    for (let run = 0; run < 12; run++) {
      for (let i = 0; i < run * 3; i++)
        rows.push(i % 5 === 4 ? '' : `{"i":${i},"resource":"se${'c'.repeat(1 + (i % 2))}rets"}`);
      rows.push(run % 4 === 0 ? '\r' : run % 4 === 1 ? 'z'.repeat(60) : run % 4 === 2 ? 'crets' : `plain ${run}`);
    }
    const text = Buffer.from(`${rows.join('\n')}\nlast secrets`);

    it('hands on the same lines, with the same hits, at any chunk size', () => {
      for (const size of [1, 5, 64, 4096]) {
        const searched = handed(text, size, Infinity, 50);
        expect(searched.seen.length).toBeGreaterThan(100);
        for (const denseAfter of [1, 2, 5, DENSE_AFTER]) expect(handed(text, size, denseAfter, 50)).toEqual(searched);
      }
    });

    it('hands on unsearched lines only in runs, and at most one that lacks the needle each time', () => {
      const { unsearched } = scan(text, 4096, 50, 0, 2);
      expect(unsearched.lines).toBeGreaterThan(50);
      expect(unsearched.lacking).toBeGreaterThan(0);
      expect(unsearched.lacking).toBeLessThanOrEqual(12);
      expect(scan(text, 4096, 50, 0, Infinity).unsearched.lines).toBe(0);
    });

    it('searches a long line rather than hand it on unsearched (its walk costs far more than the search)', () => {
      const read = '{"verb":"get","objectRef":{"resource":"secrets"}}';
      const big = `{"verb":"list","objectRef":{"resource":"configmaps"},"responseObject":"${'x'.repeat(200_000)}"}`;
      const rows: string[] = [];
      for (let run = 0; run < 10; run++) rows.push(...Array<string>(DENSE_AFTER + 8).fill(read), big);
      const { unsearched } = scan(Buffer.from(`${rows.join('\n')}\n`), 1 << 20, 1 << 20, 0, DENSE_AFTER);
      expect(unsearched.lines).toBeGreaterThan(0);
      expect(unsearched.lacking).toBe(0);
    });
  });
});

describe('LineScanner with an extra needle (the RBAC writes investigate looks for)', () => {
  const EXTRA = Buffer.from('rbac.authorization');
  const KINDS = ['secrets read', 'rbac.authorization write', 'secrets with rbac.authorization', 'pods', ''] as const;

  /** Random lines of each kind, dense stretches of Secret lines among them. */
  function lines(seed: number): string[] {
    let x = seed;
    const random = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    return Array.from({ length: 400 }, (_, i) => {
      const kind = random() < 0.7 ? KINDS[0] : KINDS[Math.floor(random() * KINDS.length)]!;
      return kind === '' ? '' : `{"n":${i},"what":"${kind}","pad":"${'x'.repeat(Math.floor(random() * 60))}"}`;
    });
  }

  it.each([1, 2, 3, 4, 5])(
    'seed %i: every line with the extra needle and no NEEDLE is handed on, in runs or not',
    (seed) => {
      const text = lines(seed);
      const content = Buffer.from(`${text.join('\n')}\n`);
      for (const chunkBytes of [7, 100, 4096]) {
        const handedOn = new Set<number>();
        let runs = 0;
        const scanner = new LineScanner(
          {
            line: (buf, s, e, hit, lineNo) => {
              handedOn.add(lineNo);
              return (hit === UNSEARCHED ? needleIn(buf, s, e) : hit) !== -1;
            },
            huge: () => {},
            // As the tally reads runs: the Secret lines it can, up to the first other one.
            run: (buf, start, end) => {
              let at = start;
              let read = 0;
              while (at < end) {
                const nl = buf.indexOf(0x0a, at);
                if (needleIn(buf, at, nl) === -1) break;
                read++;
                at = nl + 1;
              }
              if (read > 0) runs++;
              return read === 0 ? null : { end: at, lines: read, nonEmpty: read };
            },
          },
          { maxLineBytes: 1 << 20, sampleLines: 0, denseAfter: 4, extraNeedle: EXTRA },
        );
        for (let at = 0; at < content.length; at += chunkBytes) {
          const chunk = Buffer.from(content.subarray(at, at + chunkBytes));
          scanner.push(chunk);
          chunk.fill(0);
        }
        scanner.end();
        expect(scanner.lines).toBe(text.length);
        text.forEach((line, i) => {
          if (line.includes('rbac.authorization') && !line.includes('secrets'))
            expect(handedOn.has(i + 1), `seed ${seed} chunk ${chunkBytes} line ${i + 1}: ${line}`).toBe(true);
        });
        // Dense stretches are read in runs, though an extra needle is looked for.
        if (chunkBytes === 4096) expect(runs).toBeGreaterThan(0);
      }
    },
  );
});
