import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertNoLeak, filesUnder, findLeaks, leakPatterns, makeCanary } from '../../harness/canary.js';

describe('canary scan', () => {
  const canary = makeCanary('db');

  it('makes distinct, recognisable values', () => {
    expect(canary).toMatch(/^db-CANARY-[0-9a-f]{18}$/);
    expect(makeCanary()).not.toBe(makeCanary());
  });

  it('catches the plain value in stdout or stderr', () => {
    expect(() => assertNoLeak([canary], { stdout: `password=${canary}\n`, stderr: '' })).toThrow(
      /stdout contains the value/,
    );
    expect(() => assertNoLeak([canary], { stdout: '', stderr: `oops ${canary}` })).toThrow(/stderr/);
  });

  it('catches the value base64-encoded at any alignment, alone or inside a larger blob', () => {
    for (const prefix of ['', 'a', 'ab', 'abc', '{"k":"']) {
      const blob = Buffer.from(`${prefix}${canary}"}`).toString('base64');
      expect(findLeaks([canary], [{ name: 'out', text: `data: ${blob}` }])).not.toEqual([]);
    }
  });

  it('catches the value in files the tool wrote', () => {
    const dir = mkdtempSync(join(tmpdir(), 'canary-'));
    writeFileSync(join(dir, 'journal.json'), JSON.stringify({ note: Buffer.from(canary).toString('base64') }));
    expect(findLeaks([canary], filesUnder(dir))).toEqual([
      `${join(dir, 'journal.json')} contains the base64 of the value`,
    ]);
  });

  it('passes clean output and does not flag unrelated base64', () => {
    expect(() =>
      assertNoLeak([canary], { stdout: 'KEYS: password (24 bytes)', stderr: Buffer.from('other').toString('base64') }),
    ).not.toThrow();
    expect(leakPatterns(canary).length).toBeGreaterThanOrEqual(3);
  });
});
