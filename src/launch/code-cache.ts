// The V8 code cache of the bundle (./launcher.ts): what V8 compiled during one run of a command, kept on disk so that
// the next run of that command starts from bytecode instead of parsing and compiling ~1.4 MB of JavaScript again.
// Node's own compile cache (module.enableCompileCache) saves only what is compiled before the bundle runs: the top
// level, not the functions compiled lazily as they are first called, which are most of a command's code.
// Every step is best-effort: a cache that cannot be read, written or trusted is simply not used.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

// A cache file: magic, crc32 of the rest, then the length of the shapes' JSON, the JSON, V8's data.
const MAGIC = 0x3876534b; // "KSv8"
const HEADER_BYTES = 8;
/** Caches of other builds or Node versions not written for this long are removed when a new one is written. */
const STALE_MS = 7 * 24 * 3600 * 1000;
/** At most this many command words get a cache of their own per build (typos must not fill the disk). */
const MAX_FILES_PER_BUILD = 24;
/** A cache grows with the paths of its command that runs take, up to this many; then it stays as it is. */
const MAX_SHAPES = 16;

type Env = Record<string, string | undefined>;

/**
 * The cache directory: $KUBECTL_SECRETS_CACHE/code-cache, else the platform's per-user cache directory
 * (XDG on Linux, ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows). Undefined when there is none, or when
 * NODE_DISABLE_COMPILE_CACHE is set (Node's own switch for its compile cache).
 */
export function codeCacheDir(env: Env, platform: NodeJS.Platform, home: string): string | undefined {
  if (env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  const join = platform === 'win32' ? path.win32.join : path.posix.join;
  if (env.KUBECTL_SECRETS_CACHE) return join(env.KUBECTL_SECRETS_CACHE, 'code-cache');
  let root: string | undefined;
  if (platform === 'win32') root = env.LOCALAPPDATA && join(env.LOCALAPPDATA, 'kubectl-secrets', 'cache');
  else if (platform === 'darwin') root = home && join(home, 'Library', 'Caches', 'kubectl-secrets');
  else if (env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME))
    root = join(env.XDG_CACHE_HOME, 'kubectl-secrets');
  else root = home && join(home, '.cache', 'kubectl-secrets');
  return root ? join(root, 'code-cache') : undefined;
}

/**
 * Which cache a run uses, and what it ran: one cache per command word (`who-can`, `version`, `help` for --help, `-`
 * for a flag first), so that each holds what its command compiles; the shape (the flags' names, not their values)
 * tells runs that take other paths of the command (`--direct-only`, `--log`) apart.
 */
export function runShape(args: readonly string[]): { word: string; shape: string } {
  const first = args[0] ?? '';
  const help = args.some((a) => a === '--help' || a === '-h');
  const word = help ? 'help' : /^_{0,2}[a-z][a-z-]{0,31}$/.test(first) ? first : '-';
  const flags = new Set(args.filter((a) => /^-[-\w]/.test(a)).map((a) => a.split('=')[0]!));
  return { word, shape: [...flags].sort().join(' ') };
}

/** What names one cache: the build (content hash of the bundle), its file's mtime, V8's version, the CPU. */
export function cacheKey(buildId: string, mainMtimeMs: number, v8Version: string, arch: string): string {
  return `${buildId}-${Math.trunc(mainMtimeMs).toString(36)}-${v8Version}-${arch}`.replace(/[^\w.-]/g, '_');
}

export const cacheFile = (dir: string, key: string, word: string): string => path.join(dir, `${key}.${word}.cache`);

const crc32 = (data: Uint8Array): number | undefined =>
  typeof zlib.crc32 === 'function' ? zlib.crc32(data) >>> 0 : undefined;

export interface CodeCache {
  data: Buffer;
  /** The shapes of the runs it holds the code of (runShape). */
  shapes: string[];
}

/**
 * The cache in `file`, or undefined when it is missing, truncated or damaged, or when someone else could have
 * written it (another owner, writable by others): V8 runs its bytecode unchecked.
 */
export function readCodeCache(file: string): CodeCache | undefined {
  let bytes: Buffer;
  let fd: number | undefined;
  try {
    if (!ownDirectory(path.dirname(file))) return undefined;
    // O_NONBLOCK: a FIFO in its place must not hold the run (it is then refused as not a file)
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || !ownFile(stat)) return undefined;
    bytes = fs.readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  if (bytes.length <= HEADER_BYTES || bytes.readUInt32LE(0) !== MAGIC) return undefined;
  const body = bytes.subarray(HEADER_BYTES);
  const sum = crc32(body);
  if (sum === undefined || sum !== bytes.readUInt32LE(4) || body.length < 4) return undefined;
  const shapesEnd = 4 + body.readUInt32LE(0);
  if (shapesEnd >= body.length) return undefined;
  try {
    const shapes: unknown = JSON.parse(body.toString('utf8', 4, shapesEnd));
    if (!Array.isArray(shapes) || !shapes.every((x) => typeof x === 'string')) return undefined;
    return { data: body.subarray(shapesEnd), shapes };
  } catch {
    return undefined;
  }
}

function ownFile(stat: fs.Stats): boolean {
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return true;
  return stat.uid === process.getuid() && (stat.mode & 0o022) === 0;
}

/**
 * Whether `dir` is a directory of the user's that no one else may write: elsewhere (KUBECTL_SECRETS_CACHE=/tmp/x)
 * another user could plant links at the names the cache writes, or swap files.
 */
function ownDirectory(dir: string): boolean {
  // not through a link: one swapped in by whoever may write its parent (sudo keeping the user's HOME, say) would
  // have the cache written and old files removed in a directory of the user's chosen by someone else
  const stat = fs.lstatSync(dir);
  return stat.isDirectory() && ownFile(stat);
}

/** Whether a run of `shape` should write its cache at the end: none yet, V8 refused it, or a new path of the command. */
export function wantsWrite(cache: CodeCache | undefined, rejected: boolean, shape: string): boolean {
  if (cache === undefined || rejected) return true;
  return !cache.shapes.includes(shape) && cache.shapes.length < MAX_SHAPES;
}

/** The shapes a cache written after a run of `shape` holds: what was loaded (its code is still compiled) and this one. */
export function shapesAfter(cache: CodeCache | undefined, rejected: boolean, shape: string): string[] {
  const before = cache === undefined || rejected ? [] : cache.shapes;
  return before.includes(shape) ? before : [...before, shape];
}

/**
 * Writes `data` as `file` atomically (a temporary file renamed over it: concurrent runs each write a whole file and
 * readers never see half of one), in a directory only the user can read. Returns false when it did not.
 */
export function writeCodeCache(file: string, key: string, cache: { data: Uint8Array; shapes: string[] }): boolean {
  const shapes = Buffer.from(JSON.stringify(cache.shapes));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(shapes.length, 0);
  const body = Buffer.concat([length, shapes, cache.data]);
  const sum = crc32(body);
  if (sum === undefined) return false;
  const dir = path.dirname(file);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!ownDirectory(dir)) return false;
    if (!removeStale(dir, key, path.basename(file))) return false;
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32LE(MAGIC, 0);
    header.writeUInt32LE(sum, 4);
    // A new file (O_EXCL: never through a link, nor into a file left there), whatever lies at its name is removed
    try {
      fs.unlinkSync(tmp);
    } catch {}
    fs.writeFileSync(tmp, Buffer.concat([header, body]), { mode: 0o600, flag: 'wx' });
    fs.renameSync(tmp, file);
    return true;
  } catch {
    try {
      fs.unlinkSync(tmp);
    } catch {}
    return false;
  }
}

/** Removes other builds' caches not written for a week; false when this build has too many other files already. */
function removeStale(dir: string, key: string, target: string): boolean {
  let own = 0;
  const now = Date.now();
  for (const name of fs.readdirSync(dir)) {
    if (name.startsWith(`${key}.`) && name.endsWith('.cache')) {
      if (name !== target) own++;
      continue;
    }
    if (!name.endsWith('.cache') && !name.endsWith('.tmp')) continue;
    try {
      const full = path.join(dir, name);
      if (now - fs.statSync(full).mtimeMs > STALE_MS) fs.unlinkSync(full);
    } catch {}
  }
  return own < MAX_FILES_PER_BUILD;
}

/** The user's home directory, or '' when the platform cannot name one. */
export function homeDir(): string {
  try {
    return os.homedir();
  } catch {
    return '';
  }
}
