import type { IO } from '../cli/io.js';
import { colorEnabled } from '../cli/io.js';

/**
 * Progress on stderr. On a terminal a spinner shows the current step; off a
 * terminal only lasting lines (`done`) are written, so logs stay clean.
 */
export interface Progress {
  step(text: string): void;
  done(text: string): void;
  stop(): void;
}

export async function startProgress(io: IO): Promise<Progress> {
  if (io.stderr.isTTY !== true) {
    return { step: () => {}, done: (text) => io.stderr.write(`${text}\n`), stop: () => {} };
  }
  const { default: ora } = await import('ora');
  const spinner = ora({
    stream: io.stderr as NodeJS.WritableStream,
    color: colorEnabled(io, io.stderr) ? 'cyan' : false,
    isEnabled: true,
  });
  return {
    step: (text) => {
      spinner.text = text;
      if (!spinner.isSpinning) spinner.start();
    },
    done: (text) => {
      spinner.stop();
      io.stderr.write(`${text}\n`);
    },
    stop: () => spinner.stop(),
  };
}
