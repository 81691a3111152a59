import {
  chmodSync,
  chownSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cacheFile,
  cacheKey,
  codeCacheDir,
  readCodeCache,
  runShape,
  shapesAfter,
  wantsWrite,
  writeCodeCache,
} from '../../../src/launch/code-cache.js';

describe('codeCacheDir', () => {
  it("is the platform's per-user cache directory", () => {
    expect(codeCacheDir({}, 'linux', '/home/u')).toBe('/home/u/.cache/kubectl-secrets/code-cache');
    expect(codeCacheDir({ XDG_CACHE_HOME: '/x' }, 'linux', '/home/u')).toBe('/x/kubectl-secrets/code-cache');
    expect(codeCacheDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Caches/kubectl-secrets/code-cache');
    expect(codeCacheDir({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', 'C:\\Users\\u')).toBe(
      'C:\\Users\\u\\AppData\\Local\\kubectl-secrets\\cache\\code-cache',
    );
  });

  it('follows KUBECTL_SECRETS_CACHE; ignores a relative XDG_CACHE_HOME, as the XDG specification says', () => {
    expect(codeCacheDir({ KUBECTL_SECRETS_CACHE: '/c', XDG_CACHE_HOME: '/x' }, 'linux', '/h')).toBe('/c/code-cache');
    expect(codeCacheDir({ XDG_CACHE_HOME: 'rel' }, 'linux', '/h')).toBe('/h/.cache/kubectl-secrets/code-cache');
  });

  it("is none with NODE_DISABLE_COMPILE_CACHE (Node's switch), or without a home directory", () => {
    expect(codeCacheDir({ NODE_DISABLE_COMPILE_CACHE: '1' }, 'linux', '/h')).toBeUndefined();
    expect(codeCacheDir({}, 'linux', '')).toBeUndefined();
    expect(codeCacheDir({}, 'win32', 'C:\\Users\\u')).toBeUndefined();
  });
});

describe('runShape', () => {
  it('names the command word and the flags, not their values', () => {
    expect(runShape(['who-can', 'db', '-n', 'shop', '--direct-only', '-o=json'])).toEqual({
      word: 'who-can',
      shape: '--direct-only -n -o',
    });
    expect(runShape(['who-can', 'db'])).toEqual({ word: 'who-can', shape: '' });
    expect(runShape(['__complete', 'who-can', ''])).toEqual({ word: '__complete', shape: '' });
  });

  it('puts help, a flag first and odd words in caches of their own', () => {
    expect(runShape(['who-can', '--help']).word).toBe('help');
    expect(runShape(['-v', '6', 'who-can']).word).toBe('-');
    expect(runShape(['../../etc']).word).toBe('-');
    expect(runShape([]).word).toBe('-');
  });
});

describe('cacheKey', () => {
  it('changes with the build, the bundle file, V8 and the CPU; is a safe file name', () => {
    const key = cacheKey('abc', 1000, '14.6.202.34-node.34', 'x64');
    expect(key).toMatch(/^[\w.-]+$/);
    expect(
      new Set([
        key,
        cacheKey('abd', 1000, '14.6.202.34-node.34', 'x64'),
        cacheKey('abc', 2000, '14.6.202.34-node.34', 'x64'),
        cacheKey('abc', 1000, '14.7.1', 'x64'),
        cacheKey('abc', 1000, '14.6.202.34-node.34', 'arm64'),
      ]).size,
    ).toBe(5);
    expect(cacheKey('abc', 1000, 'a/../b', 'x64')).not.toContain('/');
  });
});

describe('reading and writing a cache', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'code-cache-'));
  const data = Buffer.from('v8 data '.repeat(100));

  it('reads back what it wrote, shapes and data', () => {
    const file = cacheFile(join(dir(), 'sub'), 'k1', 'who-can');
    expect(writeCodeCache(file, 'k1', { data, shapes: ['', '--direct-only'] })).toBe(true);
    expect(readCodeCache(file)).toEqual({ data, shapes: ['', '--direct-only'] });
    expect(readdirSync(join(file, '..'))).toEqual(['k1.who-can.cache']);
  });

  it('refuses a missing, truncated, damaged or foreign file', () => {
    const file = cacheFile(dir(), 'k1', 'version');
    expect(readCodeCache(file)).toBeUndefined();
    writeCodeCache(file, 'k1', { data, shapes: [''] });
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 10));
    expect(readCodeCache(file)).toBeUndefined();
    const flipped = Buffer.from(bytes);
    flipped.writeUInt8(flipped.readUInt8(flipped.length - 1) ^ 1, flipped.length - 1);
    writeFileSync(file, flipped);
    expect(readCodeCache(file)).toBeUndefined();
    writeFileSync(file, 'not a cache at all');
    expect(readCodeCache(file)).toBeUndefined();
    writeFileSync(file, '');
    expect(readCodeCache(file)).toBeUndefined();
  });

  it('refuses a file others could have written: writable by group or others, or of another owner', () => {
    const file = cacheFile(dir(), 'k1', 'version');
    writeCodeCache(file, 'k1', { data, shapes: [''] });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    chmodSync(file, 0o620);
    expect(readCodeCache(file)).toBeUndefined();
    chmodSync(file, 0o600);
    expect(readCodeCache(file)).toBeDefined();
    if (process.getuid?.() === 0) {
      chownSync(file, 65534, 65534);
      expect(readCodeCache(file)).toBeUndefined();
    }
  });

  it('never writes through a link planted at its temporary file, nor in a directory others can write', () => {
    const shared = dir();
    chmodSync(shared, 0o777); // KUBECTL_SECRETS_CACHE=/tmp/shared, say: another user may create files there
    const victim = join(dir(), 'victim');
    writeFileSync(victim, 'precious');
    const file = cacheFile(shared, 'k1', 'version');
    symlinkSync(victim, `${file}.${process.pid}.tmp`);
    expect(writeCodeCache(file, 'k1', { data, shapes: [''] })).toBe(false);
    expect(readFileSync(victim, 'utf8')).toBe('precious');

    // in the user's own directory too, a link left at the temporary file's name is not followed
    const own = dir();
    const ownFile = cacheFile(own, 'k1', 'version');
    symlinkSync(victim, `${ownFile}.${process.pid}.tmp`);
    expect(writeCodeCache(ownFile, 'k1', { data, shapes: [''] })).toBe(true);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(readCodeCache(ownFile)).toBeDefined();
  });

  it('reads nothing from a directory others can write, and never waits on a FIFO', () => {
    const shared = dir();
    const file = cacheFile(shared, 'k1', 'version');
    writeCodeCache(file, 'k1', { data, shapes: [''] });
    chmodSync(shared, 0o777);
    expect(readCodeCache(file)).toBeUndefined();
    chmodSync(shared, 0o700);
    expect(readCodeCache(file)).toBeDefined();
    const fifo = cacheFile(shared, 'k1', 'who-can');
    execFileSync('mkfifo', ['-m', '600', fifo]);
    expect(readCodeCache(fifo)).toBeUndefined(); // (would block for ever if it opened it)
    // nor through a link to a directory (one swapped in by whoever may write the parent)
    const linked = join(dir(), 'code-cache');
    symlinkSync(shared, linked);
    expect(readCodeCache(cacheFile(linked, 'k1', 'version'))).toBeUndefined();
    expect(writeCodeCache(cacheFile(linked, 'k1', 'version'), 'k1', { data, shapes: [''] })).toBe(false);
  });

  it('does not write where it cannot (a file in the way), and says so', () => {
    const blocker = join(dir(), 'file');
    writeFileSync(blocker, 'x');
    expect(writeCodeCache(cacheFile(join(blocker, 'code-cache'), 'k1', 'version'), 'k1', { data, shapes: [''] })).toBe(
      false,
    );
  });

  it("removes other builds' caches not written for a week, keeps recent ones", () => {
    const d = dir();
    writeFileSync(join(d, 'old.version.cache'), 'x');
    writeFileSync(join(d, 'recent.version.cache'), 'x');
    writeFileSync(join(d, 'unrelated.txt'), 'x');
    const weeksAgo = new Date(Date.now() - 8 * 24 * 3600 * 1000);
    utimesSync(join(d, 'old.version.cache'), weeksAgo, weeksAgo);
    utimesSync(join(d, 'unrelated.txt'), weeksAgo, weeksAgo);
    writeCodeCache(cacheFile(d, 'k1', 'version'), 'k1', { data, shapes: [''] });
    expect(readdirSync(d).sort()).toEqual(['k1.version.cache', 'recent.version.cache', 'unrelated.txt']);
  });

  it('writes at most 24 files a build (typos of command words must not fill the disk)', () => {
    const d = dir();
    for (let i = 0; i < 30; i++) writeCodeCache(cacheFile(d, 'k1', `word${i}`), 'k1', { data, shapes: [''] });
    expect(readdirSync(d)).toHaveLength(24);
    expect(writeCodeCache(cacheFile(d, 'k1', 'word0'), 'k1', { data, shapes: ['', '-o'] })).toBe(true);
  });
});

describe('when a run writes its cache', () => {
  const cache = { data: Buffer.from('x'), shapes: ['', '-o'] };
  it('without one, or when V8 refused it (another Node, other flags)', () => {
    expect(wantsWrite(undefined, false, '')).toBe(true);
    expect(wantsWrite(cache, true, '')).toBe(true);
    expect(shapesAfter(cache, true, '--direct-only')).toEqual(['--direct-only']);
  });

  it('after a path of the command the cache does not hold yet, keeping what it held', () => {
    expect(wantsWrite(cache, false, '-o')).toBe(false);
    expect(wantsWrite(cache, false, '--direct-only')).toBe(true);
    expect(shapesAfter(cache, false, '--direct-only')).toEqual(['', '-o', '--direct-only']);
  });

  it('no longer once it holds 16 paths', () => {
    const full = { data: Buffer.from('x'), shapes: Array.from({ length: 16 }, (_, i) => `--f${i}`) };
    expect(wantsWrite(full, false, '--new')).toBe(false);
  });
});
