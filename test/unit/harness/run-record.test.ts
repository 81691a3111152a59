// The suite-wide canary scan (issue 14 item 12) finds a planted value in any
// recorded output, file or cluster object, in clear or base64.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeCanary } from '../../harness/canary.js';
import { RUN_DIR_ENV, recordFilesIn, recordOutput, scanRun } from '../../harness/run-record.js';

let saved: string | undefined;
let dir: string;
beforeEach(() => {
  saved = process.env[RUN_DIR_ENV];
  dir = mkdtempSync(join(tmpdir(), 'run-record-'));
  process.env[RUN_DIR_ENV] = dir;
});
afterEach(() => {
  if (saved === undefined) delete process.env[RUN_DIR_ENV];
  else process.env[RUN_DIR_ENV] = saved;
});

describe('scanRun', () => {
  it('is clean when nothing leaked, and counts what it checked', () => {
    makeCanary();
    recordOutput({ stdout: 'NAME   KEYS\ndb     1\n', stderr: '' });
    expect(scanRun(dir)).toEqual({ canaries: 1, outputs: 1, files: 0, clusterObjects: 0, leaks: [] });
  });

  it('finds a value in an output of the tool', () => {
    const value = makeCanary();
    recordOutput({ stdout: '', stderr: `error: bad ${value}` });
    expect(scanRun(dir).leaks).toEqual([expect.stringMatching(/^output .* contains the value$/)]);
  });

  it('finds a value in a file the tool wrote', () => {
    const value = makeCanary();
    const out = mkdtempSync(join(tmpdir(), 'tool-files-'));
    mkdirSync(join(out, 'sub'));
    writeFileSync(join(out, 'sub', 'journal.json'), `{"v":"${value}"}`);
    recordFilesIn(out);
    expect(scanRun(dir).leaks).toHaveLength(1);
  });

  it('finds the base64 of a value in an object the tool wrote to the cluster (annotations included)', () => {
    const value = makeCanary();
    const object = {
      kind: 'Secret',
      metadata: { name: 'db-v2', annotations: { journal: Buffer.from(`x${value}`).toString('base64') } },
    };
    writeFileSync(join(dir, 'cluster-objects.jsonl'), `${JSON.stringify(object)}\n`);
    const r = scanRun(dir);
    expect(r.clusterObjects).toBe(1);
    expect(r.leaks).toEqual([expect.stringMatching(/^cluster object 0: .* contains the base64 of the value$/)]);
  });
});
