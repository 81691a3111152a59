// Reads the new values of a rotation from files, env files, literals and
// stdin. Errors name the flag, the path and a line number, never content:
// whatever is read may be a secret.
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CliError } from '../errors.js';

/** One value and where it came from; `showKey` false when the key may be part of a value. */
export interface ValueInput {
  key: string;
  bytes: Uint8Array;
  origin: string;
  showKey?: boolean;
}

export interface ValueFlags {
  fromFile: readonly string[];
  fromEnvFile: readonly string[];
  fromLiteral: readonly string[];
}

export interface ReadLimits {
  /** No single input may be larger (a Secret's size limit): checked before reading, and while reading devices and pipes. */
  maxBytes: number;
}

/** Bad input, printed as the one `error:` line: the message is safe to print (no values). */
export class ValueSourceError extends CliError {
  constructor(message: string) {
    super(message);
    this.name = 'ValueSourceError';
  }
}

export interface ReadValues {
  values: ValueInput[];
  /** True when `--from-file KEY=-` consumed stdin (so no prompt can read it). */
  usedStdin: boolean;
  warnings: string[];
}

/** Reads every value source, in flag order: files, env files, then literals. */
export async function readValueSources(
  flags: ValueFlags,
  stdin: NodeJS.ReadableStream,
  limits: ReadLimits,
): Promise<ReadValues> {
  const { maxBytes } = limits;
  const values: ValueInput[] = [];
  const warnings: string[] = [];
  let usedStdin = false;

  for (const spec of flags.fromFile) {
    const { key, path } = splitFileSpec(spec);
    if (path === '-' && key !== undefined) {
      if (usedStdin) throw new ValueSourceError('stdin can be read once only: give --from-file KEY=- a single time');
      usedStdin = true;
      values.push({
        key,
        bytes: await readAll(stdin, `--from-file ${key}=-`, maxBytes),
        origin: `--from-file ${key}=-`,
      });
      continue;
    }
    values.push(...(await readFileSpec(key, path, spec, maxBytes)));
  }
  for (const path of flags.fromEnvFile) {
    const bytes = await readBytes(path, `--from-env-file ${path}`, maxBytes);
    values.push(...parseEnvFile(bytes, `--from-env-file ${path}`));
  }
  flags.fromLiteral.forEach((literal, i) => {
    const origin = `--from-literal #${i + 1}`;
    const eq = literal.indexOf('=');
    // Without "=" the whole argument may be the value itself: name it by position only.
    if (eq < 0) throw new ValueSourceError(`${origin}: expected KEY=VALUE`);
    values.push({
      key: literal.slice(0, eq),
      bytes: Buffer.from(literal.slice(eq + 1), 'utf8'),
      origin,
      showKey: false,
    });
  });
  if (flags.fromLiteral.length > 0) {
    warnings.push(
      '--from-literal leaves the value in your shell history and the process list; prefer --from-file or --from-file KEY=- (stdin)',
    );
  }
  return { values, usedStdin, warnings };
}

/** `[key=]path`: the key defaults to the file's name (as in kubectl create secret). */
function splitFileSpec(spec: string): { key: string | undefined; path: string } {
  const eq = spec.indexOf('=');
  if (eq < 0) {
    if (spec === '-')
      throw new ValueSourceError('--from-file -: name the key of the value read from stdin: --from-file KEY=-');
    if (spec === '') throw new ValueSourceError('--from-file: empty path');
    return { key: undefined, path: spec };
  }
  const key = spec.slice(0, eq);
  const path = spec.slice(eq + 1);
  if (key === '') throw new ValueSourceError(`--from-file ${spec}: empty key before "="`);
  if (path === '') throw new ValueSourceError(`--from-file ${spec}: empty path after "="`);
  return { key, path };
}

async function readFileSpec(
  key: string | undefined,
  path: string,
  spec: string,
  maxBytes: number,
): Promise<ValueInput[]> {
  const origin = `--from-file ${spec}`;
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new ValueSourceError(`${origin}: ${describeFsError(err)}`);
  });
  if (!info.isDirectory()) {
    return [{ key: key ?? basename(path), bytes: await readBytes(path, origin, maxBytes), origin }];
  }
  if (key !== undefined)
    throw new ValueSourceError(`${origin}: a directory cannot be given a key (each file becomes one)`);
  // kubectl's directory form: every regular file directly inside becomes a key.
  const entries = await readdir(path, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    throw new ValueSourceError(`${origin}: ${describeFsError(err)}`);
  });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();
  if (files.length === 0) throw new ValueSourceError(`${origin}: the directory has no regular files`);
  const out: ValueInput[] = [];
  for (const name of files) {
    const file = join(path, name);
    out.push({
      key: name,
      bytes: await readBytes(file, `--from-file ${file}`, maxBytes),
      origin: `--from-file ${file}`,
    });
  }
  return out;
}

/**
 * Reads a file whole, but never more than `maxBytes`: a regular file is
 * refused by its size before any byte is read (a 2 GB sparse file), a device
 * or pipe (/dev/urandom) once it has given more.
 */
async function readBytes(
  path: string,
  origin: string,
  maxBytes: number,
  tooBig = (size?: number): ValueSourceError => tooLarge(origin, maxBytes, size),
): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new ValueSourceError(`${origin}: ${describeFsError(err as NodeJS.ErrnoException)}`);
  }
  try {
    const info = await handle.stat();
    if (info.isFile() && info.size > maxBytes) throw tooBig(info.size);
    return await gather(handleChunks(handle, maxBytes), maxBytes, () => tooBig());
  } catch (err) {
    if (err instanceof ValueSourceError) throw err;
    throw new ValueSourceError(`${origin}: ${describeFsError(err as NodeJS.ErrnoException)}`);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * A file's (or a pipe's) bytes, read into buffers of its own, up to one byte past maxBytes: a read stream would copy
 * each short read into a smaller buffer and drop, unzeroed, the one it read into.
 */
async function* handleChunks(handle: FileHandle, maxBytes: number): AsyncGenerator<Buffer> {
  for (let total = 0; total <= maxBytes;) {
    const chunk = Buffer.alloc(Math.min(64 * 1024, maxBytes + 1 - total));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) return;
    total += bytesRead;
    yield chunk.subarray(0, bytesRead);
  }
}

function tooLarge(origin: string, maxBytes: number, size?: number): ValueSourceError {
  const what = size === undefined ? `more than ${maxBytes} bytes` : `${size} bytes`;
  return new ValueSourceError(`${origin}: ${what}; a Secret holds at most ${maxBytes} bytes (1 MiB): not read`);
}

function describeFsError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    default:
      return `cannot read (${err.code ?? 'error'})`;
  }
}

/**
 * Chunks joined into one buffer, at most maxBytes (more: `tooBig`, and the source is left, a stream destroyed).
 * The chunks are zeroed once copied into the answer, or on a failure: a value read here is left in one buffer,
 * the caller's.
 */
async function gather(
  chunks: AsyncIterable<Buffer | string>,
  maxBytes: number,
  tooBig: () => ValueSourceError,
): Promise<Buffer> {
  const held: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of chunks) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      held.push(buf);
      total += buf.length;
      if (total > maxBytes) throw tooBig();
    }
    return Buffer.concat(held, total);
  } finally {
    for (const chunk of held) chunk.fill(0);
  }
}

/** A stream's bytes (stdin), as gather joins them. */
function readAll(
  stream: NodeJS.ReadableStream,
  origin: string,
  maxBytes: number,
  tooBig = (): ValueSourceError => tooLarge(origin, maxBytes),
): Promise<Buffer> {
  return gather(stream as AsyncIterable<Buffer | string>, maxBytes, tooBig);
}

/**
 * Parses an env file as kubectl does: `KEY=VALUE` per line, the value being
 * everything after the first "=" (no quoting), blank lines and `#` comments
 * skipped, leading whitespace trimmed. Unlike kubectl, a line without "=" is
 * an error rather than a lookup in the environment.
 */
export function parseEnvFile(bytes: Uint8Array, origin: string): ValueInput[] {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ValueSourceError(`${origin}: the file is not valid UTF-8${firstInvalidLine(bytes)}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const values: ValueInput[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '').replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    const where = `${origin} line ${i + 1}`;
    const eq = line.indexOf('=');
    if (eq < 0) throw new ValueSourceError(`${where}: expected KEY=VALUE`);
    if (eq === 0) throw new ValueSourceError(`${where}: empty key before "="`);
    values.push({
      key: line.slice(0, eq),
      bytes: Buffer.from(line.slice(eq + 1), 'utf8'),
      origin: where,
      showKey: false,
    });
  });
  if (values.length === 0) throw new ValueSourceError(`${origin}: no KEY=VALUE lines`);
  return values;
}

function firstInvalidLine(bytes: Uint8Array): string {
  let start = 0;
  let line = 1;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try {
        decoder.decode(bytes.subarray(start, i));
      } catch {
        return ` (line ${line})`;
      }
      start = i + 1;
      line++;
    }
  }
  return '';
}

/** A leaked value is a password, token or key: anything larger is most likely the wrong file. */
export const MAX_LEAKED_VALUE_BYTES = 64 * 1024;

/**
 * The value of `--value-from-file PATH` (`-`: stdin), read whole up to `maxBytes` (more is
 * refused without being read), one trailing newline dropped. The caller zeroes it when done.
 */
export async function readLeakedValue(
  path: string,
  stdin: NodeJS.ReadableStream,
  maxBytes = MAX_LEAKED_VALUE_BYTES,
): Promise<Buffer> {
  const origin = `--value-from-file ${path}`;
  const tooBig = `${origin}: more than ${Math.round(maxBytes / 1024)} KiB; give a file holding only the leaked value`;
  let bytes: Buffer;
  if (path !== '-') {
    const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
      throw new ValueSourceError(`${origin}: ${describeFsError(err)}`);
    });
    if (info.isDirectory()) throw new ValueSourceError(`${origin}: is a directory`);
    // a file, or a pipe (--value-from-file <(pbpaste): the leak never touches the disk), read as it comes
    bytes = await readBytes(path, origin, maxBytes, () => new ValueSourceError(tooBig));
  } else {
    bytes = await readAll(stdin, origin, maxBytes, () => new ValueSourceError(tooBig)).catch((err: unknown) => {
      if (err instanceof ValueSourceError) throw err;
      throw new ValueSourceError(`${origin}: ${describeFsError(err as NodeJS.ErrnoException)}`);
    });
  }
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 0x0a) end--;
  if (end > 0 && bytes[end - 1] === 0x0d) end--;
  if (end === 0) throw new ValueSourceError(`${origin}: empty; it must hold the leaked value`);
  return bytes.subarray(0, end);
}
