// Whether `audit` counts on threads (src/sources/audit-count-threads.ts): only where parsing JSON is
// the bottleneck, that is where most lines may read a Secret. Decided from windows of the logs; and
// where each thread's segment of the logs starts (src/audit/segments.ts).
import { open, type FileHandle } from 'node:fs/promises';
import { NEEDLE } from '../audit/prefilter.js';
import { samplesEnd, type FilePiece } from '../audit/input-scan.js';
import type { OpenedFile } from './audit-inputs.js';

/** The part of one file a segment reads: bytes [startAt, endAt) of files[file]. */
export interface PlannedPiece extends FilePiece {
  file: number;
  startAt: number;
  endAt: number;
}

/** The files, each up to its last whole line when the count began, and the pieces of them each thread reads, in order. */
export interface CountingPlan {
  files: OpenedFile[];
  segments: PlannedPiece[][];
}

/** Below this share of lines that mention Secrets, the logs are bound by reading them, which threads only repeat. */
const MIN_SECRET_LINES = 0.4;
/** What a GKE Cloud Audit Logs entry holds. */
const GKE_ENTRY = Buffer.from('"protoPayload"');
/** Windows sampled to measure that share, spread over the logs: their start (a control plane's first minutes) is not like the rest. */
const SAMPLES = 8;
const SAMPLE_BYTES = 128 << 10;
/** How far a file's head is read for the lines that tell its format: lines this long (RequestResponse bodies) are rare. */
const MAX_SAMPLED_BYTES = 32 << 20;
/**
 * What the calling thread counts more than another: it counts while the others start. A worker thread takes
 * 40–60 ms to start on 2 cores, while a thread counts a secrets-only log at about 350 MB/s of its CPU; but the
 * calling thread also joins the counts, and 4, 8, 12 and 16 MB measured the same on the bench's 100 MB log.
 */
const HEAD_START_BYTES = 8 << 20;

/**
 * The files split into up to `threads` segments of about the same size, each starting at a line start (each
 * file as it is now: a log still being written is read as one thread would read it now), or null when one
 * thread should count: the logs are smaller than `minBytes`, fewer than MIN_SECRET_LINES of their lines
 * mention Secrets, most of those are GKE entries, a file is given twice, they make one segment, or one cannot
 * be opened here.
 */
export async function countingPlan(
  files: readonly OpenedFile[],
  minBytes: number,
  threads: number,
  /** Called once the logs are known to be worth threads, before they are cut (workers can start meanwhile). */
  onWorthThreads?: () => void,
): Promise<CountingPlan | null> {
  if (files.some((f) => f.compressed || f.failure !== undefined)) return null;
  const named = (key: (f: OpenedFile) => string) => new Set(files.map(key)).size === files.length;
  if (!named((f) => f.path) || !named((f) => f.absolutePath)) return null;
  const handles: FileHandle[] = [];
  try {
    for (const file of files) handles.push(await open(file.absolutePath));
    // Each file as it is now (a log still being written, as one thread would read it now); a file rotated since is another.
    const stats = await Promise.all(handles.map((h) => h.stat()));
    const sizes = stats.map((s) => s.size);
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total === 0 || total < minBytes) return null;
    let lines = 0;
    let hits = 0;
    let gke = 0;
    // The windows are read at once: one after the other, their reads were most of the plan's ~16 ms.
    const windows = await Promise.all(
      Array.from({ length: SAMPLES }, async (_, w) => {
        let at = Math.floor((total * w) / SAMPLES);
        let i = 0;
        while (at >= sizes[i]!) at -= sizes[i++]!;
        const window = Buffer.alloc(SAMPLE_BYTES);
        const { bytesRead } = await handles[i]!.read(window, 0, SAMPLE_BYTES, at);
        return { bytes: window.subarray(0, bytesRead), midLine: at > 0 };
      }),
    );
    for (const { bytes, midLine } of windows) {
      const tally = secretLines(bytes, midLine);
      lines += tally.lines;
      hits += tally.hits;
      gke += tally.gke;
    }
    if (lines === 0 || hits / lines < MIN_SECRET_LINES) return null;
    // GKE logs no time of receipt: a watch's first and last entries differ in time, so one that falls in two
    // segments makes the join give up (src/audit/segments.ts), and with many watches one nearly always does.
    if (gke * 2 > hits) return null;
    onWorthThreads?.();
    // The calling thread counts the first segment, larger by its head start (at most half a segment): it counts
    // while the others are still starting.
    const head = Math.min(HEAD_START_BYTES, total / threads / 2);
    const cuts: number[] = [0];
    for (let k = 1; k < threads; k++) {
      const at = head + ((total - head) * k) / threads;
      cuts.push(Math.max(cuts[k - 1]!, await lineStartAfter(handles, sizes, at)));
    }
    cuts.push(total);
    const planned = files.map((file, i) => {
      const { dev, ino } = stats[i]!;
      return { ...file, part: { startAt: 0, endAt: sizes[i]!, identity: { dev, ino } } };
    });
    const segments = segmentsOf(sizes, cuts).filter((pieces) => pieces.length > 0);
    return segments.length > 1 ? { files: planned, segments } : null;
  } catch {
    return null;
  } finally {
    for (const handle of handles) await handle.close();
  }
}

/**
 * The first line start at or after `at` bytes into the files one after the other, past the lines that
 * tell a file's format (only a file's first piece reads them as such: input-scan.ts).
 */
async function lineStartAfter(handles: FileHandle[], sizes: readonly number[], at: number): Promise<number> {
  let file = 0;
  let offset = Math.floor(at);
  while (file < sizes.length && offset >= sizes[file]!) offset -= sizes[file++]!;
  const fileStart = Math.floor(at) - offset;
  if (file === sizes.length || offset === 0) return Math.floor(at);
  const handle = handles[file]!;
  const size = sizes[file]!;
  const [next, samples] = await Promise.all([nextLineStart(handle, size, offset), samplesEndOf(handle, size)]);
  return fileStart + Math.max(next, samples);
}

/** The line start at or after `offset` in the file (its size when none). */
async function nextLineStart(handle: FileHandle, size: number, offset: number): Promise<number> {
  // The byte before `offset` on: the first newline there ends the line `offset` is in.
  const window = Buffer.alloc(SAMPLE_BYTES);
  for (let from = offset - 1; from < size; from += SAMPLE_BYTES) {
    const { bytesRead } = await handle.read(window, 0, Math.min(SAMPLE_BYTES, size - from), from);
    const nl = window.subarray(0, bytesRead).indexOf(0x0a);
    if (nl !== -1) return from + nl + 1;
    if (bytesRead === 0) break;
  }
  return size;
}

/** Where the lines a scan of the file samples to tell its format end (its size when they are not in its first MiBs). */
async function samplesEndOf(handle: FileHandle, size: number): Promise<number> {
  for (let length = SAMPLE_BYTES; ; length *= 4) {
    const head = Buffer.alloc(Math.min(size, length));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const end = samplesEnd(head.subarray(0, bytesRead));
    if (end !== -1) return end;
    if (bytesRead < length || length >= MAX_SAMPLED_BYTES) return size;
  }
}

/** Each segment's pieces of files, segment k reading bytes [cuts[k], cuts[k + 1]) of the files one after the other. */
function segmentsOf(sizes: readonly number[], cuts: readonly number[]): PlannedPiece[][] {
  const segments: PlannedPiece[][] = cuts.slice(1).map(() => []);
  let fileStart = 0;
  sizes.forEach((size, file) => {
    const fileEnd = fileStart + size;
    for (let k = 0; k < segments.length; k++) {
      const [from, to] = [cuts[k]!, cuts[k + 1]!];
      const last = k === segments.length - 1;
      // An empty file goes to the segment its place is in (the last one for places at the very end).
      const holds = size === 0 ? fileStart >= from && (fileStart < to || last) : fileStart < to && fileEnd > from;
      if (!holds) continue;
      const startAt = Math.max(from, fileStart) - fileStart;
      const endAt = Math.min(to, fileEnd) - fileStart;
      segments[k]!.push({ file, startAt, endAt, first: startAt === 0, whole: startAt === 0 && endAt === size });
      if (size === 0) break;
    }
    fileStart = fileEnd;
  });
  return segments;
}

/** The whole lines of a window, and how many of them mention Secrets. */
function secretLines(window: Buffer, startsMidLine: boolean): { lines: number; hits: number; gke: number } {
  let start = startsMidLine ? window.indexOf(0x0a) + 1 : 0;
  if (startsMidLine && start === 0) return { lines: 0, hits: 0, gke: 0 };
  let lines = 0;
  let hits = 0;
  let gke = 0;
  let hit = window.indexOf(NEEDLE, start);
  for (let nl = window.indexOf(0x0a, start); nl !== -1; nl = window.indexOf(0x0a, start)) {
    lines++;
    if (hit !== -1 && hit < nl) {
      hits++;
      if (window.subarray(start, nl).includes(GKE_ENTRY)) gke++;
      hit = window.indexOf(NEEDLE, nl);
    }
    start = nl + 1;
  }
  return { lines, hits, gke };
}
