/**
 * The answer covers only part of what was asked for, and a script must not take it for a whole one: an audit input
 * could not be read to its end (a truncated or corrupt .gz), or a gate (exposure --fail-on) could not see everything.
 */
export const PARTIAL_ANSWER_EXIT = 5;

/** A stream the process wrote to: `write('', cb)` calls back once everything written before it has left. */
export interface Flushable {
  write(chunk: string, callback: (err?: Error | null) => void): unknown;
  readonly writableLength?: number;
  readonly destroyed?: boolean;
  readonly errored?: unknown;
}

/**
 * Ends the process with `code` as soon as what it wrote to `streams` has left, as kubectl ends when its command
 * returns. Left to wind down on its own, Node first finishes V8's pending garbage-collection work and closes the
 * connection to the API server: ~15 ms of CPU after every command. Nothing the command started is needed then:
 * its answer is written, its cluster client closed, and the launcher's code cache is written on 'exit', which
 * process.exit emits too. A stream that failed (EPIPE, ENOSPC) is left to its 'error' listener: the process then
 * winds down as before, with the exit code that listener or process.exitCode gives.
 */
export function exitWhenFlushed(
  code: number,
  streams: readonly Flushable[],
  exit: (code: number) => void = (c) => process.exit(c),
): void {
  let left = streams.length;
  let failed = false;
  if (left === 0) return exit(code);
  for (const stream of streams) {
    let called = false;
    const flushed = (err?: Error | null): void => {
      if (called) return;
      called = true;
      if (err) failed = true;
      if (--left === 0 && !failed) exit(code);
    };
    // nothing queued: everything written has left (no zero-length write, which a closed socket or /dev/full refuse)
    if (stream.writableLength === 0 && !stream.destroyed && !stream.errored) {
      flushed();
      continue;
    }
    try {
      stream.write('', flushed);
    } catch (err) {
      flushed(err instanceof Error ? err : new Error(String(err)));
    }
  }
}
