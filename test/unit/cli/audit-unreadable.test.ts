// Issue 14 item 8: a truncated or corrupt .gz, or a file of a directory that
// cannot be read, gives a partial answer (complete: false), a warning naming
// the file and the offset reached, and exit code 5 (not 0).
import { chmodSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBundle, runBuilt, runCli } from '../../harness/runCli.js';
import { auditEventLine } from './audit-event.js';

const PARTIAL_INPUT_EXIT = 5;

/** Many lines, so that a cut in the middle of the .gz still leaves whole events before it. */
function logText(user: string, count: number): string {
  return `${Array.from({ length: count }, (_, i) => auditEventLine({ id: `${user}-${i}`, user, second: i % 60 })).join('\n')}\n`;
}

function dirWith(files: Record<string, Buffer | string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'audit-unreadable-'));
  chmodSync(dir, 0o755);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

const json = (stdout: string) => JSON.parse(stdout);

describe('audit inputs that cannot be read to the end', () => {
  it('a truncated .gz: partial answer, warning with file and offset, exit 5', async () => {
    const gz = gzipSync(logText('bob', 2000));
    const cut = gz.subarray(0, Math.floor(gz.length / 2));
    const dir = dirWith({
      'audit-2026-01-01T09-00-00.000.log': logText('alice', 3),
      'audit-2026-01-01T10-00-00.000.log.gz': cut,
    });
    const table = await runCli(['audit', '--log', dir]);
    expect(table.code).toBe(PARTIAL_INPUT_EXIT);
    expect(table.stderr).toMatch(
      new RegExp(
        `^warning: ${dir}/audit-2026-01-01T10-00-00\\.000\\.log\\.gz: truncated gzip data at compressed byte ${cut.length} of ${cut.length}.*`,
        'm',
      ),
    );
    expect(table.stdout).toMatch(/^alice\s/m);
    expect(table.stdout).toMatch(/^bob\s/m); // what came before the cut still counts

    const r = await runCli(['audit', '--log', dir, '-o', 'json']);
    expect(r.code).toBe(PARTIAL_INPUT_EXIT);
    const doc = json(r.stdout);
    expect(doc.metadata.complete).toBe(false);
    const broken = doc.metadata.inputs.find((i: any) => i.path.endsWith('.gz'));
    expect(broken.readError).toEqual({
      reason: expect.stringMatching(/truncated/),
      compressedOffset: cut.length,
      bytesRead: broken.bytes,
    });
    expect(doc.metadata.inputs.find((i: any) => !i.path.endsWith('.gz')).readError).toBeNull();
  });

  it('a corrupt .gz (bytes overwritten in the middle): exit 5 and the offset', async () => {
    const gz = Buffer.from(gzipSync(logText('carol', 2000)));
    const at = Math.floor(gz.length / 2);
    gz.fill(0xff, at, at + 64);
    const dir = dirWith({ 'broken.log.gz': gz });
    const r = await runCli(['audit', '--log', join(dir, 'broken.log.gz')]);
    expect(r.code).toBe(PARTIAL_INPUT_EXIT);
    expect(r.stderr).toMatch(
      /^warning: .*broken\.log\.gz: corrupt gzip data at compressed byte \d+ of \d+ \(\d+ bytes read after decompression\): .*; the rest of this file was not read$/m,
    );
    const offset = Number(/at compressed byte (\d+)/.exec(r.stderr)![1]);
    expect(offset).toBeGreaterThan(at - 70_000); // zlib reads ahead in 64 KiB blocks at most
    expect(offset).toBeLessThanOrEqual(gz.length);
  });

  it('a truncated .gz on stdin: exit 5', async () => {
    const gz = gzipSync(logText('dave', 500));
    const r = await runCli(['audit', '--log', '-'], { stdin: gz.subarray(0, gz.length - 100) });
    expect(r.code).toBe(PARTIAL_INPUT_EXIT);
    expect(r.stderr).toMatch(/^warning: stdin: truncated gzip data at compressed byte/m);
  });

  it('a dangling link and a link loop in a directory: the other files are read, exit 5', async () => {
    const dir = dirWith({ 'audit.log': logText('erin', 2) });
    symlinkSync(join(dir, 'gone.log'), join(dir, 'dangling.log'));
    symlinkSync(join(dir, 'loop-b.log'), join(dir, 'loop-a.log'));
    symlinkSync(join(dir, 'loop-a.log'), join(dir, 'loop-b.log'));
    const r = await runCli(['audit', '--log', dir, '-o', 'json']);
    expect(r.code, r.stderr).toBe(PARTIAL_INPUT_EXIT);
    expect(r.stderr).toMatch(/^warning: .*dangling\.log: cannot read: no such file \(a dangling link\?\), at byte 0$/m);
    expect(r.stderr).toMatch(/^warning: .*loop-a\.log: cannot read: too many levels of symbolic links, at byte 0$/m);
    const doc = json(r.stdout);
    expect(doc.metadata.complete).toBe(false);
    expect(doc.items.map((i: any) => i.key)).toEqual(['erin']);
  });

  describe('a file without read permission in a directory', () => {
    beforeAll(() => ensureBundle(), 120_000);

    it('is named in a warning with offset 0, the others are read, exit 5', async () => {
      const dir = dirWith({ 'a.log': logText('frank', 2), 'b.log': logText('grace', 2) });
      chmodSync(join(dir, 'b.log'), 0o000);
      // root reads any file: the check runs as nobody then.
      const r = await runBuilt(['audit', '--log', dir], process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {});
      expect(r.code, r.stderr).toBe(PARTIAL_INPUT_EXIT);
      expect(r.stderr).toMatch(new RegExp(`^warning: ${dir}/b\\.log: cannot read: permission denied, at byte 0$`, 'm'));
      expect(r.stdout).toMatch(/^frank\s/m);
    });

    it('the same for a file a glob found', async () => {
      const dir = dirWith({ 'audit-1.log': logText('frank', 2), 'audit-2.log': logText('grace', 2) });
      chmodSync(join(dir, 'audit-2.log'), 0o000);
      const r = await runBuilt(
        ['audit', '--log', join(dir, 'audit-*.log')],
        process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {},
      );
      expect(r.code, r.stderr).toBe(PARTIAL_INPUT_EXIT);
      expect(r.stderr).toMatch(/^warning: .*audit-2\.log: cannot read: permission denied, at byte 0$/m);
      expect(r.stdout).toMatch(/^frank\s/m);
    });

    it('named on the command line, it is an error (exit 1), as before', async () => {
      const dir = dirWith({ 'b.log': logText('grace', 2) });
      chmodSync(join(dir, 'b.log'), 0o000);
      const r = await runBuilt(
        ['audit', '--log', join(dir, 'b.log')],
        process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {},
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: .*permission denied/m);
    });
  });
});
