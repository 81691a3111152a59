import { expect, it } from 'vitest';
import { boundedMemo } from '../../../src/util/bounded-memo.js';

it('computes each argument once, null answers included, and starts again past its limit', () => {
  const calls: string[] = [];
  const memo = boundedMemo(2, (key: string) => (calls.push(key), key === 'none' ? null : key.length));
  expect([memo('ab'), memo('none'), memo('ab'), memo('none')]).toEqual([2, null, 2, null]);
  expect(calls).toEqual(['ab', 'none']);
  memo('abc'); // a third answer: the kept ones are forgotten
  memo('ab');
  expect(calls).toEqual(['ab', 'none', 'abc', 'ab']);
});
