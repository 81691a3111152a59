// Audit worker threads as users run them: from the esbuild bundle and from the single
// executable, where a thread has no file to load and starts from code embedded in the bundle.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateLines } from '../../../bench/audit/generate-log.mjs';
import { mulberry32 } from '../../harness/prng.mjs';
import { BINARY, BUNDLE, ensureBundle, REPO, runBuilt } from '../../harness/runCli.js';

let log = '';

beforeAll(() => {
  ensureBundle();
  if (!existsSync(BINARY) || statSync(BINARY).mtimeMs < statSync(BUNDLE).mtimeMs) {
    execFileSync(process.execPath, ['scripts/package.mjs'], { cwd: REPO, stdio: 'pipe' });
  }
  const lines: string[] = [];
  for (const line of generateLines(mulberry32(21), 1)) if (lines.push(line) >= 4000) break;
  log = join(mkdtempSync(join(tmpdir(), 'audit-threads-')), 'secrets.log');
  writeFileSync(log, `${lines.join('\n')}\n`);
}, 180_000);

describe('audit reads records on worker threads', () => {
  for (const binary of [false, true]) {
    it(`from the ${binary ? 'single executable' : 'bundle'}, with the same report as on one thread`, async () => {
      const args = ['audit', '--log', log, '--include-system', '-o', 'json', '-v=4'];
      const threaded = await runBuilt(args, { binary, env: { KUBECTL_SECRETS_AUDIT_THREADS: '2' } });
      const alone = await runBuilt(args, { binary, env: { KUBECTL_SECRETS_AUDIT_THREADS: '0' } });
      expect(threaded.code).toBe(0);
      expect(alone.code).toBe(0);
      const batches = Number(/audit: (\d+) batches read on 2 worker threads/.exec(threaded.stderr)?.[1]);
      expect(batches).toBeGreaterThanOrEqual(2);
      expect(alone.stderr).not.toContain('worker threads');
      expect(threaded.stdout).toBe(alone.stdout);
      expect(JSON.parse(alone.stdout).metadata.totals.requests).toBeGreaterThan(1000);
    }, 60_000);
  }
});
