// rotate refuses value inputs larger than a Secret can hold before reading
// them whole: an endless device, a 2 GB sparse file, an env file as large.
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../harness/runCli.js';
import { createSecret, namespaces, rotationLease, secretNames, useCluster } from './rotate-harness.js';

const spaces = namespaces();
afterAll(() => spaces.cleanup());

describe('rotate value inputs above the Secret size limit', () => {
  let ns: string;
  const sparse = join(mkdtempSync(join(tmpdir(), 'rotate-inputs-')), 'huge');
  beforeAll(async () => {
    ns = await spaces.fresh('rot-inputs');
    await createSecret(ns, 'db', { password: 'old-password' });
    writeFileSync(sparse, '');
    truncateSync(sparse, 2 * 1024 ** 3);
  });

  it.each([
    [
      ['--from-file', 'password=/dev/urandom'],
      /^error: --from-file password=\/dev\/urandom: more than 1048576 bytes; a Secret holds at most 1048576 bytes \(1 MiB\): not read$/,
    ],
    [
      ['--from-file', `password=PATH`],
      /^error: --from-file password=.*huge: 2147483648 bytes; a Secret holds at most 1048576 bytes \(1 MiB\): not read$/,
    ],
    [['--from-env-file', 'PATH'], /^error: --from-env-file .*huge: 2147483648 bytes; a Secret holds at most/],
  ])('%j is refused at once, before any change', async (flags, message) => {
    const args = flags.map((f) => f.replace('PATH', sparse));
    const started = Date.now();
    const r = await runCli(['rotate', 'db', '-n', ns, ...args, '--yes'], { kubeconfig: useCluster().kubeconfig });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await secretNames(ns)).toEqual(['db']);
    expect(await rotationLease(ns, 'db')).toBeUndefined();
  });
});
