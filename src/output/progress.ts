import type { IO } from '../cli/io.js';
import { colorEnabled } from '../cli/io.js';
import { escapeLine, rawWriter } from './terminal.js';

/**
 * Progress on stderr. On a terminal a spinner shows the current step; off a
 * terminal only lasting lines (`done`) are written, so logs stay clean.
 */
export interface Progress {
  step(text: string): void;
  done(text: string): void;
  stop(): void;
}

export async function startProgress(io: IO, { quiet = false }: { quiet?: boolean } = {}): Promise<Progress> {
  if (!canAnimate(io)) {
    // quiet: nothing at all off a terminal, not even the lasting lines
    return { step: () => {}, done: (text) => quiet || io.stderr.write(`${text}\n`), stop: () => {} };
  }
  const { default: ora } = await import('ora');
  const spinner = ora({
    // The spinner's own cursor moves must reach the terminal; its text is escaped below.
    stream: rawWriter(io.stderr) as NodeJS.WritableStream,
    color: colorEnabled(io, io.stderr) ? 'cyan' : false,
    isEnabled: true,
  });
  return {
    step: (text) => {
      spinner.text = escapeLine(text);
      if (!spinner.isSpinning) spinner.start();
    },
    done: (text) => {
      spinner.stop();
      io.stderr.write(`${text}\n`);
    },
    stop: () => spinner.stop(),
  };
}

/**
 * A spinner moves the cursor: only on a real terminal stream with a width (a
 * pty of 0 columns, as under `script`, makes ora clear lines without end), not
 * a dumb one (TERM=dumb prints the cursor moves as text) and not in CI (a pty
 * there is a log that keeps every frame), as ora itself decides by default.
 */
function canAnimate(io: IO): boolean {
  if (io.env.TERM === 'dumb') return false;
  if (io.env.CI !== undefined && io.env.CI !== '' && io.env.CI !== 'false') return false;
  const stderr = rawWriter(io.stderr) as { isTTY?: boolean; cursorTo?: unknown; columns?: number };
  return stderr.isTTY === true && typeof stderr.cursorTo === 'function' && (stderr.columns ?? 0) > 0;
}
