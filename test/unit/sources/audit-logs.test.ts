import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runAudit } from '../../../src/audit/run.js';
import { openAuditLogs } from '../../../src/sources/audit-inputs.js';
import { referenceCount, trickyLog } from '../audit/tricky-log.js';

const CAP = 4096;

describe('openAuditLogs + runAudit on a directory of rotated logs', () => {
  it('matches the reference count, reading .gz and the live log in time order', async () => {
    const log = trickyLog(11, 600, CAP);
    const dir = mkdtempSync(join(tmpdir(), 'audit-dir-'));
    mkdirSync(join(dir, 'audit'));
    for (const file of log.files) {
      const gz = file.name === 'audit-2025-06-01T02-00-00.000.log';
      writeFileSync(join(dir, 'audit', gz ? `${file.name}.gz` : file.name), gz ? gzipSync(file.content) : file.content);
    }
    const expected = referenceCount(log.files, CAP);
    const report = await runAudit(await openAuditLogs(['audit'], { cwd: dir, chunkBytes: 64 * 1024 }), {
      includeSystem: true,
      maxLineBytes: CAP,
    });
    expect(report.inputs.map((i) => [i.path, i.format, i.compressed])).toEqual([
      ['audit/audit-2025-05-31T00-00-00.000.log', 'empty', false],
      ['audit/audit-2025-06-01T01-00-00.000.log', 'mixed', false],
      ['audit/audit-2025-06-01T02-00-00.000.log.gz', 'mixed', true],
      ['audit/audit.log', 'mixed', false],
    ]);
    expect(report.inputs[2]!.bytes).toBe(log.files[1]!.content.length);
    expect(report.totals.requests).toBe(expected.requests);
    expect(report.totals.denied).toBe(expected.denied);
    expect(new Map(report.rows.map((r) => [r.key, [r.count, r.denied]]))).toEqual(expected.bySubject);
    const { firstLineNumbers, ...skipped } = report.skipped;
    expect(skipped).toEqual({ ...log.planted, truncated: 0 });
    expect(firstLineNumbers[0]!.file).toBe('audit/audit-2025-06-01T01-00-00.000.log');
  });
});

describe('openAuditLogs on a pipe (--log <(zcat audit.log.gz), a FIFO)', () => {
  const get = (id: string) =>
    `${JSON.stringify({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      auditID: id,
      stage: 'ResponseComplete',
      verb: 'get',
      user: { username: 'alice' },
      objectRef: { resource: 'secrets', namespace: 'shop', name: 'db', apiVersion: 'v1' },
      responseStatus: { code: 200 },
      requestReceivedTimestamp: '2026-08-01T00:00:00.000000Z',
    })}\n`;

  it('reads it once, in order, as stdin is read (plain or gzip), where it failed (realpath, positional reads)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-fifo-'));
    const plain = join(dir, 'plain');
    const gzipped = join(dir, 'gzipped');
    execFileSync('mkfifo', [plain, gzipped]);
    // A FIFO's writer waits for its reader: each is fed as it is opened.
    createWriteStream(plain).end(get('a') + get('b'));
    createWriteStream(gzipped).end(gzipSync(get('c')));
    const report = await runAudit(await openAuditLogs([plain, gzipped]), { includeSystem: true });
    // no time of its own: first, as stdin (by name among pipes)
    expect(report.inputs.map((i) => [i.path, i.compressed, i.readError])).toEqual([
      [gzipped, true, null],
      [plain, false, null],
    ]);
    expect(report.totals.requests).toBe(3);
  });
});
