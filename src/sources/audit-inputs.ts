import { createReadStream } from 'node:fs';
import type { AuditInput } from '../audit/run.js';
import { expandInputs, type InputFile } from './expand-inputs.js';
import {
  CHUNK_BYTES,
  InputReadError,
  fileChunks,
  fileErrorWords,
  readStreamMaybeGzipped,
  startsWithGzipMagic,
  type FilePart,
} from './read-chunks.js';

export interface AuditInputOptions {
  /** Where "-" reads from. */
  stdin?: NodeJS.ReadableStream;
  chunkBytes?: number;
}

/**
 * A file input once opened, as plain data: what another thread needs to read it the same way
 * (src/sources/audit-scan-thread.ts). `failure` is why a file found in a directory cannot be read.
 */
export interface OpenedFile {
  path: string;
  absolutePath: string;
  compressed: boolean;
  failure?: string;
  chunkBytes: number;
  /** Read only this part of a plain file: the file as it was when threads began counting, or a thread's piece of it. */
  part?: FilePart;
}

/** The opened file behind each input read from a file (stdin has none). */
const openedFiles = new WeakMap<AuditInput, OpenedFile>();

export function openedFileOf(input: AuditInput): OpenedFile | undefined {
  return openedFiles.get(input);
}

/** The engine's input for an opened file: read in large chunks, gunzipped when it is gzip. */
export function inputOfFile(file: OpenedFile): AuditInput {
  const failure = file.failure;
  const input: AuditInput = {
    path: file.path,
    compressed: file.compressed,
    chunks: () =>
      failure !== undefined
        ? failing(new InputReadError(failure))
        : fileChunks(file.absolutePath, file.compressed, file.chunkBytes, file.part),
  };
  openedFiles.set(input, file);
  return input;
}

/** The engine's view of expanded files: each read in large chunks, gunzipped when it is gzip. */
export async function auditInputsFor(
  files: readonly InputFile[],
  options: AuditInputOptions = {},
): Promise<AuditInput[]> {
  const chunkBytes = options.chunkBytes ?? CHUNK_BYTES;
  const inputs: AuditInput[] = [];
  for (const file of files) {
    if (file.stdin || file.stream) {
      const stdin = options.stdin;
      if (file.stdin && !stdin) throw new Error('stdin was not provided');
      // Not an OpenedFile: read on this thread, as the only thread that has it.
      const input: AuditInput = {
        path: file.path,
        compressed: false,
        chunks: () =>
          readStreamMaybeGzipped(
            file.stdin ? stdin! : createReadStream(file.absolutePath, { highWaterMark: chunkBytes }),
            chunkBytes,
            () => (input.compressed = true),
          ),
      };
      inputs.push(input);
    } else {
      const opened = { path: file.path, absolutePath: file.absolutePath, compressed: false, chunkBytes };
      try {
        if (file.unreadable !== undefined) throw file.unreadable;
        opened.compressed = await startsWithGzipMagic(file.absolutePath);
      } catch (err) {
        if (!file.inDirectory) throw err;
        // Read in its turn, it fails at once: the engine warns about it and reads the others.
        inputs.push(inputOfFile({ ...opened, failure: fileErrorWords(err) }));
        continue;
      }
      inputs.push(inputOfFile(opened));
    }
  }
  return inputs;
}

/** --log arguments to engine inputs, oldest first; throws CliError "no such file: PATH". */
export async function openAuditLogs(
  args: readonly string[],
  options: AuditInputOptions & { cwd?: string } = {},
): Promise<AuditInput[]> {
  return auditInputsFor(await expandInputs(args, options.cwd), options);
}

// eslint-disable-next-line require-yield
async function* failing(err: Error): AsyncGenerator<Buffer> {
  throw err;
}
