// Counting threads (src/audit/share.ts): each counts one share of the requests, and the shares'
// counts added up (auditReport) are the report of one thread over the same logs, or a share says
// the split cannot be trusted (ABANDONED) and the caller counts on one thread.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  auditReport,
  countAudit,
  ABANDONED,
  runAudit,
  type AuditInput,
  type AuditOptions,
} from '../../../src/audit/run.js';
import type { AuditCount } from '../../../src/audit/audit-count.js';
import { AuditShare } from '../../../src/audit/share.js';
import { generateLines } from '../../../bench/audit/generate-log.mjs';
import { mulberry32 } from '../../harness/prng.mjs';
import { FIXTURES, memoryInput } from './memory-input.js';
import { trickyLog } from './tricky-log.js';

const REALDATA = '/work/shared/realdata/audit';

interface File {
  name: string;
  content: Buffer;
}

/** The shares' counts, or ABANDONED when one of them says so. */
async function shares(files: File[], of: number, options: AuditOptions): Promise<AuditCount[] | typeof ABANDONED> {
  const counts: AuditCount[] = [];
  for (let index = 0; index < of; index++) {
    const inputs = files.map((f) => reusingInput(f.name, f.content, 4096 + index * 97));
    const count = await countAudit(inputs, { ...options, share: new AuditShare(index, of) });
    if (count === ABANDONED) return ABANDONED;
    counts.push(count);
  }
  return counts;
}

async function oneThread(files: File[], options: AuditOptions) {
  return runAudit(
    files.map((f) => memoryInput(f.name, f.content)),
    options,
  );
}

function generated(seed: number, secretShare: number, lines: number): File {
  const out: string[] = [];
  for (const line of generateLines(mulberry32(seed), secretShare)) if (out.push(line) >= lines) break;
  return { name: `generated-${seed}.log`, content: Buffer.from(`${out.join('\n')}\n`) };
}

const QUERIES: AuditOptions[] = [
  { includeSystem: true },
  {},
  { groupBy: 'secret' },
  { groupBy: 'user-agent', namespace: 'prod' },
  { name: 'db-password', deniedOnly: true },
];

describe('counting in shares', () => {
  it('adds up to the one-thread report on generated native logs, for every query, in 2 and 3 shares', async () => {
    // rotated files that overlap: a request logged in both is still counted once
    const a = generated(5, 1, 3000);
    const b = generated(6, 0.3, 3000);
    const overlap = {
      name: 'overlap.log',
      content: Buffer.concat([a.content.subarray(a.content.length >> 1), b.content]),
    };
    const files = [a, overlap];
    for (const options of QUERIES) {
      const expected = await oneThread(files, options);
      expect(expected.totals.requests).toBeGreaterThan(10);
      for (const of of [2, 3]) {
        const counts = await shares(files, of, options);
        expect(counts, JSON.stringify(options)).not.toBe(ABANDONED);
        const counted = counts as AuditCount[];
        // the work is split: no share parses every candidate line
        for (const count of counted) expect(count.inputs[0]!.parsed).toBeLessThan(expected.totals.parsedLines);
        expect(auditReport(counted, options)).toEqual(expected);
      }
    }
  }, 60_000);

  it('adds up to the one-thread report on damaged logs: skipped lines are judged once, listed in input order', async () => {
    for (const seed of [1, 2, 3]) {
      // GKE entries have no auditID key: without them, the split is trusted
      const files = trickyLog(seed, 500, 4096).files.map((f) => ({ ...f, content: withoutGke(f.content) }));
      const options = { includeSystem: true, maxLineBytes: 4096 };
      const expected = await oneThread(files, options);
      expect(expected.skipped.firstLineNumbers.length).toBe(10);
      expect(expected.skipped.huge + expected.skipped.malformed + expected.skipped.nonUtf8).toBeGreaterThan(5);
      const counts = await shares(files, 2, options);
      expect(counts).not.toBe(ABANDONED);
      expect(auditReport(counts as AuditCount[], options)).toEqual(expected);
    }
  });

  it('adds up to the one-thread report on every real log of every format, or says the split cannot be trusted', async () => {
    const dirs = [REALDATA, FIXTURES];
    const files = dirs.flatMap((dir) =>
      readdirSync(dir)
        .filter((f) => /\.(log|jsonl?|json)$/.test(f))
        .map((f) => ({ name: f, content: readFileSync(join(dir, f)) })),
    );
    expect(files.length).toBeGreaterThan(20);
    const split: string[] = [];
    for (const file of files) {
      const expected = await oneThread([file], { includeSystem: true });
      const counts = await shares([file], 2, { includeSystem: true });
      if (counts === ABANDONED) continue;
      split.push(file.name);
      expect(auditReport(counts, { includeSystem: true }), file.name).toEqual(expected);
    }
    // native, EKS and AKS line logs are split; GKE entries (no auditID key) are not
    expect(split).toEqual(expect.arrayContaining(['k8s-v1-multistage.jsonl', 'eks-cloudwatch.jsonl']));
    expect(split).not.toContain('gke-data-access.jsonl');
  });

  it('names a row the same way whichever share counted its requests, when two subjects share a label', async () => {
    // the user "alice as bob", and alice impersonating bob: both are shown as "alice as bob"
    const lines: string[] = [];
    for (let i = 0; i < 60; i++) {
      const impersonating = i % 2 === 0;
      const user = impersonating ? 'alice' : 'alice as bob';
      lines.push(
        JSON.stringify({
          kind: 'Event',
          apiVersion: 'audit.k8s.io/v1',
          level: 'Metadata',
          auditID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          stage: 'ResponseComplete',
          requestURI: '/api/v1/namespaces/prod/secrets/db',
          verb: 'get',
          user: { username: user, groups: ['system:authenticated'] },
          ...(impersonating ? { impersonatedUser: { username: 'bob' } } : {}),
          sourceIPs: ['10.0.0.1'],
          objectRef: { resource: 'secrets', namespace: 'prod', name: 'db', apiVersion: 'v1' },
          responseStatus: { code: 200 },
          requestReceivedTimestamp: new Date(Date.UTC(2025, 5, 1, 0, 0, 60 - i)).toISOString(),
        }),
      );
    }
    const files = [{ name: 'clash.log', content: Buffer.from(`${lines.join('\n')}\n`) }];
    const expected = await oneThread(files, {});
    expect(expected.rows).toHaveLength(1);
    for (const of of [2, 3, 4]) {
      const counts = await shares(files, of, {});
      expect(counts).not.toBe(ABANDONED);
      expect(auditReport(counts as AuditCount[], {})).toEqual(expected);
    }
  });

  it('refuses writes: they are looked for on one thread', async () => {
    await expect(
      countAudit([memoryInput('a.log', '')], { onWrite: () => {}, share: new AuditShare(0, 2) }),
    ).rejects.toThrow(/one thread/);
    expect(() => new AuditShare(2, 2)).toThrow();
  });
});

/** An input whose chunks are all read into one buffer, as a reader reusing its buffer would. */
function reusingInput(path: string, content: Buffer, chunkBytes: number): AuditInput {
  return {
    path,
    compressed: false,
    async *chunks() {
      const buffer = Buffer.alloc(chunkBytes);
      for (let at = 0; at < content.length; at += chunkBytes) {
        const n = content.copy(buffer, 0, at, at + chunkBytes);
        yield n === chunkBytes ? buffer : buffer.subarray(0, n);
      }
    },
  };
}

function withoutGke(content: Buffer): Buffer {
  const lines: Buffer[] = [];
  for (let start = 0; start < content.length;) {
    const nl = content.indexOf(0x0a, start);
    const end = nl === -1 ? content.length : nl + 1;
    const line = content.subarray(start, end);
    if (!line.includes('protoPayload')) lines.push(line);
    start = end;
  }
  return Buffer.concat(lines);
}
