import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { exitWhenFlushed, type Flushable } from '../../../src/cli/exit.js';
import { BUNDLE, ensureBundle } from '../../harness/runCli.js';

// The bundle is built once, before the tests that run it: a build on a busy machine outlasts a test's 5 s.
beforeAll(() => ensureBundle(), 120_000);

const ENV = { PATH: process.env['PATH'], HOME: process.env['HOME'], NODE_DISABLE_COMPILE_CACHE: '1' };

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
    const full = openSync('/dev/full', 'w');
    try {
      const r = spawnSync(process.execPath, [BUNDLE, 'version'], {
        stdio: ['ignore', full, 'pipe'],
        env: ENV,
        encoding: 'utf8',
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^error: cannot write the output: ENOSPC/);
    } finally {
      closeSync(full);
    }
  });

  it('prints the whole output before it ends, when it outgrows the pipe and is read slowly', () => {
    const log = Array.from({ length: 600 }, (_, i) =>
      JSON.stringify({
        kind: 'Event',
        apiVersion: 'audit.k8s.io/v1',
        stage: 'ResponseComplete',
        auditID: `id-${i}`,
        requestURI: `/api/v1/namespaces/ns/secrets/s${i}`,
        verb: 'get',
        user: { username: `user-${i}` },
        objectRef: { resource: 'secrets', namespace: 'ns', name: `s${i}`, apiVersion: 'v1' },
        responseStatus: { code: 200 },
        requestReceivedTimestamp: '2026-12-01T10:00:00Z',
      }),
    ).join('\n');
    const command = `"${process.execPath}" "${BUNDLE}" audit --log - -o json`;
    const slow = spawnSync('sh', ['-c', `${command} | (sleep 0.5; wc -c)`], { env: ENV, encoding: 'utf8', input: log });
    const whole = spawnSync('sh', ['-c', command], { env: ENV, encoding: 'utf8', input: log });
    expect(whole.status).toBe(0);
    expect(whole.stdout.length).toBeGreaterThan(64 << 10);
    expect(Number(slow.stdout.trim())).toBe(Buffer.byteLength(whole.stdout));
  });

  it('ends with 0 when an output it did not write cannot be written (2>/dev/full, a closed stderr socket)', async () => {
    if (existsSync('/dev/full')) {
      const r = spawnSync('sh', ['-c', `"${process.execPath}" "${BUNDLE}" version 2>/dev/full`], {
        env: ENV,
        encoding: 'utf8',
      });
      expect(r.stdout).toMatch(/^Version: /);
      expect(r.status).toBe(0);
    }
    // a Node caller's pipes are socketpairs: a closed one refuses even an empty write
    const child = spawn(process.execPath, [BUNDLE, 'version'], { stdio: ['ignore', 'pipe', 'pipe'], env: ENV });
    child.stderr.destroy();
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(out).toMatch(/^Version: /);
    expect(code).toBe(0);
  });
});

describe('node:tls loaded while the command line is parsed', () => {
  it('does not come before a usage error with a warning of its own (NODE_EXTRA_CA_CERTS not found)', () => {
    const r = spawnSync(process.execPath, [BUNDLE, 'who-can'], {
      env: { ...ENV, NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: missing argument/);
  });
});
