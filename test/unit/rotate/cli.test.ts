// The rotate command's flag and input checks, which all happen before any
// cluster is contacted (no kubeconfig here at all).
import { describe, expect, it } from 'vitest';
import { runCli } from '../../harness/runCli.js';

const rotate = (args: string[], stdin?: string) =>
  runCli(['rotate', ...args], {
    env: { KUBECONFIG: '/nonexistent/kubeconfig' },
    ...(stdin === undefined ? {} : { stdin }),
  });

describe('rotate command line', () => {
  it.each([
    [['db', '--resume', '--retire'], 'error: --resume and --retire cannot be combined'],
    [['db', '--resume', '--from-literal', 'a=b'], 'error: --resume takes no new values and no rotation flags'],
    [['db', '--retire', '--in-place'], 'error: --retire takes no new values and no rotation flags'],
    [['db', '--resume', '--dry-run'], 'error: --dry-run cannot be combined with --resume'],
    [['db', '--resume', '--skip-unhealthy'], 'error: --resume takes no new values and no rotation flags'],
    [
      ['db', '--skip-unhealthy', '--rotate-unhealthy', '--from-literal', 'a=b'],
      'error: --skip-unhealthy and --rotate-unhealthy cannot be combined',
    ],
    [
      ['db', '--mutable', '--in-place', '--from-literal', 'a=b'],
      'error: --mutable applies to new versions (blue/green), not to --in-place',
    ],
    [
      ['db', '--timeout', 'soon', '--from-literal', 'a=b'],
      'error: invalid --timeout "soon": use a duration such as 90s or 5m',
    ],
    [
      ['db', '--keep', '1.5', '--from-literal', 'a=b'],
      'error: invalid --keep 1.5: a whole number of versions, at least 1',
    ],
    [['db', '-A', '--from-literal', 'a=b'], 'error: rotate works in one namespace: use -n instead of -A'],
    [['db', '--from-file', '/nonexistent/value'], 'error: --from-file /nonexistent/value: no such file'],
    [['db', '--from-literal', 'novalue'], 'error: --from-literal #1: expected KEY=VALUE'],
    // a plan without values carries every key: --replace-all would plan removing them all
    [
      ['db', '--dry-run', '--replace-all'],
      'error: --replace-all needs the new values: give --from-file, --from-env-file or --from-literal',
    ],
    // rotate "$NAME" with NAME unset, or a dot: GET .../secrets/ (or /.) is the list of every Secret, values and all
    [
      ['', '--from-literal', 'a=b'],
      'error: invalid Secret name "": use a lowercase DNS subdomain name such as db-creds',
    ],
    [['.', '--retire'], 'error: invalid Secret name ".": use a lowercase DNS subdomain name such as db-creds'],
    [['..', '--resume'], 'error: invalid Secret name "..": use a lowercase DNS subdomain name such as db-creds'],
    [
      ['secret/..', '--resume'],
      'error: invalid Secret name "secret/..": use a lowercase DNS subdomain name such as db-creds',
    ],
    // secret/NAME, as kubectl and -o name print it, is the name
    [
      ['secret/db', '--from-file', 'token=/dev/null', '--yes'],
      'error: --from-file token=/dev/null: the new value of key "token" is empty (an unset variable, an empty file?): refusing to rotate to it; pass --allow-empty if it is meant',
    ],
    [
      ['db', '--from-file', 'token=/dev/null', '--yes'],
      'error: --from-file token=/dev/null: the new value of key "token" is empty (an unset variable, an empty file?): refusing to rotate to it; pass --allow-empty if it is meant',
    ],
  ])('%j → %s', async (args, message) => {
    const r = await rotate(args);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(message);
  });

  it('refuses an empty new value before contacting a cluster (--from-literal token=$UNSET), even for a dry run', async () => {
    const r = await rotate(['db', '--from-literal', 'token=', '--dry-run']);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(
      'error: --from-literal #1: the new value is empty (an unset variable, an empty file?): refusing to rotate to it; pass --allow-empty if it is meant',
    );
    const stdin = await rotate(['db', '--from-file', 'token=-', '--yes'], '');
    expect(stdin.stderr).toContain('error: --from-file token=-: the new value of key "token" is empty');
    // echo "$UNSET" | kubectl secrets rotate db --from-file token=- --yes: a line break alone is no value either
    const newline = await rotate(['db', '--from-file', 'token=-', '--yes'], '\n');
    expect(newline.code).toBe(1);
    expect(newline.stderr).toContain(
      'error: --from-file token=-: the new value of key "token" is only whitespace (an unset variable, an empty file?): refusing to rotate to it; pass --allow-empty if it is meant',
    );
  });

  it('documents its exit codes', async () => {
    const r = await rotate(['--help']);
    expect(r.stdout).toMatch(/Exit codes:\n {2}0 {2}rotated/);
    expect(r.stdout).toMatch(/--no-rollback/);
  });
});
