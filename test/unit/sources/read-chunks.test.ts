import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readFileChunks, readMaybeGzipped, readStreamMaybeGzipped } from '../../../src/sources/read-chunks.js';
import { auditInputsFor } from '../../../src/sources/audit-inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'audit-read-'));
const text = `${Array.from({ length: 2000 }, (_, i) => `{"line":${i},"pad":"${'p'.repeat(i % 50)}"}`).join('\n')}\n`;

async function collect(chunks: AsyncIterable<Buffer>): Promise<{ text: string; sizes: number[] }> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(Buffer.from(c)); // copy: buffers are reused
  return { text: Buffer.concat(parts).toString(), sizes: parts.map((p) => p.length) };
}

describe('reading inputs', () => {
  it('reads a file in chunks of the size asked for', async () => {
    const path = join(dir, 'plain.log');
    writeFileSync(path, text);
    const { text: got, sizes } = await collect(readFileChunks(path, 4096));
    expect(got).toBe(text);
    expect(sizes.slice(0, -1).every((s) => s === 4096)).toBe(true);
  });

  it('gunzips by content, not by name, several gzip members included', async () => {
    const path = join(dir, 'rotated.log');
    const half = text.length / 2;
    writeFileSync(path, Buffer.concat([gzipSync(text.slice(0, half)), gzipSync(text.slice(half))]));
    expect((await collect(readMaybeGzipped(path, 8192))).text).toBe(text);
    const [input] = await auditInputsFor([{ path, absolutePath: path, stdin: false, time: 0 }]);
    expect(input!.compressed).toBe(true);
  });

  it('fails on a truncated .gz after handing on what it could', async () => {
    const path = join(dir, 'cut.log.gz');
    const gz = gzipSync(text);
    writeFileSync(path, gz.subarray(0, gz.length - 100));
    const seen: Buffer[] = [];
    await expect(
      (async () => {
        for await (const c of readMaybeGzipped(path, 4096)) seen.push(Buffer.from(c));
      })(),
    ).rejects.toThrow(/unexpected end of file/);
    expect(Buffer.concat(seen).length).toBeGreaterThan(0);
  });

  it('reads stdin, plain or gzip, and says which', async () => {
    for (const gz of [false, true]) {
      const stdin = new PassThrough();
      const [input] = await auditInputsFor([{ path: '-', absolutePath: '-', stdin: true, time: 0 }], { stdin });
      stdin.end(gz ? gzipSync(text) : text);
      expect((await collect(input!.chunks() as AsyncIterable<Buffer>)).text).toBe(text);
      expect(input!.compressed).toBe(gz);
    }
    const empty = new PassThrough();
    empty.end();
    expect((await collect(readStreamMaybeGzipped(empty))).text).toBe('');
  });
});

describe('stopping early', () => {
  it('closes the file when the caller stops after the first chunk', async () => {
    const path = join(dir, 'early.log');
    writeFileSync(path, text);
    for await (const chunk of readFileChunks(path, 1024)) {
      expect(chunk.length).toBe(1024);
      break;
    }
    // nothing left open or rejected: reading again works
    expect((await collect(readFileChunks(path, 1 << 20))).text).toBe(text);
  });
});
