import { escapeLine } from '../output/terminal.js';

/** The streams a command reads and writes. Passed in, never taken from
 * globals, so tests run whole commands in-process and read what they print. */
export interface Writer {
  /** Text, or its UTF-8 bytes (a Buffer: what String() makes of it is the text). */
  write(chunk: string | Buffer): unknown;
  isTTY?: boolean;
}

export interface IO {
  stdout: Writer;
  stderr: Writer;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export function processIO(): IO {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function colorEnabled(io: IO, stream: Writer = io.stdout): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

/** One `warning:` line; the message may quote untrusted text, so its newlines and controls are made visible. */
export function warn(io: IO, message: string): void {
  io.stderr.write(`warning: ${escapeLine(message)}\n`);
}
