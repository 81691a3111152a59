import { describe, expect, it } from 'vitest';
import { formatAge, parseDuration, parseRequestTimeout } from '../../../src/util/duration.js';

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h30m', 5_400_000],
    ['7d', 604_800_000],
    ['250ms', 250],
    ['1.5s', 1500],
  ])('%s = %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '5', 'abc', '5x', '1h junk', '-1s'])('rejects %j', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );
});

describe('formatAge', () => {
  it.each([
    [5_000, '5s'],
    [300_000, '5m'],
    [10_800_000, '3h'],
    [259_200_000, '3d'],
  ])('%d ms → %s', (ms, text) => expect(formatAge(ms)).toBe(text));
});

describe('parseRequestTimeout', () => {
  it("reads kubectl's --request-timeout: a bare integer is seconds, else a duration", () => {
    expect(parseRequestTimeout('5')).toBe(5000);
    expect(parseRequestTimeout('0')).toBe(0);
    expect(parseRequestTimeout('1m')).toBe(60_000);
    expect(parseRequestTimeout('1.5')).toBeUndefined();
    expect(parseRequestTimeout('-1')).toBeUndefined();
    expect(parseRequestTimeout('abc')).toBeUndefined();
  });
});
