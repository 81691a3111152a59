// Where counting threads cut the logs (src/sources/audit-count-plan.ts): into segments of about the
// same size that start at line starts, past each file's first lines (they tell its format), every
// byte of every file in exactly one segment, in order.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countingPlan, type CountingPlan } from '../../../src/sources/audit-count-plan.js';
import type { OpenedFile } from '../../../src/sources/audit-inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'audit-count-plan-'));
const LINE = '{"kind":"Event","objectRef":{"resource":"secrets"}}';

function file(name: string, content: string): OpenedFile {
  const absolutePath = join(dir, name);
  writeFileSync(absolutePath, content);
  return { path: name, absolutePath, compressed: false, chunkBytes: 1 << 16 };
}

function lines(n: number, pad = 0): string {
  return Array.from({ length: n }, (_, i) => `${LINE}${' '.repeat((i * 7 + pad) % 40)}\n`).join('');
}

/** Every file's bytes, in order, as the segments read them. */
function covered(plan: CountingPlan): { file: number; startAt: number; endAt: number }[] {
  return plan.segments.flat().map(({ file, startAt, endAt }) => ({ file, startAt, endAt }));
}

describe('cutting the logs into segments', () => {
  it('cuts at line starts, past each file’s first 5 non-empty lines, every byte once and in order', async () => {
    const a = lines(2000);
    const b = lines(3000, 3);
    const c = `\n\n${lines(7, 5)}`;
    const files = [file('a.log', a), file('empty.log', ''), file('b.log', b), file('c.log', c)];
    for (const threads of [2, 3, 4]) {
      const plan = (await countingPlan(files, 0, threads))!;
      expect(plan.segments).toHaveLength(threads);
      const pieces = covered(plan);
      const contents = [a, '', b, c];
      // each file from its start to its end, piece after piece
      let at = { file: 0, offset: 0 };
      for (const piece of pieces) {
        if (piece.file !== at.file) {
          expect(at.offset).toBe(contents[at.file]!.length);
          at = { file: piece.file, offset: 0 };
        }
        expect(piece.startAt).toBe(at.offset);
        at.offset = piece.endAt;
        const text = contents[piece.file]!;
        if (piece.startAt > 0) {
          expect(text[piece.startAt - 1]).toBe('\n');
          expect(text.slice(0, piece.startAt).trim().split('\n').length).toBeGreaterThanOrEqual(5);
        }
      }
      expect(new Set(pieces.map((p) => p.file))).toEqual(new Set([0, 1, 2, 3]));
      expect(pieces.filter((p) => p.file === 1)).toHaveLength(1);
      // segments of about the same size, the calling thread's larger by its head start (at most half again)
      const sizes = plan.segments.map((s) => s.reduce((n, p) => n + p.endAt - p.startAt, 0));
      const total = a.length + b.length + c.length;
      const head = Math.min(8 << 20, total / threads / 2);
      sizes.forEach((size, k) => {
        const expected = (total - head) / threads + (k === 0 ? head : 0);
        expect(Math.abs(size - expected)).toBeLessThan(total * 0.06);
      });
      for (const piece of plan.segments.flat()) {
        expect(piece.first).toBe(piece.startAt === 0);
        expect(piece.whole).toBe(piece.startAt === 0 && piece.endAt === contents[piece.file]!.length);
      }
    }
  });

  it('leaves a file given twice, a .gz, or logs where few lines mention Secrets to one thread', async () => {
    const a = file('twice.log', lines(100));
    expect(await countingPlan([a, a], 0, 2)).toBeNull();
    expect(await countingPlan([{ ...a, compressed: true }], 0, 2)).toBeNull();
    expect(await countingPlan([file('other.log', '{"kind":"Event"}\n'.repeat(500))], 0, 2)).toBeNull();
    expect(await countingPlan([a], 1 << 30, 2)).toBeNull();
  });
});
