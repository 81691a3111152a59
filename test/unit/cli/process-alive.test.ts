// Whether the pid of a lock's holder still runs: a killed process its parent has not reaped yet is a zombie, gone.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../../../src/cli/process-alive.js';

describe('isAlive', () => {
  it('this process runs; a pid that does not exist does not', () => {
    expect(isAlive(process.pid)).toBe(true);
    expect(isAlive(2 ** 22 + 1)).toBe(false);
  });

  it.runIf(existsSync('/proc/self/stat'))('a killed process left unreaped (a zombie) is gone', async () => {
    // `sleep 0.05` ends at once, but its parent became `sleep 5` (exec), which never waits: a zombie until then.
    const parent = spawn('sh', ['-c', 'sleep 0.05 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const pid = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d) => resolve(String(d)))));
      await new Promise((r) => setTimeout(r, 300));
      let signalled = true;
      try {
        process.kill(pid, 0);
      } catch {
        signalled = false;
      }
      expect(signalled, 'kill(pid, 0) still succeeds on a zombie').toBe(true);
      expect(isAlive(pid)).toBe(false);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
