import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { IO } from '../../../src/cli/io.js';
import { startProgress } from '../../../src/output/progress.js';

/** stderr as a terminal of 80 columns, with these environment variables. */
function terminal(env: NodeJS.ProcessEnv): { io: IO; written: () => string } {
  let text = '';
  const stderr = {
    isTTY: true,
    columns: 80,
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
    write: (s: string) => {
      text += s;
      return true;
    },
    on: () => stderr,
    once: () => stderr,
    removeListener: () => stderr,
  };
  const io: IO = { stdout: { write: () => true }, stderr, stdin: Readable.from([]), env };
  return { io, written: () => text };
}

describe('startProgress', () => {
  it('animates a spinner on a terminal', async () => {
    const t = terminal({ TERM: 'xterm-256color' });
    const progress = await startProgress(t.io);
    progress.step('listing pods');
    progress.done('listed 3 pods');
    expect(t.written()).toContain('\u001b[');
  });

  it.each([
    ['a dumb terminal (TERM=dumb: Emacs shell, some CI logs), where cursor moves print as garbage', { TERM: 'dumb' }],
    ['CI (CI set, as every CI service sets it), whose log keeps every frame', { TERM: 'xterm', CI: 'true' }],
  ])('writes only the lasting lines, no cursor moves, on %s', async (_name, env) => {
    const t = terminal(env);
    const progress = await startProgress(t.io);
    progress.step('listing pods');
    progress.done('listed 3 pods');
    progress.stop();
    expect(t.written()).toBe('listed 3 pods\n');
  });
});
