// SIGINT, SIGTERM and SIGHUP during a real rotation, sent at several points
// of it (after the new version is created, after a consumer is switched,
// during the rollout wait, during a rollback): the process stops at a safe
// point, says exactly how to resume, exits 130 and leaves the lock to
// --resume, which then finishes or rolls back; no consumer is ever left on a
// Secret that does not exist.
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { applyYaml } from '../harness/cluster.js';
import { runCli, type CliResult } from '../harness/runCli.js';
import {
  assertConsistent,
  consumerYaml,
  createSecret,
  namespaces,
  neverReadyWith,
  quickDeadline,
  rolloutsComplete,
  rotateBundle,
  rotationLease,
  useCluster,
} from './rotate-harness.js';

const spaces = namespaces();
afterAll(() => spaces.cleanup());

async function setUp(prefix: string): Promise<string> {
  const ns = await spaces.fresh(prefix);
  await createSecret(ns, 'db', { password: 'old-password' });
  await applyYaml(
    [
      consumerYaml('Deployment', 'web', 'db', ['volume'], 2),
      consumerYaml('StatefulSet', 'pg', 'db', ['volume'], 2),
    ].join('---\n'),
    ns,
  );
  await rolloutsComplete(ns);
  return ns;
}

/** Runs the bundle and sends `signal` once a stderr line matches `when`. */
async function rotateAndSignal(
  args: string[],
  when: RegExp,
  signal: NodeJS.Signals,
): Promise<CliResult & { signalled: boolean }> {
  const file = await rotateBundle();
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', KUBECONFIG: useCluster().kubeconfig };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, 'rotate', ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!signalled && when.test(stderr)) {
        signalled = true;
        child.kill(signal);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr, signalled }));
    child.stdin.end();
  });
}

const resume = (ns: string) => runCli(['rotate', 'db', '-n', ns, '--resume'], { kubeconfig: useCluster().kubeconfig });

describe('rotate stopped by a signal', () => {
  it.each([
    ['SIGINT', 'after the new version is created', /db-v2: created/],
    ['SIGTERM', 'after a consumer is switched', /Deployment\/web: switched to db-v2/],
    ['SIGHUP', 'during the rollout wait', /: rolled out on db-v2/],
  ] as const)('%s %s: stops at a safe point, --resume finishes', async (signal, _where, when) => {
    const ns = await setUp(`rot-sig-${signal.slice(3).toLowerCase()}`);
    const r = await rotateAndSignal(
      ['db', '-n', ns, '--from-literal', 'password=new', '--yes', '--timeout', '90s'],
      when,
      signal,
    );
    expect(r.signalled, r.stderr).toBe(true);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain(`${signal}: stopping at the next safe point`);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toEqual([
      expect.stringMatching(
        new RegExp(
          `^error: interrupted by ${signal} before step \\d+ \\w+.*: the journal is saved and the lock left for --resume; run "kubectl secrets rotate db -n ${ns} --resume" to finish or roll it back$`,
        ),
      ),
    ]);
    expect(r.stdout).toBe('');
    expect(await rotationLease(ns, 'db')).toBeDefined();

    const done = await resume(ns);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toMatch(/took over the lock from a rotation that stopped and left it for --resume/);
    await rolloutsComplete(ns, '60s');
    await assertConsistent(ns, 'db-v2');
    expect(await rotationLease(ns, 'db')).toBeUndefined();
  });

  it('SIGINT during a rollback: --resume finishes the rollback', async () => {
    const ns = await setUp('rot-sig-rb');
    await quickDeadline(ns, 'web');
    spaces.defer(await neverReadyWith(ns, 'db-v2'));
    const r = await rotateAndSignal(
      ['db', '-n', ns, '--from-literal', 'password=new', '--yes', '--timeout', '60s'],
      /rolling back to db/,
      'SIGINT',
    );
    expect(r.signalled, r.stderr).toBe(true);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/error: interrupted by SIGINT before step \d+ (undo|wait-rollback|mark-failed)/);
    const done = await resume(ns);
    expect(done.code, done.stderr).toBe(3);
    expect(done.stderr).toMatch(/resuming the rollback db-v2 → db /);
    await rolloutsComplete(ns, '60s');
    await assertConsistent(ns, 'db');
  });
});
