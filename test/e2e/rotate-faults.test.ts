// rotate under faults on the real local cluster: a consumer that never
// becomes ready (automatic rollback, --no-rollback then --resume), and the
// process killed right after every step, then resumed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyYaml } from '../harness/cluster.js';
import {
  assertConsistent,
  consumerYaml,
  createSecret,
  decode,
  JOURNAL,
  neverReadyWith,
  quickDeadline,
  readSecret,
  rolloutsComplete,
  rotateBundle,
  rotationLease,
  runBundle,
  secretNames,
  STAGE,
  templateRefs,
  namespaces,
  rotate,
} from './rotate-harness.js';

/**
 * web and pg mount the Secret as a volume (the never-ready policy keys on that): web fails first (its
 * progress deadline), pg is left with a pod stuck on the failed version; backup reads it as env.
 */
const CONSUMERS = [
  consumerYaml('Deployment', 'web', 'db', ['volume', 'env'], 2),
  consumerYaml('StatefulSet', 'pg', 'db', ['envFrom', 'volume']),
  consumerYaml('CronJob', 'backup', 'db', ['env']),
].join('---\n');

const spaces = namespaces();

async function setUp(prefix: string): Promise<string> {
  const ns = await spaces.fresh(prefix);
  await createSecret(ns, 'db', { password: 'old-password' });
  await applyYaml(CONSUMERS, ns);
  await rolloutsComplete(ns);
  return ns;
}

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
  await spaces.cleanup();
});

describe('a consumer that never becomes ready', () => {
  it('rolls every consumer back to the old version, healthy, and says which workload failed and why', async () => {
    const ns = await setUp('rot-fail');
    await quickDeadline(ns, 'web');
    cleanups.push(await neverReadyWith(ns, 'db-v2'));
    const r = await rotate([
      'db',
      '-n',
      ns,
      '--from-literal',
      'password=new',
      '--yes',
      '--timeout',
      '30s',
      '-o',
      'json',
    ]);
    expect(r.code, r.stderr).toBe(3);
    const doc = JSON.parse(r.stdout);
    expect(doc.metadata.result).toBe('rolled-back');
    expect(doc.metadata.failure.target).toBe('Deployment/web');
    // The Deployment's own verdict (progressDeadlineSeconds: 8) and the pod that is not ready.
    expect(doc.metadata.failure.message).toMatch(
      /ReplicaSet "web-[a-z0-9]+" has timed out progressing\.; pod web-[a-z0-9]+-[a-z0-9]+: Running, not ready \(ContainersNotReady\)/,
    );
    expect(doc.items.find((i: any) => i.name === 'web')).toMatchObject({ state: 'failed' });
    expect(doc.items.find((i: any) => i.name === 'pg')).toMatchObject({ state: 'reverted' });
    expect(r.stderr).toMatch(/rolling back to db/);
    // Kubernetes' "forced rollback": a StatefulSet does not replace its pod stuck on the failed version.
    expect(r.stderr).toMatch(/StatefulSet\/pg: deleted pg-0, stuck on the failed version/);

    expect(await templateRefs(ns)).toEqual({
      'Deployment/web': ['db'],
      'StatefulSet/pg': ['db'],
      'CronJob/backup': ['db'],
    });
    await rolloutsComplete(ns, '30s');
    await assertConsistent(ns, 'db');
    const failed = await readSecret(ns, 'db-v2');
    expect(failed.metadata.labels[STAGE]).toBe('failed');
    expect(JSON.parse(failed.metadata.annotations[JOURNAL]).state).toBe('rolled-back');
    expect((await readSecret(ns, 'db')).metadata.labels?.[STAGE]).not.toBe('previous');
    expect(await rotationLease(ns, 'db')).toBeUndefined();
  });

  it('with --no-rollback leaves it for inspection; --resume checks again and rolls back', async () => {
    const ns = await setUp('rot-keep');
    await quickDeadline(ns, 'web');
    cleanups.push(await neverReadyWith(ns, 'db-v2'));
    const r = await rotate([
      'db',
      '-n',
      ns,
      '--from-literal',
      'password=new',
      '--yes',
      '--timeout',
      '20s',
      '--no-rollback',
    ]);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(
      /rotation failed and was left as is for inspection \(Deployment\/web: .*\): "kubectl secrets rotate db -n .* --resume" checks again/,
    );
    expect((await templateRefs(ns))['Deployment/web']).toEqual(['db-v2']);
    expect(JSON.parse((await readSecret(ns, 'db-v2')).metadata.annotations[JOURNAL])).toMatchObject({
      state: 'running',
      failure: { target: 'Deployment/web' },
    });
    // Held for inspection: no new rotation may start.
    const other = await rotate(['db', '-n', ns, '--from-literal', 'password=other', '--yes']);
    expect(other.stderr).toMatch(/error: another rotation of db holds the lock/);

    const resumed = await rotate(['db', '-n', ns, '--resume', '--timeout', '5s']);
    expect(resumed.code, resumed.stderr).toBe(3);
    expect(resumed.stderr).toMatch(/took over the lock from a rotation that stopped and left it for --resume/);
    expect(resumed.stderr).toMatch(/retrying: step 5 wait/);
    await rolloutsComplete(ns, '30s');
    await assertConsistent(ns, 'db');
  });
});

describe('the process killed right after each step', () => {
  // Steps of this scenario: 0 lock, 1 create-version, 2-4 repoint web, pg, backup, 5 wait, 6 promote, 7 prune, 8 unlock.
  const STEPS = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const namespaces = new Map<number, string>();

  beforeAll(async () => {
    await rotateBundle();
    await Promise.all(STEPS.map(async (k) => namespaces.set(k, await setUp(`rot-k${k}`))));
  });

  it.each(STEPS)('--resume finishes a rotation killed after step %i', async (k) => {
    const ns = namespaces.get(k)!;
    const crashed = await runBundle(
      ['rotate', 'db', '-n', ns, '--from-literal', 'password=new', '--yes', '--timeout', '60s'],
      {
        env: { KUBECTL_SECRETS_CRASH_AT_STEP: String(k) },
      },
    );
    expect(crashed.code, crashed.stderr).toBe(137);
    // The last step deletes the lock, then records itself: after it there is nothing to resume.
    const last = k === STEPS.at(-1);
    expect(await rotationLease(ns, 'db'), 'the lock outlives the crash').toEqual(last ? undefined : expect.anything());
    if (!last) {
      // A new rotation is refused, and told that the holder is gone rather than to wait for it.
      const refused = await rotate(['db', '-n', ns, '--from-literal', 'password=other', '--yes']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /error: another rotation of db holds the lock \(.*\) but no longer runs \(process \d+ on this machine is gone\): run "kubectl secrets rotate db -n \S+ --resume" to finish or roll it back/,
      );
    }

    const resumed = await rotate(['db', '-n', ns, '--resume']);
    if (k === 0) {
      // It died holding only the lock: nothing had changed, and the new values went with it.
      expect(resumed.code, resumed.stderr).toBe(3);
      expect(resumed.stderr).toMatch(/released the lock: it stopped before changing anything/);
      await assertConsistent(ns, 'db');
      expect(await secretNames(ns)).toEqual(['db']);
    } else {
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stderr).toMatch(
        last
          ? /no interrupted rotation of db/
          : /took over the lock from kubectl-secrets\/\d+@.* \(process \d+ on this machine is gone\)/,
      );
      await assertConsistent(ns, 'db-v2');
      const v2 = await readSecret(ns, 'db-v2');
      expect(decode(v2, 'password')).toBe('new');
      expect(v2.metadata.labels[STAGE]).toBe('current');
      expect(JSON.parse(v2.metadata.annotations[JOURNAL]).state).toBe('done');
      await rolloutsComplete(ns, '30s');
    }
    expect(await rotationLease(ns, 'db')).toBeUndefined();
    const again = await rotate(['db', '-n', ns, '--resume']);
    expect(again.stderr).toContain(`no interrupted rotation of db in namespace ${ns}`);
  });

  it('--resume finishes a rollback killed half-way', async () => {
    const ns = await setUp('rot-krb');
    await quickDeadline(ns, 'web');
    cleanups.push(await neverReadyWith(ns, 'db-v2'));
    // 5 (wait) fails; the rollback appends 9-11 undo web, pg, backup, 12 wait-rollback, 13 mark-failed, 14 unlock.
    const crashed = await runBundle(
      ['rotate', 'db', '-n', ns, '--from-literal', 'password=new', '--yes', '--timeout', '20s'],
      {
        env: { KUBECTL_SECRETS_CRASH_AT_STEP: '10' },
      },
    );
    expect(crashed.code, crashed.stderr).toBe(137);
    expect(await templateRefs(ns)).toEqual({
      'Deployment/web': ['db'],
      'StatefulSet/pg': ['db'],
      'CronJob/backup': ['db-v2'],
    });
    const resumed = await rotate(['db', '-n', ns, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(3);
    expect(resumed.stderr).toMatch(/resuming the rollback db-v2 → db at step 11 undo CronJob\/backup/);
    await rolloutsComplete(ns, '30s');
    await assertConsistent(ns, 'db');
    expect((await readSecret(ns, 'db-v2')).metadata.labels[STAGE]).toBe('failed');
  });

  it.each([
    [2, 'aborted: the new values were never written', 3, 'old-password'],
    [4, 'finished', 0, 'new'],
  ])('--in-place killed after step %i is %s', async (k, _what, code, password) => {
    const ns = await setUp(`rot-ipk${k}`);
    const crashed = await runBundle(
      ['rotate', 'db', '-n', ns, '--in-place', '--from-literal', 'password=new', '--yes', '--timeout', '60s'],
      {
        env: { KUBECTL_SECRETS_CRASH_AT_STEP: String(k) },
      },
    );
    expect(crashed.code, crashed.stderr).toBe(137);
    const resumed = await rotate(['db', '-n', ns, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(code);
    expect(decode(await readSecret(ns, 'db'), 'password')).toBe(password);
    expect(await secretNames(ns)).toEqual(code === 0 ? ['db', 'db-previous'] : ['db']);
    await rolloutsComplete(ns, '30s');
    await assertConsistent(ns, 'db');
    expect(await rotationLease(ns, 'db')).toBeUndefined();
  });
});
