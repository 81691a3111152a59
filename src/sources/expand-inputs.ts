import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { CliError } from '../errors.js';
import { expandGlob, hasGlob } from './glob.js';

/** A file to read, or "-" for standard input. */
export interface InputFile {
  /** As given (or found under a directory given); "-" for stdin. */
  path: string;
  absolutePath: string;
  stdin: boolean;
  /** A pipe, FIFO or device (`--log <(zcat audit.log.gz)`): read once, in order, as stdin is (no seeking). */
  stream?: boolean;
  /** Epoch ms the file's contents end at: the time in a rotated file's name, else its mtime. */
  time: number;
  /**
   * Found in a directory given, not named: if it cannot be read the others still are
   * (a partial answer with a warning), where a named file that cannot be read is an error.
   */
  inDirectory?: boolean;
  /** Why a file found in a directory could not even be looked at (a dangling link, a link loop). */
  unreadable?: unknown;
}

/** `audit-2025-06-01T10-00-00.000.log[.gz]`: the API server's (lumberjack's) rotated files. */
const ROTATED = /-(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})(\.\d{3})?\.[^/]*$/;

export function rotatedTime(path: string): number | null {
  const m = ROTATED.exec(basename(path));
  if (!m) return null;
  const ms = Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}${m[5] ?? ''}Z`);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * Turns --log arguments into the files to read, oldest first: a file, a directory (its
 * files, not recursing, hidden ones left out), a glob the shell did not expand, or "-"
 * for stdin. Rotated files go by the time in their name, others by mtime, so a directory
 * of rotated files ends with the live audit.log. A file named twice is read once.
 * Throws CliError "no such file: PATH" for anything that does not exist.
 */
export async function expandInputs(args: readonly string[], cwd: string = process.cwd()): Promise<InputFile[]> {
  const files: InputFile[] = [];
  const seen = new Set<string>();
  let stdin = false;
  const addFile = async (path: string, mtimeMs: number, inDirectory = false): Promise<void> => {
    const real = await realpath(resolve(cwd, path));
    if (seen.has(real)) return;
    seen.add(real);
    files.push({
      path,
      absolutePath: resolve(cwd, path),
      stdin: false,
      time: rotatedTime(path) ?? mtimeMs,
      inDirectory,
    });
  };

  for (const arg of args) {
    if (arg === '-') {
      stdin = true;
      continue;
    }
    const paths = hasGlob(arg) ? await expandGlob(arg, cwd) : [arg];
    if (paths.length === 0) throw new CliError(`no such file: ${arg}`);
    for (const path of paths) {
      const absolutePath = resolve(cwd, path);
      const info = await statOrThrow(absolutePath, path);
      if (!info.isDirectory() && !info.isFile()) {
        // no time of its own: read first, as stdin is; its path (/dev/fd/63) has no real path to compare
        if (seen.has(absolutePath)) continue;
        seen.add(absolutePath);
        files.push({ path, absolutePath, stdin: false, stream: true, time: 0 });
        continue;
      }
      if (!info.isDirectory()) {
        // A file a glob found is one of a set, as a directory's files are: unreadable, it is skipped with a warning.
        await addFile(path, info.mtimeMs, hasGlob(arg));
        continue;
      }
      const entries = await readdir(absolutePath, { withFileTypes: true });
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue;
        const child = join(path, entry.name);
        const childInfo = await stat(resolve(cwd, child)).catch((err: unknown) => err as Error);
        if (childInfo instanceof Error) {
          const absolutePath = resolve(cwd, child);
          files.push({
            path: child,
            absolutePath,
            stdin: false,
            time: rotatedTime(child) ?? 0,
            inDirectory: true,
            unreadable: childInfo,
          });
        } else if (childInfo.isFile()) {
          await addFile(child, childInfo.mtimeMs, true);
        }
      }
    }
  }
  files.sort((a, b) => a.time - b.time || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // stdin has no time of its own; it is read first
  return stdin ? [{ path: '-', absolutePath: '-', stdin: true, time: 0 }, ...files] : files;
}

async function statOrThrow(absolute: string, shown: string) {
  try {
    return await stat(absolute);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new CliError(`no such file: ${shown}`);
    if (code === 'EACCES' || code === 'EPERM') throw new CliError(`permission denied: ${shown}`);
    throw new CliError(`cannot read ${shown}: ${(err as Error).message}`);
  }
}
