import { open, type FileHandle } from 'node:fs/promises';
import zlib, { type ZlibOptions } from 'node:zlib';
import { Readable } from 'node:stream';

/**
 * An input that stopped before its end, in words for a `warning:` line, with
 * where it stopped (the audit engine reads these fields: ReadErrorDetails).
 */
export class InputReadError extends Error {
  constructor(
    message: string,
    readonly gzip?: 'truncated' | 'corrupt',
    readonly compressedOffset?: number,
    readonly compressedSize?: number,
  ) {
    super(message);
    this.name = 'InputReadError';
  }
}

const ERRNO_WORDS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOENT: 'no such file (a dangling link?)',
  ELOOP: 'too many levels of symbolic links',
  EISDIR: 'is a directory',
  EIO: 'input/output error',
};

/** A file system error as the words of a warning: "permission denied", not "EACCES: ..., open '/x'". */
export function fileErrorWords(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return (code && ERRNO_WORDS[code]) || (err instanceof Error ? err.message : String(err));
}

/** Large reads: a scan of a chunk costs far more than the read that filled it. */
export const CHUNK_BYTES = 4 << 20;

const GZIP_MAGIC = [0x1f, 0x8b];

export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
}

/** A part of a plain file: bytes [startAt, endAt) of the file it was when counting threads began (a piece of it, or all). */
export interface FilePart {
  startAt: number;
  endAt: number;
  /** The file's device and inode then: a log rotated since (renamed, a new one begun) is another file. */
  identity?: { dev: number; ino: number };
}

const CHANGED = 'the file changed while threads read it';

/** The piece is still where it was: the same file, a line starting at its start. */
async function checkPiece(file: FileHandle, { startAt, identity }: FilePart): Promise<void> {
  const stat = await file.stat();
  if (identity && (stat.dev !== identity.dev || stat.ino !== identity.ino)) throw new InputReadError(CHANGED);
  if (startAt === 0) return;
  const before = Buffer.alloc(1);
  const { bytesRead } = await file.read(before, 0, 1, startAt - 1);
  if (bytesRead !== 1 || before[0] !== 0x0a) throw new InputReadError(CHANGED);
}

function openForReading(path: string): Promise<FileHandle> {
  return open(path, 'r').catch((err: unknown) => {
    throw new InputReadError(fileErrorWords(err));
  });
}

/**
 * A file's bytes in chunks of `chunkBytes`, read into two buffers in turn: the next
 * read runs in the thread pool while the caller scans the chunk it was given. A chunk
 * is valid until the next one is asked for (its buffer is then refilled).
 */
export async function* readFileChunks(
  path: string,
  chunkBytes = CHUNK_BYTES,
  piece?: FilePart,
): AsyncGenerator<Buffer> {
  const file = await openForReading(path);
  const { startAt = 0, endAt = Infinity } = piece ?? {};
  const buffers = [Buffer.allocUnsafe(chunkBytes), Buffer.allocUnsafe(chunkBytes)];
  let turn = 0;
  let position = startAt;
  const next = (buffer: Buffer) => file.read(buffer, 0, Math.max(0, Math.min(chunkBytes, endAt - position)), position);
  let pending = next(buffers[0]!);
  try {
    if (piece) await checkPiece(file, piece);
    for (;;) {
      const { bytesRead, buffer } = await pending.catch((err: unknown) => {
        throw new InputReadError(fileErrorWords(err));
      });
      if (bytesRead === 0) {
        if (piece && position < endAt) throw new InputReadError(CHANGED);
        return;
      }
      position += bytesRead;
      turn ^= 1;
      pending = next(buffers[turn]!);
      yield bytesRead === chunkBytes ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    // a caller that stops early leaves a read in flight
    await pending.catch(() => undefined);
    await file.close();
  }
}

/**
 * Decompressed chunks of gzip data (several members, as `cat a.gz b.gz`, included).
 * zlib inflates the next chunk in the thread pool while the caller scans this one. It
 * only moves on between turns of the event loop, so a chunk is as large as what the
 * caller scans at once, and one chunk is buffered ahead (a larger buffer would only be
 * handed over concatenated, that is copied).
 *
 * Damaged data: zlib drops what the failing call had inflated (up to a chunk) and what was
 * buffered ahead. When the data can be read again (`reopen`: a file), the bytes up to the
 * damage are handed on as gunzip writes them (damageTail) before the error is thrown.
 */
export async function* gunzipChunks(
  compressed: Readable,
  chunkBytes = CHUNK_BYTES,
  compressedSize?: number,
  reopen?: () => Readable,
): AsyncGenerator<Buffer> {
  // highWaterMark is a stream option zlib passes on; its type leaves it out
  const gunzip = zlib.createGunzip({ chunkSize: chunkBytes, highWaterMark: chunkBytes } as ZlibOptions);
  let sourceError: unknown;
  // Bytes handed to zlib: where it stopped, to within one read of the source.
  let fed = 0;
  let delivered = 0;
  compressed.on('data', (chunk: Buffer) => (fed += chunk.length));
  compressed.on('error', (err) => {
    sourceError = err;
    gunzip.destroy(err);
  });
  compressed.pipe(gunzip);
  let failure: unknown;
  try {
    for await (const chunk of gunzip) {
      delivered += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    return;
  } catch (err) {
    if (sourceError !== undefined) throw new InputReadError(fileErrorWords(sourceError));
    failure = err;
  } finally {
    compressed.destroy();
    gunzip.destroy();
  }
  // zlib's Z_BUF_ERROR ("unexpected end of file") is data that stops early; anything else is damage.
  const kind = (failure as { code?: string }).code === 'Z_BUF_ERROR' ? 'truncated' : 'corrupt';
  // truncated: where the data ends; damage: where the pass that fed small pieces met it
  let offset = Math.max(fed, gunzip.bytesWritten);
  if (reopen) {
    const reached = yield* damageTail(reopen(), gunzip.bytesWritten, delivered, compressedSize);
    if (kind === 'corrupt') offset = reached;
  }
  throw new InputReadError((failure as Error).message, kind, offset, compressedSize);
}

/** Past the point the first pass reached, zlib is fed pieces this small: a failing call loses what one inflated. */
const DAMAGE_PIECE = 256;
/** How far past that point pieces stay small: the first pass's failing call read at most one read of the source. */
const DAMAGE_SPAN = 2 << 20;
const GZIP_TRAILER = 8;

/**
 * Inflates the data again and hands on its bytes past the `delivered` ones, up to the damage:
 * the first `consumed` compressed bytes (what zlib's calls that succeeded took) as they come,
 * then small pieces, the last 8 bytes alone (a member's CRC and length: at a wrong one, every
 * byte before is handed on, as gunzip writes them). Returns the compressed offset it stopped at.
 */
async function* damageTail(
  source: Readable,
  consumed: number,
  delivered: number,
  size: number | undefined,
): AsyncGenerator<Buffer, number> {
  const trailerAt = size === undefined ? -1 : size - GZIP_TRAILER;
  async function* pieces(): AsyncGenerator<Buffer> {
    let at = 0;
    for await (const chunk of source as AsyncIterable<Buffer>) {
      let from = 0;
      while (from < chunk.length) {
        const pos = at + from;
        let end = pos < consumed ? consumed : pos < consumed + DAMAGE_SPAN ? pos + DAMAGE_PIECE : Infinity;
        if (pos < trailerAt && end > trailerAt) end = trailerAt;
        const take = Math.min(chunk.length - from, end - pos);
        yield chunk.subarray(from, from + take);
        from += take;
      }
      at += chunk.length;
    }
  }
  const gunzip = zlib.createGunzip({ chunkSize: 1 << 20 });
  const input = Readable.from(pieces(), { objectMode: false });
  input.on('error', (err) => gunzip.destroy(err));
  input.pipe(gunzip);
  let skip = delivered;
  try {
    for await (const out of gunzip as AsyncIterable<Buffer>) {
      if (skip >= out.length) {
        skip -= out.length;
        continue;
      }
      yield out.subarray(skip);
      skip = 0;
    }
  } catch {
    // the damage again (or the file cannot be read again): where it is, to within a piece
  } finally {
    input.destroy();
    gunzip.destroy();
  }
  return gunzip.bytesWritten;
}

/** A file's decompressed bytes when it starts with the gzip magic, whatever its name; else its bytes. */
export async function* readMaybeGzipped(path: string, chunkBytes = CHUNK_BYTES): AsyncGenerator<Buffer> {
  yield* fileChunks(path, await startsWithGzipMagic(path), chunkBytes);
}

/** A file's bytes, decompressed when `gzip` (as startsWithGzipMagic found). */
export async function* fileChunks(
  path: string,
  gzip: boolean,
  chunkBytes = CHUNK_BYTES,
  piece?: FilePart,
): AsyncGenerator<Buffer> {
  if (!gzip) return yield* readFileChunks(path, chunkBytes, piece);
  // The file is opened for its second pass too (gunzipChunks' reopen, for damaged data) before the first begins: the
  // same file is read again, not whatever the path names by then (a log rotated meanwhile).
  const first = await openForReading(path);
  const again = await openForReading(path).catch(async (err: unknown) => {
    await first.close();
    throw err;
  });
  try {
    const size = (await first.stat()).size;
    const stream = (file: FileHandle) => file.createReadStream({ highWaterMark: 1 << 20 });
    yield* gunzipChunks(stream(first), chunkBytes, size, () => stream(again));
  } finally {
    await first.close();
    await again.close();
  }
}

export async function startsWithGzipMagic(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await file.read(head, 0, 2, 0);
    return isGzip(head.subarray(0, bytesRead));
  } finally {
    await file.close();
  }
}

/** A stream (stdin) as chunks, decompressed when it starts with the gzip magic (then onGzip is called). */
export async function* readStreamMaybeGzipped(
  stream: NodeJS.ReadableStream,
  chunkBytes = CHUNK_BYTES,
  onGzip?: () => void,
): AsyncGenerator<Buffer> {
  const iterator = (stream as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const head = typeof first.value === 'string' ? Buffer.from(first.value) : first.value;
  const rest = async function* (): AsyncGenerator<Buffer> {
    yield head;
    for (let r = await iterator.next(); !r.done; r = await iterator.next())
      yield typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
  };
  if (isGzip(head)) {
    onGzip?.();
    yield* gunzipChunks(Readable.from(rest()), chunkBytes);
  } else {
    yield* rest();
  }
}
