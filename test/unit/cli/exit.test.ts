import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exitWhenFlushed, type Flushable } from '../../../src/cli/exit.js';
import { BUNDLE, ensureBundle } from '../../harness/runCli.js';

/** A stream whose writes leave when `flush` is called, with `err` if given. */
function pending(): Flushable & { flush(err?: Error): void } {
  const callbacks: Array<(err?: Error | null) => void> = [];
  return {
    write: (_chunk, callback) => callbacks.push(callback),
    flush: (err) => callbacks.splice(0).forEach((cb) => cb(err)),
  };
}

describe('exitWhenFlushed', () => {
  it('ends the process with the code once every stream has written what it was given, not before', () => {
    const exits: number[] = [];
    const [out, err] = [pending(), pending()];
    exitWhenFlushed(2, [out, err], (c) => exits.push(c));
    out.flush();
    expect(exits).toEqual([]);
    err.flush();
    expect(exits).toEqual([2]);
  });

  it('leaves a stream that failed to its error listener: the process is not ended here', () => {
    const exits: number[] = [];
    const [out, err] = [pending(), pending()];
    exitWhenFlushed(0, [out, err], (c) => exits.push(c));
    out.flush(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    err.flush();
    expect(exits).toEqual([]);
    const throwing: Flushable = {
      write: () => {
        throw new Error('write after end');
      },
    };
    exitWhenFlushed(0, [throwing], (c) => exits.push(c));
    expect(exits).toEqual([]);
  });

  it('calls back once per stream even when a stream calls back twice', () => {
    const exits: number[] = [];
    const twice: Flushable = {
      write: (_chunk, cb) => {
        cb();
        cb();
      },
    };
    const err = pending();
    exitWhenFlushed(3, [twice, err], (c) => exits.push(c));
    expect(exits).toEqual([]);
    err.flush();
    expect(exits).toEqual([3]);
  });
});

describe('the bundle ending at once after its command', () => {
  it('still reports an output it could not write (a full disk), with exit code 1', () => {
    if (!existsSync('/dev/full')) return;
    ensureBundle();
    const full = openSync('/dev/full', 'w');
    try {
      const r = spawnSync(process.execPath, [BUNDLE, 'version'], {
        stdio: ['ignore', full, 'pipe'],
        env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_DISABLE_COMPILE_CACHE: '1' },
        encoding: 'utf8',
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^error: cannot write the output: ENOSPC/);
    } finally {
      closeSync(full);
    }
  });

  it('prints the whole output before it ends (a pipe read slowly)', () => {
    ensureBundle();
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${BUNDLE}" --help | (sleep 0.3; cat)`], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_DISABLE_COMPILE_CACHE: '1' },
      encoding: 'utf8',
    });
    const whole = spawnSync(process.execPath, [BUNDLE, '--help'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_DISABLE_COMPILE_CACHE: '1' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^kubectl secrets <command>/);
    expect(r.stdout).toBe(whole.stdout);
  });
});
