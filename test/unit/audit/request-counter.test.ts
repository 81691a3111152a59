import { describe, expect, it } from 'vitest';
import { RequestCounter } from '../../../src/audit/request-counter.js';
import type { SecretRead } from '../../../src/audit/secret-read.js';

const read = (over: Partial<SecretRead>): SecretRead => ({
  auditID: 'id-1',
  stageRank: 2,
  verb: 'get',
  namespace: 'prod',
  name: 'db',
  scope: 'named',
  user: 'admin',
  impersonatedUser: null,
  pod: null,
  node: null,
  sourceIPs: [],
  userAgent: null,
  code: 200,
  denied: false,
  time: 1000,
  format: 'k8s-v1',
  ...over,
});

function count(reads: SecretRead[]) {
  const handed: [SecretRead, number][] = [];
  const counter = new RequestCounter((r, stages) => {
    handed.push([r, stages]);
    return true;
  });
  for (const r of reads) counter.add(r);
  counter.finish();
  return { handed, lateStages: counter.lateStages };
}

describe('RequestCounter', () => {
  it('hands a request on once, at its final stage, with that stage’s outcome and the earliest time', () => {
    const { handed } = count([
      read({ stageRank: 0, code: null, time: 900 }),
      read({ stageRank: 1, code: null }),
      read({ code: 403, denied: true, time: 1100 }),
    ]);
    expect(handed).toEqual([[read({ code: 403, denied: true, time: 900 }), 0b111]]);
  });

  it('takes the impersonated user from the stage that has it (RequestReceived lacks it)', () => {
    const { handed } = count([read({ stageRank: 0, code: null }), read({ impersonatedUser: 'bob' })]);
    expect(handed.map(([r]) => r.impersonatedUser)).toEqual(['bob']);
  });

  it('counts copies of a finished request (overlapping inputs) as late stages only', () => {
    const { handed, lateStages } = count([read({}), read({}), read({ stageRank: 0, code: null })]);
    expect(handed).toHaveLength(1);
    expect(lateStages).toBe(1);
  });

  it('keeps requests that share an auditID but not their verb, user or target apart', () => {
    const { handed } = count([
      read({}),
      read({ user: 'other' }),
      read({ name: 'other' }),
      read({ verb: 'list', name: null, scope: 'namespace-wide' }),
    ]);
    expect(handed).toHaveLength(4);
  });

  it('keeps pending requests that share an auditID apart, whichever finishes first', () => {
    const a = { user: 'a' };
    const b = { user: 'b' };
    const c = { user: 'c' };
    const { handed } = count([
      read({ ...a, stageRank: 0, code: null, time: 1 }),
      read({ ...b, stageRank: 0, code: null, time: 2 }),
      read({ ...c, stageRank: 0, code: null, time: 3 }),
      read({ ...b, time: 20 }),
      read({ ...a, stageRank: 1, code: null }),
      read({ ...a, time: 10 }),
      read({ ...c, stageRank: 1, code: null }),
      read({ ...b, stageRank: 0, code: null }),
    ]);
    expect(handed.map(([r, stages]) => [r.user, r.time, stages])).toEqual([
      ['b', 2, 0b101],
      ['a', 1, 0b111],
      ['c', 3, 0b011],
    ]);
  });

  it('hands on unfinished requests in the order they came, whatever IDs they share', () => {
    const { handed } = count([
      read({ user: 'a', stageRank: 0, code: null }),
      read({ auditID: 'id-2', stageRank: 0, code: null }),
      read({ user: 'b', stageRank: 0, code: null }),
      read({ user: 'c', stageRank: 0, code: null }),
      read({ user: 'b', stageRank: 1, code: null }),
      read({ user: 'a' }),
      read({ user: 'd', stageRank: 0, code: null }),
      read({ user: 'e', stageRank: 0, code: null }),
    ]);
    expect(handed.map(([r]) => `${r.auditID}:${r.user}`)).toEqual([
      'id-1:a',
      'id-2:admin',
      'id-1:b',
      'id-1:c',
      'id-1:d',
      'id-1:e',
    ]);
  });

  it('hands on requests never seen to finish when asked, and requests without an auditID at once', () => {
    const { handed } = count([read({ stageRank: 0, code: null }), read({ auditID: null }), read({ auditID: null })]);
    expect(handed.map(([r, stages]) => [r.auditID, stages])).toEqual([
      [null, 4],
      [null, 4],
      ['id-1', 1],
    ]);
  });
});
