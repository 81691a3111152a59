// Whether `audit` counts on threads (src/sources/audit-count-threads.ts): only where parsing JSON is
// the bottleneck, that is where most lines may read a Secret. Decided from windows of the logs.
import { open, type FileHandle } from 'node:fs/promises';
import { NEEDLE } from '../audit/prefilter.js';
import type { OpenedFile } from './audit-inputs.js';

/** Below this share of lines that mention Secrets, the logs are bound by reading them, which threads only repeat. */
const MIN_SECRET_LINES = 0.4;
/** Windows sampled to measure that share, spread over the logs: their start (a control plane's first minutes) is not like the rest. */
const SAMPLES = 8;
const SAMPLE_BYTES = 128 << 10;

/**
 * The files as every counting thread reads them (each up to the last whole line it has now, so that
 * threads reading a log still being written read the same bytes), or null when one thread should
 * count: the logs are smaller than `minBytes`, fewer than MIN_SECRET_LINES of their lines mention
 * Secrets, or one cannot be opened here.
 */
export async function countingPlan(files: readonly OpenedFile[], minBytes: number): Promise<OpenedFile[] | null> {
  if (files.some((f) => f.compressed || f.failure !== undefined)) return null;
  const handles: FileHandle[] = [];
  try {
    for (const file of files) handles.push(await open(file.absolutePath));
    const sizes = await Promise.all(handles.map(async (h) => wholeLines(h, (await h.stat()).size)));
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total === 0 || total < minBytes) return null;
    let lines = 0;
    let hits = 0;
    for (let w = 0; w < SAMPLES; w++) {
      let at = Math.floor((total * w) / SAMPLES);
      let i = 0;
      while (at >= sizes[i]!) at -= sizes[i++]!;
      const window = Buffer.alloc(SAMPLE_BYTES);
      const { bytesRead } = await handles[i]!.read(window, 0, SAMPLE_BYTES, at);
      const tally = secretLines(window.subarray(0, bytesRead), at > 0);
      lines += tally.lines;
      hits += tally.hits;
    }
    if (lines === 0 || hits / lines < MIN_SECRET_LINES) return null;
    return files.map((file, i) => ({ ...file, endAt: sizes[i]! }));
  } catch {
    return null;
  } finally {
    for (const handle of handles) await handle.close();
  }
}

/** The size up to the file's last newline now (all of it when its tail has none). */
async function wholeLines(handle: FileHandle, size: number): Promise<number> {
  const from = Math.max(0, size - SAMPLE_BYTES);
  const tail = Buffer.alloc(size - from);
  const { bytesRead } = await handle.read(tail, 0, tail.length, from);
  const nl = tail.subarray(0, bytesRead).lastIndexOf(0x0a);
  return nl === -1 ? size : from + nl + 1;
}

/** The whole lines of a window, and how many of them mention Secrets. */
function secretLines(window: Buffer, startsMidLine: boolean): { lines: number; hits: number } {
  let start = startsMidLine ? window.indexOf(0x0a) + 1 : 0;
  if (startsMidLine && start === 0) return { lines: 0, hits: 0 };
  let lines = 0;
  let hits = 0;
  let hit = window.indexOf(NEEDLE, start);
  for (let nl = window.indexOf(0x0a, start); nl !== -1; nl = window.indexOf(0x0a, start)) {
    lines++;
    if (hit !== -1 && hit < nl) {
      hits++;
      hit = window.indexOf(NEEDLE, nl);
    }
    start = nl + 1;
  }
  return { lines, hits };
}
