import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
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

  describe('a damaged .gz hands on all it inflated before the damage, as gunzip does', () => {
    // ~1.3 MB of audit-like lines, ~60 KB gzipped: less than one read, one inflate call, one chunk
    const big = Array.from(
      { length: 6000 },
      (_, i) =>
        `{"kind":"Event","auditID":"${((i * 2654435761) % 2 ** 32).toString(16)}","user":{"username":"u${i % 7}"},"n":${i * 7919}}`,
    ).join('\n');
    const gz = gzipSync(big);
    /** What inflates before the first error: the longest prefix of the data that gunzips as far as it goes. */
    const inflatable = (data: Buffer): Buffer => {
      let [ok, bad] = [0, data.length + 1];
      while (bad - ok > 1) {
        const mid = (ok + bad) >> 1;
        try {
          gunzipSync(data.subarray(0, mid), { finishFlush: constants.Z_SYNC_FLUSH });
          ok = mid;
        } catch {
          bad = mid;
        }
      }
      return gunzipSync(data.subarray(0, ok), { finishFlush: constants.Z_SYNC_FLUSH });
    };
    const readDamaged = async (data: Buffer) => {
      const path = join(dir, `damaged-${data.length}-${Math.random()}.gz`);
      writeFileSync(path, data);
      const seen: Buffer[] = [];
      const error = await (async () => {
        for await (const c of readMaybeGzipped(path)) seen.push(Buffer.from(c));
      })().catch((err: unknown) => err as Record<string, unknown>);
      return { out: Buffer.concat(seen), error };
    };

    it('a wrong CRC or length at the end: every byte, then the error with where it is', async () => {
      for (const [at, message] of [
        [gz.length - 8, /incorrect data check/],
        [gz.length - 3, /incorrect length check/],
      ] as const) {
        const data = Buffer.from(gz);
        data[at]! ^= 0xff;
        const { out, error } = await readDamaged(data);
        expect(out.toString()).toBe(big);
        expect(error).toMatchObject({ gzip: 'corrupt', message: expect.stringMatching(message) });
        expect(error!.compressedOffset).toBeGreaterThan(gz.length - 16);
      }
    });

    it('reads the damaged file again, not whatever its path names by then (a log rotated meanwhile)', async () => {
      const data = Buffer.from(gz);
      data[gz.length - 8]! ^= 0xff;
      const path = join(dir, `rotated-${Math.random()}.gz`);
      writeFileSync(path, data);
      const seen: Buffer[] = [];
      const error = await (async () => {
        for await (const c of readMaybeGzipped(path, 16_384)) {
          if (seen.length === 0) {
            // logrotate: the file moves away and a new log starts under its name
            renameSync(path, `${path}.1`);
            writeFileSync(path, gzipSync(big.replace(/u[0-9]/g, 'x0')));
          }
          seen.push(Buffer.from(c));
        }
      })().catch((err: unknown) => err as Record<string, unknown>);
      expect(error).toMatchObject({ gzip: 'corrupt' });
      expect(Buffer.concat(seen).toString()).toBe(big);
    });

    it('damage in the middle: what inflated before it, to within a few KB', async () => {
      const flipped = (at: number) => {
        const data = Buffer.from(gz);
        data[at]! ^= 0x55;
        return data;
      };
      // most flips only garble bytes (a wrong CRC at the end); look for one that stops inflate midway
      let midway = -1;
      for (let at = Math.floor(gz.length * 0.3); at < gz.length * 0.7 && midway === -1; at++) {
        try {
          gunzipSync(flipped(at));
        } catch (err) {
          if (!/check/.test((err as Error).message)) midway = at;
        }
      }
      expect(midway).toBeGreaterThan(0);
      for (const at of [midway, Math.floor(gz.length / 2)]) {
        const data = flipped(at);
        const { out, error } = await readDamaged(data);
        expect(error).toMatchObject({ gzip: 'corrupt' });
        const before = inflatable(data);
        expect(before.length).toBeGreaterThan(big.length / 4);
        expect(before.subarray(0, out.length).equals(out)).toBe(true);
        expect(out.length).toBeGreaterThan(before.length - 16_384);
      }
    });
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
