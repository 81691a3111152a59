import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expandInputs, rotatedTime } from '../../../src/sources/expand-inputs.js';
import { CliError } from '../../../src/errors.js';

let dir: string;
const names = (files: { path: string }[]) => files.map((f) => f.path);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'audit-inputs-'));
  mkdirSync(join(dir, 'logs', 'nested'), { recursive: true });
  const at = (name: string, iso: string) => {
    writeFileSync(join(dir, name), '{}\n');
    utimesSync(join(dir, name), new Date(iso), new Date(iso));
  };
  at('logs/audit.log', '2025-06-03T00:00:00Z');
  // mtimes say otherwise: the time in a rotated name wins
  at('logs/audit-2025-06-02T10-00-00.000.log.gz', '2025-06-01T00:00:00Z');
  at('logs/audit-2025-06-01T10-00-00.000.log', '2025-06-02T12:00:00Z');
  at('logs/.audit.log.swp', '2025-06-03T00:00:00Z');
  at('logs/nested/old.log', '2020-01-01T00:00:00Z');
  at('other.log', '2025-05-01T00:00:00Z');
});

describe('expandInputs', () => {
  it('reads a directory oldest first, rotated files by the time in their names, ending with the live log', async () => {
    const files = await expandInputs(['logs'], dir);
    expect(names(files)).toEqual([
      'logs/audit-2025-06-01T10-00-00.000.log',
      'logs/audit-2025-06-02T10-00-00.000.log.gz',
      'logs/audit.log',
    ]);
    expect(files[0]!.absolutePath).toBe(join(dir, 'logs/audit-2025-06-01T10-00-00.000.log'));
  });

  it('orders files from several arguments together, reads a file named twice once, and reads stdin first', async () => {
    const files = await expandInputs(['logs/audit.log', 'other.log', '-', 'logs', './other.log'], dir);
    expect(names(files)).toEqual([
      '-',
      'other.log',
      'logs/audit-2025-06-01T10-00-00.000.log',
      'logs/audit-2025-06-02T10-00-00.000.log.gz',
      'logs/audit.log',
    ]);
    expect(files[0]).toMatchObject({ stdin: true });
  });

  it('expands globs the shell left alone, ** included', async () => {
    expect(names(await expandInputs(['logs/audit-*.log*'], dir))).toEqual([
      'logs/audit-2025-06-01T10-00-00.000.log',
      'logs/audit-2025-06-02T10-00-00.000.log.gz',
    ]);
    expect(names(await expandInputs(['**/*.log'], dir))).toEqual([
      'logs/nested/old.log',
      'other.log',
      'logs/audit-2025-06-01T10-00-00.000.log',
      'logs/audit.log',
    ]);
    expect(names(await expandInputs([join(dir, 'logs', 'audit.lo?')], '/'))).toEqual([join(dir, 'logs', 'audit.log')]);
  });

  it('fails with "no such file: PATH" for a missing file or a glob that matches nothing', async () => {
    await expect(expandInputs(['logs/missing.log'], dir)).rejects.toThrow(
      new CliError('no such file: logs/missing.log'),
    );
    await expect(expandInputs(['nope/*.log'], dir)).rejects.toThrow('no such file: nope/*.log');
    await expect(expandInputs(['other.log/x'], dir)).rejects.toBeInstanceOf(CliError);
  });
});

describe('rotatedTime', () => {
  it('reads the API server rotation stamp, with or without .gz', () => {
    expect(rotatedTime('/var/log/audit-2025-06-01T10-00-00.123.log.gz')).toBe(Date.parse('2025-06-01T10:00:00.123Z'));
    expect(rotatedTime('kube-apiserver-audit-2025-06-01T10-00-00.log')).toBe(Date.parse('2025-06-01T10:00:00Z'));
    expect(rotatedTime('audit.log')).toBeNull();
  });
});
