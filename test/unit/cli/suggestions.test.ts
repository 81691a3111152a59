// Issue 14 item 13: typos get a suggestion, as kubectl gives: an unknown command
// or flag names the closest one, on an error: line, with a non-zero exit.
import { describe, expect, it } from 'vitest';
import { runCli } from '../../harness/runCli.js';

const cases: Array<[string[], string, string]> = [
  [['who-cna', 'db'], 'unknown command "who-cna" for "kubectl secrets"', 'who-can'],
  [['expsure', 'db'], 'unknown command "expsure" for "kubectl secrets"', 'exposure'],
  [['rotat', 'db'], 'unknown command "rotat" for "kubectl secrets"', 'rotate'],
  [['adit', '--log', 'x'], 'unknown command "adit" for "kubectl secrets"', 'audit'],
  [['who', 'db'], 'unknown command "who" for "kubectl secrets"', 'who-can'], // a prefix, as cobra suggests
  [['who-can', 'db', '--namspace', 'a'], 'unknown flag: --namspace', '--namespace'],
  [['who-can', 'db', '--verfy'], 'unknown flag: --verfy', '--verify'],
  [['who-can', 'db', '--direct_only'], 'unknown flag: --direct_only', '--direct-only'],
  [['exposure', '--fail-onn=high'], 'unknown flag: --fail-onn', '--fail-on'],
  [['rotate', 'db', '--dryrun'], 'unknown flag: --dryrun', '--dry-run'],
  [['audit', '--lgo', 'x'], 'unknown flag: --lgo', '--log'],
  [['audit', '--log', 'x', '--denied'], 'unknown flag: --denied', '--denied-only'],
];

describe('typos', () => {
  for (const [argv, error, suggestion] of cases) {
    it(`${argv.join(' ')} → did you mean ${suggestion}?`, async () => {
      const r = await runCli(argv);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      // kubectl's (cobra's) wording.
      expect(r.stderr).toContain(`error: ${error}\n\nDid you mean this?\n\t${suggestion}\n`);
      expect(r.stderr).toMatch(/See 'kubectl secrets.*--help' for usage\.\n$/);
    });
  }

  it('says nothing more when nothing is close', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error: unknown command "frobnicate" for "kubectl secrets"\nSee 'kubectl secrets --help' for usage.\n`,
    );
    const f = await runCli(['who-can', 'db', '--zzzzzzzz']);
    expect(f.stderr).toBe(`error: unknown flag: --zzzzzzzz\nSee 'kubectl secrets who-can --help' for usage.\n`);
  });

  it('suggests several when they are as close', async () => {
    const r = await runCli(['who-can', 'db', '--as-grou', 'x']);
    expect(r.stderr).toContain('Did you mean this?\n\t--as-group\n');
  });
});
