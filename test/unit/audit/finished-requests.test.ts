import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FinishedRequests } from '../../../src/audit/finished-requests.js';

describe('FinishedRequests', () => {
  it('keeps flags by UUID and fingerprint through many growths', () => {
    const table = new FinishedRequests(1024);
    const ids = Array.from({ length: 20_000 }, () => randomUUID());
    ids.forEach((id, i) => table.set(id, i & 0xffffff, i % 16));
    ids.forEach((id, i) => expect(table.get(id, i & 0xffffff)).toBe(i % 16));
    expect(table.get(ids[0]!, 99)).toBe(-1);
    expect(table.get(randomUUID(), 0)).toBe(-1);
    table.set(ids[5]!, 5, 0x7f);
    expect(table.get(ids[5]!, 5)).toBe(0x7f);
  });

  it('matches IDs as written (a UUID in upper case is another ID, as for pending requests), other IDs as strings', () => {
    const table = new FinishedRequests();
    table.set('A0000001-0000-4000-8000-00000000000F', 1, 3);
    expect(table.get('a0000001-0000-4000-8000-00000000000f', 1)).toBe(-1);
    expect(table.get('A0000001-0000-4000-8000-00000000000F', 1)).toBe(3);
    for (const id of [
      'abcde12345',
      'k8s-nonmatch-0001',
      'a0000001-0000-4000-8000-00000000000g',
      'a0000001x0000-4000-8000-00000000000f',
      '',
    ]) {
      expect(table.get(id, 1)).toBe(-1);
      table.set(id, 1, 5);
      expect(table.get(id, 1)).toBe(5);
      expect(table.get(id, 2)).toBe(-1);
    }
  });

  it('sets what it just looked up, and only that, in the slot it found', () => {
    const table = new FinishedRequests(16);
    const ids = Array.from({ length: 200 }, () => randomUUID());
    for (const [i, id] of ids.entries()) {
      expect(table.get(id, i)).toBe(-1);
      // another request between the look-up and the set: the set must not reuse the slot found for the first
      if (i % 3 === 0) table.set(ids[Math.max(0, i - 1)]!, i - 1, 7);
      table.set(id, i, i % 8);
    }
    for (const [i, id] of ids.entries()) expect(table.get(id, i)).toBe((i + 1) % 3 === 0 && i < 199 ? 7 : i % 8);
  });

  it('a look-up of an ID that is not a UUID between the look-up and the set does not change what is set', () => {
    const table = new FinishedRequests(16);
    const id = randomUUID();
    expect(table.get(id, 1)).toBe(-1);
    // 36 characters, hexadecimal up to the last group: packed in part before it is found not to be a UUID
    expect(table.get('ffffffff-ffff-ffff-ffff-fffffffffffz', 1)).toBe(-1);
    table.set(id, 1, 5);
    expect(table.get(id, 1)).toBe(5);
  });
});
