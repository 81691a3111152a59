import type { AuditInput } from '../audit/run.js';
import { expandInputs, type InputFile } from './expand-inputs.js';
import {
  CHUNK_BYTES,
  InputReadError,
  fileChunks,
  fileErrorWords,
  readStreamMaybeGzipped,
  startsWithGzipMagic,
} from './read-chunks.js';

export interface AuditInputOptions {
  /** Where "-" reads from. */
  stdin?: NodeJS.ReadableStream;
  chunkBytes?: number;
}

/** The engine's view of expanded files: each read in large chunks, gunzipped when it is gzip. */
export async function auditInputsFor(
  files: readonly InputFile[],
  options: AuditInputOptions = {},
): Promise<AuditInput[]> {
  const chunkBytes = options.chunkBytes ?? CHUNK_BYTES;
  const inputs: AuditInput[] = [];
  for (const file of files) {
    if (file.stdin) {
      const stdin = options.stdin;
      if (!stdin) throw new Error('stdin was not provided');
      const input: AuditInput = {
        path: '-',
        compressed: false,
        chunks: () => readStreamMaybeGzipped(stdin, chunkBytes, () => (input.compressed = true)),
      };
      inputs.push(input);
    } else {
      let compressed: boolean;
      try {
        if (file.unreadable !== undefined) throw file.unreadable;
        compressed = await startsWithGzipMagic(file.absolutePath);
      } catch (err) {
        if (!file.inDirectory) throw err;
        // Read in its turn, it fails at once: the engine warns about it and reads the others.
        inputs.push({
          path: file.path,
          compressed: false,
          chunks: () => failing(new InputReadError(fileErrorWords(err))),
        });
        continue;
      }
      inputs.push({ path: file.path, compressed, chunks: () => fileChunks(file.absolutePath, compressed, chunkBytes) });
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
