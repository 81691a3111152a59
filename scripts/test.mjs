// The whole test suite, as CI runs it: lint (eslint, prettier --check: a failure
// counts as one failed test and the run goes on), build the bundle and the single binary,
// fetch what the release test needs (cached: Node binaries, quill, qemu),
// run every vitest project (the e2e project builds and starts the real local
// control plane itself), then print one line `N passed, N failed`.
// Extra arguments go to vitest (e.g. `npm test -- --project unit`).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const results = '.test-results.json';
const step = (what, cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`error: ${what} failed (exit ${r.status ?? r.signal})`);
    console.log(`0 passed, ${1 + lintFailures} failed`);
    process.exit(1);
  }
};

const passes = (args) => spawnSync(process.execPath, args, { stdio: 'inherit' }).status === 0;
const eslintOk = passes(['node_modules/eslint/bin/eslint.js', '.']);
const prettierOk = passes(['node_modules/prettier/bin/prettier.cjs', '--check', '.', '--log-level', 'warn']);
const lintFailures = eslintOk && prettierOk ? 0 : 1;
if (lintFailures) console.error('error: lint failed (`npm run format` fixes most of it); counted as 1 failed test');

step('build', process.execPath, ['scripts/build.mjs']);
step('package', process.execPath, ['scripts/package.mjs']);
// Only the e2e project (release.test.ts) needs them.
const args = process.argv.slice(2);
if (!args.some((a) => /\bunit\b/.test(a)) || args.some((a) => /\be2e\b/.test(a))) {
  step('release tools', process.execPath, ['scripts/release-tools.mjs']);
}
rmSync(results, { force: true });
// The tests' temporary files (hundreds of directories a run) go to one directory, removed after a run that
// passes and kept, with its path printed, after one that fails.
const scratch = mkdtempSync(join(tmpdir(), 'kubectl-secrets-tests-'));
// As /tmp is: some tests run the tool as another user (nobody), who must reach their files.
chmodSync(scratch, 0o1777);
const vitest = spawnSync(
  process.execPath,
  [
    'node_modules/vitest/vitest.mjs',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile=${results}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit', env: { ...process.env, TMPDIR: scratch } },
);

if (!existsSync(results)) {
  console.error(`error: vitest wrote no results (exit ${vitest.status ?? vitest.signal})`);
  console.log(`0 passed, ${1 + lintFailures} failed`);
  process.exit(1);
}
const report = JSON.parse(readFileSync(results, 'utf8'));
const passed = report.numPassedTests ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
// A suite that failed to load (or a failing global setup) has no test results of its own: count it.
const brokenSuites = (report.testResults ?? []).filter(
  (s) => s.status === 'failed' && (s.assertionResults ?? []).length === 0,
).length;
const failed =
  lintFailures +
  (report.numFailedTests ?? 0) +
  brokenSuites +
  skipped +
  (vitest.status !== 0 && report.numFailedTests === 0 && brokenSuites === 0 ? 1 : 0);
if (skipped > 0) console.error(`error: ${skipped} tests were skipped; CI counts them as failed`);
if (failed === 0) rmSync(scratch, { recursive: true, force: true });
else console.error(`the tests' temporary files are kept in ${scratch}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
