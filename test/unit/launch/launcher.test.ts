// dist/kubectl-secrets.cjs, the npm entry point: runs the bundle from a V8 code cache, and never fails because of it.
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCodeCache, writeCodeCache } from '../../../src/launch/code-cache.js';
import { BUNDLE, ensureBinary, ensureBundle, runBuilt, runProcess } from '../../harness/runCli.js';

const MAIN = join(BUNDLE, '..', 'kubectl-secrets-main.cjs');
let expected: string;

beforeAll(async () => {
  ensureBundle();
  const r = await runProcess(process.execPath, [MAIN, 'version']);
  expect(r.code).toBe(0);
  expected = r.stdout;
}, 120_000);

const cacheRoot = () => mkdtempSync(join(tmpdir(), 'launcher-'));
const version = (root: string, extra: string[] = [], env: Record<string, string> = {}) =>
  runBuilt(['version', ...extra], { env: { KUBECTL_SECRETS_CACHE: root, ...env } });
const files = (root: string) => readdirSync(join(root, 'code-cache')).sort();
const only = (root: string) => {
  const names = files(root);
  expect(names).toHaveLength(1);
  return join(root, 'code-cache', names[0]!);
};

describe('the npm entry point', () => {
  it('prints what the bundle prints; the first run writes the cache, the next one runs from it', async () => {
    const root = cacheRoot();
    const first = await version(root);
    expect(first).toEqual({ code: 0, stdout: expected, stderr: '' });
    const file = only(root);
    expect(file).toMatch(/\.version\.cache$/);
    expect(statSync(join(root, 'code-cache')).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const written = readFileSync(file);
    expect(readCodeCache(file)?.shapes).toEqual(['']);

    // A cache V8 took is not written again (one it refused would be: see below).
    const second = await version(root);
    expect(second).toEqual({ code: 0, stdout: expected, stderr: '' });
    expect(readFileSync(file).equals(written)).toBe(true);
  });

  it('grows the cache with a new path of the command (other flags), keeping what it held', async () => {
    const root = cacheRoot();
    await version(root);
    const r = await version(root, ['-o', 'json']);
    expect(r.code).toBe(0);
    expect(readCodeCache(only(root))?.shapes).toEqual(['', '-o']);
  });

  it('runs as well when the cache directory cannot be made (a file in the way)', async () => {
    const blocker = join(cacheRoot(), 'file');
    writeFileSync(blocker, 'x');
    expect(await version(blocker)).toEqual({ code: 0, stdout: expected, stderr: '' });
    expect(readFileSync(blocker, 'utf8')).toBe('x');
  });

  it('runs from source and writes nothing with NODE_DISABLE_COMPILE_CACHE', async () => {
    const root = cacheRoot();
    expect(await version(root, [], { NODE_DISABLE_COMPILE_CACHE: '1' })).toEqual({
      code: 0,
      stdout: expected,
      stderr: '',
    });
    expect(() => files(root)).toThrow();
  });

  it('replaces a damaged cache, and one V8 refuses (another Node version, other flags)', async () => {
    const root = cacheRoot();
    await version(root);
    const file = only(root);
    const good = readFileSync(file);
    const damaged = Buffer.from(good);
    damaged.writeUInt8(damaged.readUInt8(damaged.length - 100) ^ 0xff, damaged.length - 100);
    writeFileSync(file, damaged);
    expect(await version(root)).toEqual({ code: 0, stdout: expected, stderr: '' });
    expect(readCodeCache(file)).toBeDefined();

    // well-formed for us, not for V8: what a cache made by another V8 looks like to this one
    writeCodeCache(file, 'unused', { data: Buffer.alloc(4096, 7), shapes: [''] });
    expect(await version(root)).toEqual({ code: 0, stdout: expected, stderr: '' });
    expect(readCodeCache(file)?.data.length).toBeGreaterThan(100_000);
  });

  it('writes no cache after a failed run (it compiled little of the command)', async () => {
    const root = cacheRoot();
    const r = await runBuilt(['version', '--no-such-flag'], { env: { KUBECTL_SECRETS_CACHE: root } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: unknown flag: --no-such-flag/);
    expect(() => files(root)).toThrow();
  });

  it('concurrent first runs each succeed and leave one whole cache, no temporary files', async () => {
    const root = cacheRoot();
    const runs = await Promise.all(Array.from({ length: 4 }, () => version(root)));
    for (const r of runs) expect(r).toEqual({ code: 0, stdout: expected, stderr: '' });
    expect(readCodeCache(only(root))?.shapes).toEqual(['']);
    expect(await version(root)).toEqual({ code: 0, stdout: expected, stderr: '' });
  });
});

describe('the single binary', () => {
  beforeAll(() => ensureBinary(), 300_000);

  it('runs its embedded bundle from the same kind of cache, written by its first run', async () => {
    const root = cacheRoot();
    const run = () => runBuilt(['version', '-o', 'json'], { binary: true, env: { KUBECTL_SECRETS_CACHE: root } });
    const first = await run();
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).items[0].singleExecutable).toBe(true);
    const file = only(root);
    const written = readFileSync(file);
    expect(await run()).toEqual(first);
    expect(readFileSync(file).equals(written)).toBe(true);
  });
});
