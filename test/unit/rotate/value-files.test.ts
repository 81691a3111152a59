import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, createWriteStream, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseEnvFile, readLeakedValue, readValueSources, ValueSourceError } from '../../../src/sources/value-files.js';

const dir = mkdtempSync(join(tmpdir(), 'rotate-values-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string | Buffer): string => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
const stdin = (text = ''): NodeJS.ReadableStream => Readable.from(text ? [Buffer.from(text)] : []);
const read = (flags: { fromFile?: string[]; fromEnvFile?: string[]; fromLiteral?: string[] }, input = '') =>
  readValueSources(
    { fromFile: flags.fromFile ?? [], fromEnvFile: flags.fromEnvFile ?? [], fromLiteral: flags.fromLiteral ?? [] },
    stdin(input),
    {
      maxBytes: 1024 * 1024,
    },
  );
const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ValueSourceError);
    return (err as Error).message;
  }
  throw new Error('expected a failure');
}

describe('readValueSources', () => {
  it('refuses inputs above the size limit before reading them whole', async () => {
    const sparse = join(dir, 'sparse');
    writeFileSync(sparse, '');
    truncateSync(sparse, 2 * 1024 ** 3);
    expect(await failure(read({ fromFile: [`pw=${sparse}`] }))).toBe(
      `--from-file pw=${sparse}: 2147483648 bytes; a Secret holds at most 1048576 bytes (1 MiB): not read`,
    );
    expect(await failure(read({ fromEnvFile: [sparse] }))).toMatch(
      /^--from-env-file .*: 2147483648 bytes; a Secret holds at most/,
    );
    expect(await failure(read({ fromFile: ['pw=/dev/urandom'] }))).toBe(
      '--from-file pw=/dev/urandom: more than 1048576 bytes; a Secret holds at most 1048576 bytes (1 MiB): not read',
    );
    expect(await failure(read({ fromFile: ['pw=-'] }, 'x'.repeat(1024 * 1024 + 1)))).toMatch(
      /^--from-file pw=-: more than 1048576 bytes/,
    );
    const exact = file('exact', Buffer.alloc(1024 * 1024, 1));
    expect((await read({ fromFile: [`pw=${exact}`] })).values[0]!.bytes.length).toBe(1024 * 1024);
  });

  it('reads files (key from the name or given), env files, literals and stdin', async () => {
    const pw = file('password', 'p4ss\n');
    const tls = file('server.pem', 'PEM');
    const env = file('app.env', 'USER=app\n# comment\n\n  HOST=db=primary\r\n');
    const out = await read(
      { fromFile: [pw, `tls.crt=${tls}`, 'token=-'], fromEnvFile: [env], fromLiteral: ['port=5432'] },
      'from-stdin',
    );
    expect(out.values.map((x) => [x.key, text(x.bytes)])).toEqual([
      ['password', 'p4ss\n'],
      ['tls.crt', 'PEM'],
      ['token', 'from-stdin'],
      ['USER', 'app'],
      ['HOST', 'db=primary'],
      ['port', '5432'],
    ]);
    expect(out.usedStdin).toBe(true);
    expect(out.warnings).toEqual([expect.stringMatching(/--from-literal leaves the value in your shell history/)]);
  });

  it('adds every regular file of a directory', async () => {
    const d = join(dir, 'certs');
    mkdirSync(d);
    writeFileSync(join(d, 'tls.key'), 'K');
    writeFileSync(join(d, 'tls.crt'), 'C');
    mkdirSync(join(d, 'sub'));
    const out = await read({ fromFile: [d] });
    expect(out.values.map((x) => x.key)).toEqual(['tls.crt', 'tls.key']);
  });

  it('names the flag and path of a missing or unreadable file', async () => {
    expect(await failure(read({ fromFile: [join(dir, 'nope')] }))).toBe(
      `--from-file ${join(dir, 'nope')}: no such file`,
    );
    expect(await failure(read({ fromEnvFile: [join(dir, 'nope.env')] }))).toBe(
      `--from-env-file ${join(dir, 'nope.env')}: no such file`,
    );
    if (process.getuid?.() !== 0) {
      const locked = file('locked', 'x');
      chmodSync(locked, 0);
      expect(await failure(read({ fromFile: [locked] }))).toBe(`--from-file ${locked}: permission denied`);
    }
  });

  it('refuses malformed specs without echoing literal values', async () => {
    expect(await failure(read({ fromFile: ['=x'] }))).toBe('--from-file =x: empty key before "="');
    expect(await failure(read({ fromFile: ['k='] }))).toBe('--from-file k=: empty path after "="');
    expect(await failure(read({ fromFile: ['-'] }))).toMatch(/name the key of the value read from stdin/);
    expect(await failure(read({ fromFile: ['a=-', 'b=-'] }))).toMatch(/stdin can be read once only/);
    const msg = await failure(read({ fromLiteral: ['ok=1', 'hunter2'] }));
    expect(msg).toBe('--from-literal #2: expected KEY=VALUE');
    expect(await failure(read({ fromFile: [`k=${dir}`] }))).toMatch(/a directory cannot be given a key/);
  });
});

describe('readLeakedValue', () => {
  it('reads a pipe (--value-from-file <(pbpaste)), up to its limit; refuses a directory', async () => {
    const fifo = join(dir, 'leak-fifo');
    execFileSync('mkfifo', [fifo]);
    createWriteStream(fifo).end('tok-123\n');
    expect((await readLeakedValue(fifo, stdin())).toString()).toBe('tok-123');
    const big = join(dir, 'big-fifo');
    execFileSync('mkfifo', [big]);
    createWriteStream(big).end(Buffer.alloc(70 * 1024, 0x61));
    expect(await failure(readLeakedValue(big, stdin()))).toBe(
      `--value-from-file ${big}: more than 64 KiB; give a file holding only the leaked value`,
    );
    expect(await failure(readLeakedValue(dir, stdin()))).toBe(`--value-from-file ${dir}: is a directory`);
  });

  it('leaves no copy of the value behind but the one it returns: the chunks it read are zeroed', async () => {
    const chunks = [Buffer.from('tok-'), Buffer.from('456\n')];
    const source = new PassThrough();
    for (const chunk of chunks) source.write(chunk);
    source.end();
    expect((await readLeakedValue('-', source)).toString()).toBe('tok-456');
    for (const chunk of chunks) expect(chunk.every((b) => b === 0)).toBe(true);
  });

  it('leaves no copy of a value read from a file or a named pipe once the caller zeroes it', async () => {
    // A read stream shrinks each short read into a copy and drops, unzeroed, the 64 KiB buffer it read into.
    const value = 'Lk9-file-leaked-token';
    const fifo = join(dir, 'leak.fifo');
    execFileSync('mkfifo', [fifo]);
    const seen: Buffer[] = [];
    const spies = (['allocUnsafeSlow', 'allocUnsafe', 'alloc'] as const).map((fn) => {
      const original = Buffer[fn].bind(Buffer) as (...a: unknown[]) => Buffer;
      return vi.spyOn(Buffer, fn).mockImplementation(((...a: unknown[]) => {
        const b = original(...a);
        seen.push(b);
        return b;
      }) as never);
    });
    try {
      for (const path of [file('leak.txt', `${value}\n`), fifo]) {
        if (path === fifo) setTimeout(() => writeFileSync(fifo, `${value}\n`), 20);
        const got = await readLeakedValue(path, stdin());
        expect(got.toString()).toBe(value);
        got.fill(0);
        expect(seen.filter((b) => b.includes(value)).length).toBe(0);
      }
      const [fromFile] = (await read({ fromFile: [`k=${file('rot.txt', value)}`] })).values;
      fromFile!.bytes.fill(0);
      expect(seen.filter((b) => b.includes(value)).length).toBe(0);
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });
});

describe('parseEnvFile', () => {
  it('reports the line of a syntax error, never its content', () => {
    const bytes = Buffer.from('A=1\nB=2\nthis-line-is-a-secret-value\n');
    expect(() => parseEnvFile(bytes, '--from-env-file x.env')).toThrow(
      '--from-env-file x.env line 3: expected KEY=VALUE',
    );
    try {
      parseEnvFile(bytes, 'x');
    } catch (err) {
      expect((err as Error).message).not.toContain('secret-value');
    }
    expect(() => parseEnvFile(Buffer.from('=v\n'), 'e')).toThrow('e line 1: empty key before "="');
  });

  it('refuses invalid UTF-8 and an empty file', () => {
    expect(() => parseEnvFile(Buffer.from([0x41, 0x3d, 0x31, 0x0a, 0x42, 0x3d, 0xff, 0x0a]), 'e')).toThrow(
      'e: the file is not valid UTF-8 (line 2)',
    );
    expect(() => parseEnvFile(Buffer.from('# only a comment\n'), 'e')).toThrow('e: no KEY=VALUE lines');
  });

  it('strips a byte-order mark and keeps values verbatim (no quote processing)', () => {
    const out = parseEnvFile(Buffer.from('\ufeffA="quoted" \nB=\n'), 'e');
    expect(out.map((x) => [x.key, text(x.bytes)])).toEqual([
      ['A', '"quoted" '],
      ['B', ''],
    ]);
    expect(out.every((x) => x.showKey === false)).toBe(true);
  });
});
