// A Helm release record is inflated (up to 64 MiB) once per key compared, even when the leak is tried a second time as
// pasted text (CRLF, a byte-order mark, spaces around it): inflating is most of the cost of searching a release.
import { gunzipSync, gzipSync } from 'node:zlib';
import type * as Zlib from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { matchSecret } from '../../../src/locate/match.js';

vi.mock('node:zlib', async (importOriginal) => {
  const zlib = await importOriginal<typeof Zlib>();
  return { ...zlib, gunzipSync: vi.fn(zlib.gunzipSync) };
});

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const record = (release: unknown) => b64(b64(gzipSync(JSON.stringify(release))));

describe('a Helm release record', () => {
  it('is inflated once per key, whether the leak is found as given, as pasted text, or not at all', () => {
    const leak = 'S3cr3t-Passw0rd-42';
    const release = record({ name: 'shop', config: { db: { password: leak } }, manifest: '' });
    const detail = 'in a Helm release record (its values or rendered manifest)';
    const inflated = vi.mocked(gunzipSync);
    for (const [given, found] of [
      [leak, [{ key: 'release', how: 'contained', detail }]],
      [` ${leak}\r\n`, [{ key: 'release', how: 'contained', detail: expect.stringContaining(detail) }]],
      [' not-the-value-at-all\r\n', []],
    ] as const) {
      inflated.mockClear();
      expect(matchSecret(Buffer.from(given), { release })).toEqual(found);
      expect(inflated, JSON.stringify(given)).toHaveBeenCalledTimes(1);
    }
  });
});
