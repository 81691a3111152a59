import readline from 'node:readline';
import type { IO } from './io.js';

/** Asks a yes/no question on stderr and reads the answer from stdin (a terminal); default no. */
export async function confirm(io: IO, question: string): Promise<boolean> {
  io.stderr.write(`${question} [y/N] `);
  const rl = readline.createInterface({ input: io.stdin, terminal: false });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    return /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    rl.close();
  }
}

/** Whether a human is there to answer: stdin and stderr are terminals. */
export const canPrompt = (io: IO): boolean => io.stdin.isTTY === true && io.stderr.isTTY === true;
