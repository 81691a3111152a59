import { describe, expect, it } from 'vitest';
import { ANNOTATION_JOURNAL, LABEL_STAGE, leaseName, RESTARTED_AT } from '../../../src/rotate/constants.js';
import { RotateError } from '../../../src/rotate/errors.js';
import { parseJournal, type Journal } from '../../../src/rotate/journal.js';
import { inspect, prepare } from '../../../src/rotate/run-inspect.js';
import {
  exitCodeOf,
  lockedNow,
  planRetire,
  proposeRotation,
  resumeRotation,
  retire,
  startRotation,
  type RotateDeps,
} from '../../../src/rotate/run.js';
import type { RotationMode } from '../../../src/rotate/constants.js';
import type { NewValue } from '../../../src/rotate/values.js';
import type { UnhealthyPolicy } from '../../../src/rotate/plan.js';
import { b64, pod, podSpec, secret, workload } from './builders.js';
import { FakeCluster } from './fake-cluster.js';
import { prepareOptions, ROTATE_OPTIONS, scenario } from './rotation-scenario.js';

class Crash extends Error {}

const CANARY = 'canary-value-7f3a9c1e';
const values: NewValue[] = [{ key: 'password', bytes: Buffer.from(CANARY), origin: '--from-file password' }];

function deps(
  cluster: FakeCluster,
  opts: { crashAt?: number; holder?: string; alive?: boolean } = {},
): RotateDeps & { lines: string[] } {
  let t = Date.parse('2030-01-01T00:00:00Z');
  const lines: string[] = [];
  return {
    lines,
    cluster,
    clock: { now: () => new Date(t), sleep: async (ms) => void (t += ms) },
    events: {
      line: (s) => lines.push(s),
      status: () => {},
      recorded: (step) => {
        if (step.n === opts.crashAt) throw new Crash(`crash after step ${step.n}`);
      },
    },
    identity: {
      holder: opts.holder ?? 'kubectl-secrets/1@host#a1',
      host: 'host',
      machine: 'a1',
      isAlive: () => opts.alive ?? false,
    },
    newId: () => 'r1',
    pollMs: 1000,
  };
}

async function start(
  cluster: FakeCluster,
  opts: {
    crashAt?: number;
    alive?: boolean;
    mode?: RotationMode;
    rollback?: boolean;
    unhealthy?: UnhealthyPolicy;
    lines?: string[];
  } = {},
): Promise<Journal> {
  const d = deps(cluster, opts);
  const ins = await inspect(cluster, 'db');
  const prepared = prepare(ins, values, {
    ...prepareOptions(opts.mode ?? 'blue-green', d.identity.holder, d.clock.now()),
    ...(opts.unhealthy ? { unhealthy: opts.unhealthy } : {}),
  });
  try {
    return await startRotation(prepared, d, { timeoutMs: 20_000, rollback: opts.rollback ?? true });
  } finally {
    opts.lines?.push(...d.lines);
  }
}

/** Starts, expecting the simulated crash, then resumes as another process. */
async function crashThenResume(
  cluster: FakeCluster,
  crashAt: number,
  mode: RotationMode = 'blue-green',
): Promise<Journal | undefined> {
  await expect(start(cluster, { crashAt, mode })).rejects.toThrow(/crash after step/);
  const result = await resumeRotation('db', deps(cluster, { holder: 'kubectl-secrets/2@host#a1' }), { rollback: true });
  return result.journal;
}

const journalOf = (c: FakeCluster, name: string): Journal | undefined =>
  parseJournal(c.secrets.get(name)?.metadata.annotations?.[ANNOTATION_JOURNAL]);
const allOn = (c: FakeCluster, name: string): boolean =>
  Object.values(c.references()).every((refs) => refs.length === 1 && refs[0] === name);
const leaked = (c: FakeCluster): boolean => c.written.some((w) => w.includes(CANARY) || w.includes(b64(CANARY)));

describe('blue/green rotation', () => {
  it('creates the next version, repoints every consumer, promotes it and releases the lock', async () => {
    const c = scenario();
    const j = await start(c);
    expect(j.state).toBe('done');
    expect(exitCodeOf(j)).toBe(0);
    expect(allOn(c, 'db-v2')).toBe(true);
    const v2 = c.secrets.get('db-v2')!;
    expect(v2.immutable).toBe(true);
    expect(v2.data).toEqual({ password: b64(CANARY), user: b64('app') });
    expect(v2.metadata.labels?.[LABEL_STAGE]).toBe('current');
    expect(c.secrets.get('db')!.metadata.labels?.[LABEL_STAGE]).toBe('previous');
    expect(c.leases.size).toBe(0);
    expect(journalOf(c, 'db-v2')?.state).toBe('done');
    expect(j.consumers.map((x) => [x.name, x.state])).toEqual([
      ['api', 'rolled-out'],
      ['pg', 'rolled-out'],
      ['agent', 'rolled-out'],
      ['backup', 'updated'],
    ]);
    expect(leaked(c)).toBe(false);
  });

  it('keeps --keep versions and prunes the older unused ones', async () => {
    const c = scenario();
    for (let i = 0; i < 3; i++) expect((await start(c)).state).toBe('done');
    expect([...c.secrets.keys()].sort()).toEqual(['db-v3', 'db-v4']);
  });

  it('rolls every consumer back when one rollout never becomes ready', async () => {
    const c = scenario();
    c.healthy = (w) => !(w.kind === 'Deployment' && JSON.stringify(w.spec).includes('db-v2'));
    const j = await start(c);
    expect(j.state).toBe('rolled-back');
    expect(exitCodeOf(j)).toBe(3);
    expect(j.failure).toEqual({
      target: 'Deployment/api',
      message: expect.stringMatching(
        /^not complete after 20s: 0 of 1 updated replicas are available; pod api-g2-0: Running, not ready/,
      ),
    });
    expect(allOn(c, 'db')).toBe(true);
    expect(c.secrets.get('db-v2')!.metadata.labels?.[LABEL_STAGE]).toBe('failed');
    expect(c.leases.size).toBe(0);
  });

  it('deletes StatefulSet pods stuck on the failed version, which Kubernetes would not replace', async () => {
    const c = scenario();
    // A pod of the new revision that never becomes ready, and stays after the template is reverted.
    c.barePods.push(pod('pg-1', podSpec('db-v2', 'volume'), { kind: 'StatefulSet', name: 'pg' }, false));
    c.healthy = (w) => !(w.kind === 'StatefulSet' && JSON.stringify(w.spec).includes('db-v2'));
    const d = deps(c);
    const ins = await inspect(c, 'db');
    const prepared = prepare(ins, values, prepareOptions('blue-green', d.identity.holder, d.clock.now()));
    const j = await startRotation(prepared, d, { timeoutMs: 20_000, rollback: true });
    expect(j.state).toBe('rolled-back');
    expect(j.failure?.target).toBe('StatefulSet/pg');
    expect(c.deletedPods).toEqual(['pg-1']);
    expect(d.lines).toContain(
      'StatefulSet/pg: deleted pg-1, stuck on the failed version (StatefulSets do not replace them by themselves)',
    );
  });

  it('with --no-rollback leaves it for inspection; --resume checks again and finishes', async () => {
    const c = scenario();
    c.healthy = (w) => !JSON.stringify(w.spec).includes('db-v2');
    const j = await start(c, { rollback: false });
    expect(j.state).toBe('running');
    expect(exitCodeOf(j)).toBe(4);
    expect(allOn(c, 'db-v2')).toBe(true);
    // The lock stays (no new rotation may start) but has no holder: --resume takes it at once.
    expect(c.leases.get(leaseName('db'))?.spec?.holderIdentity).toBeUndefined();
    await expect(start(scenarioLike(c))).rejects.toThrow(/holds the lock/);
    c.healthy = () => true;
    const resumed = await resumeRotation('db', deps(c, { holder: 'kubectl-secrets/9@other', alive: true }), {
      rollback: true,
    });
    expect(resumed.journal?.state).toBe('done');
    expect(resumed.journal?.failure).toBeUndefined();
  });

  it('says a lock whose holder is gone on this machine needs --resume, not waiting for', async () => {
    const c = scenario();
    await expect(start(c, { crashAt: 2 })).rejects.toThrow(/crash after step/);
    const refusal = start(c);
    await expect(refusal).rejects.toThrow(
      /^another rotation of db holds the lock \(Lease kubectl-secrets-rotate-db, kubectl-secrets\/1@host#a1 since .*\) but no longer runs \(process 1 on this machine is gone\): run "kubectl secrets rotate db -n shop --resume" to finish or roll it back$/,
    );
    expect(await lockedNow(deps(c, { alive: true }), 'db')).toMatch(/: wait for it, or if it died run /);
  });

  it('refuses a second rotation while the first holds the lock, and --resume while its holder lives', async () => {
    const c = scenario();
    await expect(start(c, { crashAt: 2, alive: true })).rejects.toThrow(/crash after step/);
    await expect(start(c, { alive: true })).rejects.toThrow(
      /another rotation of db holds the lock \(Lease kubectl-secrets-rotate-db, kubectl-secrets\/1@host#a1 since/,
    );
    expect(await lockedNow(deps(c, { alive: true }), 'db')).toMatch(/^another rotation of db holds the lock/);
    expect(await lockedNow(deps(c, { alive: true }), 'other')).toBeUndefined();
    await expect(resumeRotation('db', deps(c, { alive: true }), { rollback: true })).rejects.toThrow(
      /is still running .*renewed 0s ago/,
    );
  });

  it('tells to resume on the cluster it rotated: the --context, --kubeconfig and identity given', async () => {
    const c = scenario();
    await expect(start(c, { crashAt: 2 })).rejects.toThrow(/crash after step/);
    const flags = ['--context', 'prod', '--kubeconfig', '/k/prod config', '--as', 'ops'];
    const d = { ...deps(c, { alive: true }), commandFlags: flags };
    const prepared = prepare(
      await inspect(c, 'db'),
      values,
      prepareOptions('blue-green', d.identity.holder, d.clock.now()),
    );
    const resume = `"kubectl secrets rotate db -n ${c.namespace} --resume --context prod --kubeconfig '/k/prod config' --as ops"`;
    await expect(startRotation(prepared, d, { timeoutMs: 20_000, rollback: true })).rejects.toThrow(resume);
    expect(await lockedNow(d, 'db')).toContain(resume);
  });

  it.each([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])('finishes after a crash right after step %i', async (k) => {
    const c = scenario();
    const j = await crashThenResume(c, k);
    if (k === 0) {
      // Stopped holding the lock only: nothing had changed, so nothing is left.
      expect(j).toBeUndefined();
      expect(allOn(c, 'db')).toBe(true);
      expect([...c.secrets.keys()]).toEqual(['db']);
    } else {
      // After the last step (unlock) there is nothing left to resume: the journal already says done.
      expect((j ?? journalOf(c, 'db-v2'))?.state).toBe('done');
      expect(allOn(c, 'db-v2')).toBe(true);
      expect(c.secrets.get('db-v2')!.metadata.labels?.[LABEL_STAGE]).toBe('current');
    }
    expect(c.leases.size).toBe(0);
    expect(leaked(c)).toBe(false);
  });

  // Steps 6 (wait) to 9 are never recorded done: the wait fails and the rollback appends steps 10 to 16.
  it.each([1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 16])(
    'rolls back after a crash right after step %i of a failing rotation',
    async (k) => {
      const c = scenario();
      c.healthy = (w) => !(w.kind === 'StatefulSet' && JSON.stringify(w.spec).includes('db-v2'));
      const j = (await crashThenResume(c, k)) ?? journalOf(c, 'db-v2');
      expect(j?.state).toBe('rolled-back');
      expect(allOn(c, 'db')).toBe(true);
      expect(c.secrets.get('db-v2')!.metadata.labels?.[LABEL_STAGE]).toBe('failed');
      expect(c.leases.size).toBe(0);
    },
  );

  it('resumes from the journal even when the lock is gone', async () => {
    const c = scenario();
    await expect(start(c, { crashAt: 3 })).rejects.toThrow(/crash after step/);
    c.leases.clear();
    const r = await resumeRotation('db', deps(c), { rollback: true });
    expect(r.notes[0]).toMatch(/found the journal of an unfinished rotation on db-v2/);
    expect(r.journal?.state).toBe('done');
  });

  it('says so when there is nothing to resume', async () => {
    const r = await resumeRotation('db', deps(scenario()), { rollback: true });
    expect(r).toEqual({ nothing: true, notes: ['no interrupted rotation of db in namespace shop'] });
  });

  it('refuses an unknown Secret and one another tool manages', async () => {
    await expect(inspect(new FakeCluster(), 'db')).rejects.toThrow('secret "db" not found in namespace "shop"');
    const c = new FakeCluster();
    c.addSecret(secret('db', { annotations: { 'meta.helm.sh/release-name': 'shop' } }));
    const ins = await inspect(c, 'db');
    expect(() =>
      prepare(ins, values, {
        mode: 'blue-green',
        replaceAll: false,
        mutable: false,
        force: false,
        restartAll: false,
        keep: 2,
        timeoutMs: 1,
        id: 'x',
        holder: 'h',
        now: new Date(),
      }),
    ).toThrow(
      /db is managed by Helm \(release shop\), which would undo a rotation here: .*helm upgrade.* \(--force rotates it anyway\)/,
    );
  });

  it('refuses a name longer than a label value, before any request with it as a label selector (the API answered 400)', async () => {
    const long = 'a'.repeat(64);
    const c = new FakeCluster();
    c.addSecret(secret(long));
    const message = `${long} is 64 characters long: a rotation labels its versions with the name (label secrets.kubectl-secrets.dev/name), and a label value holds at most 63; rotate it by hand`;
    await expect(inspect(c, long)).rejects.toThrow(message);
    await expect(planRetire(c, long)).rejects.toThrow(message);
    await expect(resumeRotation(long, deps(c), { rollback: true })).rejects.toThrow(message);
    c.addSecret(secret('a'.repeat(63)));
    expect((await inspect(c, 'a'.repeat(63))).logical).toBe('a'.repeat(63));
  });

  it('passes over a name another Secret already has: the plan and the run create the same next free version', async () => {
    const c = scenario();
    c.addSecret(secret('db-v2')); // someone's own Secret, not a version of db
    const prepared = prepare(await inspect(c, 'db'), values, prepareOptions('blue-green', 'h', new Date()));
    expect(prepared.plan.to).toBe('db-v3');
    expect(prepared.newVersion?.metadata.name).toBe('db-v3');
  });

  it("looks for a free version name without reading another Secret's values", async () => {
    const c = scenario();
    c.addSecret(secret('db-v2'));
    const got: string[] = [];
    const getSecret = c.getSecret.bind(c);
    c.getSecret = (name: string) => (got.push(name), getSecret(name));
    expect((await inspect(c, 'db')).taken).toEqual(new Set(['db-v2']));
    expect(got).toEqual(['db']);
  });

  it('rotates a version given by its own name under its logical name', async () => {
    const c = scenario();
    await start(c);
    const ins = await inspect(c, 'db-v2');
    expect(ins.logical).toBe('db');
    expect(ins.notes).toEqual(['db-v2 is version 2 of db: rotating db']);
  });
});

describe('proposeRotation', () => {
  const opts = { mode: 'blue-green', ...ROTATE_OPTIONS } as const;

  it('warns when a new value gains a final line break the current one has not (echo adds one)', async () => {
    const echoed: NewValue[] = [
      { key: 'password', bytes: Buffer.from(`${CANARY}\n`), origin: '--from-file password=-' },
    ];
    const p = await proposeRotation(deps(scenario()), 'db', echoed, opts, { dryRun: true, warn: () => {} });
    expect(p.warnings).toContain(
      'the new value of key "password" ends with a line break that the current one has not (echo adds one: printf \'%s\' "$VALUE" does not); it is kept as given',
    );
    const plain = await proposeRotation(deps(scenario()), 'db', values, opts, { dryRun: true, warn: () => {} });
    expect(plain.warnings.join('\n')).not.toMatch(/line break/);
  });

  it('refuses while another rotation holds the lock; a dry run notes it and plans anyway', async () => {
    const c = scenario();
    await expect(start(c, { crashAt: 2, alive: true })).rejects.toThrow(/crash after step/);
    const warned: string[] = [];
    const warn = (w: string): void => void warned.push(w);
    await expect(proposeRotation(deps(c), 'db', values, opts, { dryRun: false, warn })).rejects.toThrow(
      /^another rotation of db holds the lock/,
    );
    expect(warned).toEqual([]);
    const p = await proposeRotation(deps(c), 'db', values, opts, { dryRun: true, warn });
    expect(p.warnings).toEqual([
      expect.stringMatching(/^another rotation of db holds the lock .* \(this plan shows the cluster as it is now\)$/),
    ]);
    expect(warned).toEqual(p.warnings);
    expect(p.complete).toBe(true);
    expect(p.prepared.plan.to).toBe('db-v3');
  });

  it('warns about --force and unchanged values, as they are found', async () => {
    const c = new FakeCluster();
    c.addSecret(secret('db', { annotations: { 'meta.helm.sh/release-name': 'shop' } }));
    const warned: string[] = [];
    const same = [{ key: 'password', bytes: Buffer.from('old'), origin: '--from-literal #1' }];
    const p = await proposeRotation(
      deps(c),
      'db',
      same,
      { ...opts, force: true },
      { dryRun: false, warn: (w) => void warned.push(w) },
    );
    expect(p.warnings).toEqual([
      expect.stringMatching(/^db is managed by Helm \(release shop\); rotating it anyway \(--force\): /),
      'the new values are the same as the current ones',
    ]);
    expect(warned).toEqual(p.warnings);
    expect(p.prepared.journal.id).toBe('r1');
  });
});

describe('in-place rotation', () => {
  it('writes the new values, keeps the old ones for rollback, restarts env consumers only', async () => {
    const c = scenario();
    const j = await start(c, { mode: 'in-place' });
    expect(j.state).toBe('done');
    expect(c.secrets.get('db')!.data).toEqual({ password: b64(CANARY), user: b64('app') });
    expect(c.secrets.get('db-previous')!.data).toEqual({ password: b64('old'), user: b64('app') });
    const restarted = [...c.workloads.values()].filter(
      (w) =>
        (w.spec as { template?: { metadata?: { annotations?: Record<string, string> } } }).template?.metadata
          ?.annotations?.[RESTARTED_AT],
    );
    expect(restarted.map((w) => w.metadata.name)).toEqual(['api']);
    expect(leaked(c)).toBe(false);
  });

  it('refuses an immutable Secret', async () => {
    const c = new FakeCluster();
    c.addSecret({ ...secret('db'), immutable: true });
    const ins = await inspect(c, 'db');
    expect(() =>
      prepare(ins, values, {
        mode: 'in-place',
        replaceAll: false,
        mutable: false,
        force: false,
        restartAll: false,
        keep: 2,
        timeoutMs: 1,
        id: 'x',
        holder: 'h',
        now: new Date(),
      }),
    ).toThrow('db is immutable, so its values cannot change in place: rotate it blue/green (without --in-place)');
  });

  it('writes the old values back when a restarted consumer fails', async () => {
    const c = scenario();
    c.healthy = (w) =>
      (w.spec as { template?: { metadata?: { annotations?: Record<string, string> } } }).template?.metadata
        ?.annotations?.[RESTARTED_AT] !== '2030-01-01T00:00:00Z';
    const j = await start(c, { mode: 'in-place' });
    expect(j.state).toBe('rolled-back');
    expect(c.secrets.get('db')!.data).toEqual({ password: b64('old'), user: b64('app') });
  });

  it('says what an in-place rollback and resume do, not "rolling back to db" or "db → db"', async () => {
    const c = scenario();
    c.healthy = (w) =>
      (w.spec as { template?: { metadata?: { annotations?: Record<string, string> } } }).template?.metadata
        ?.annotations?.[RESTARTED_AT] !== '2030-01-01T00:00:00Z';
    const lines: string[] = [];
    await start(c, { mode: 'in-place', lines });
    expect(lines).toContain('rolling back: the old values of db go back');
    expect(lines.join('\n')).not.toMatch(/rolling back to db/);
    const crashed = scenario();
    await expect(start(crashed, { crashAt: 4, mode: 'in-place' })).rejects.toThrow(/crash after step/);
    const resumer = deps(crashed, { holder: 'kubectl-secrets/2@host#a1' });
    await resumeRotation('db', resumer, { rollback: true });
    expect(resumer.lines).toContain('resuming the in-place rotation of db at step 5 wait');
  });

  it.each([1, 2, 3, 4, 5, 6])('ends consistent after a crash right after step %i', async (k) => {
    const c = scenario();
    const j = (await crashThenResume(c, k, 'in-place')) ?? journalOf(c, 'db');
    if (k < 3) {
      // The new values were never written and are not stored anywhere: nothing changed.
      expect(j?.state).toBe('aborted');
      expect(c.secrets.get('db')!.data).toEqual({ password: b64('old'), user: b64('app') });
      expect(c.secrets.has('db-previous')).toBe(false);
    } else {
      expect(j?.state).toBe('done');
      expect(c.secrets.get('db')!.data?.password).toBe(b64(CANARY));
    }
    expect(c.leases.size).toBe(0);
  });
});

describe('a consumer not healthy before the rotation', () => {
  /** api never becomes ready, whatever its template says. */
  const broken = (): FakeCluster => {
    const c = scenario();
    c.healthy = (w) => w.metadata.name !== 'api';
    return c;
  };

  it.each<RotationMode>(['blue-green', 'in-place'])('refuses before any change (%s)', async (mode) => {
    const c = broken();
    await expect(start(c, { mode })).rejects.toThrow(
      'Deployment/api is not healthy now (0/1 ready): a rotation could not tell its own failure from this',
    );
    expect([...c.secrets.keys()]).toEqual(['db']);
    expect(c.leases.size).toBe(0);
    expect(c.written).toEqual([]);
  });

  it('--skip-unhealthy rotates the others and leaves it on the old version', async () => {
    const c = broken();
    const j = await start(c, { unhealthy: 'skip' });
    expect(j.state).toBe('done');
    expect(j.consumers.map((x) => x.name)).toEqual(['pg', 'agent', 'backup']);
    expect(c.references()['Deployment/api']).toEqual(['db']);
    expect(c.references()['StatefulSet/pg']).toEqual(['db-v2']);
  });

  it('--rotate-unhealthy: a failed rollout is rolled back without waiting for its health, and ends (exit 3)', async () => {
    const c = broken();
    const lines: string[] = [];
    const j = await start(c, { unhealthy: 'rotate', lines });
    expect(j.state).toBe('rolled-back');
    expect(exitCodeOf(j)).toBe(3);
    expect(j.failure?.target).toBe('Deployment/api');
    expect(j.consumers.find((x) => x.name === 'api')).toMatchObject({ state: 'reverted', unhealthy: '0/1 ready' });
    expect(lines).toContain(
      'Deployment/api: back on db (not waited for: it was not healthy before the rotation (0/1 ready))',
    );
    expect(allOn(c, 'db')).toBe(true);
    expect(c.leases.size).toBe(0);
  });

  it('--rotate-unhealthy in place: the old values are written back, and it ends rolled back', async () => {
    const c = broken();
    const j = await start(c, { unhealthy: 'rotate', mode: 'in-place' });
    expect(j.state).toBe('rolled-back');
    expect(c.secrets.get('db')!.data).toEqual({ password: b64('old'), user: b64('app') });
    expect(c.leases.size).toBe(0);
  });

  it('--rotate-unhealthy --no-rollback, then --resume: the journal remembers it, and the rollback ends', async () => {
    const c = broken();
    const held = await start(c, { unhealthy: 'rotate', rollback: false });
    expect(held.state).toBe('running');
    expect(exitCodeOf(held)).toBe(4);
    const resumed = await resumeRotation('db', deps(c, { holder: 'kubectl-secrets/2@host#a1' }), { rollback: true });
    expect(resumed.journal?.state).toBe('rolled-back');
    expect(allOn(c, 'db')).toBe(true);
    expect(c.leases.size).toBe(0);
  });

  it('a consumer healthy before whose rollback cannot become healthy is still left for --resume (exit 4)', async () => {
    const c = scenario();
    c.healthy = (w) => !(w.metadata.name === 'api' && (w.metadata.generation ?? 1) > 1);
    const j = await start(c);
    expect(j.state).toBe('rolling-back');
    expect(exitCodeOf(j)).toBe(4);
    expect(c.leases.size).toBe(1);
  });
});

describe('retire', () => {
  it('deletes every version nothing uses, never the current one', async () => {
    const c = scenario();
    await start(c);
    await start(c);
    const plan = await planRetire(c, 'db');
    expect(plan.current).toBe('db-v3');
    // The second rotation already pruned db (version 1, beyond --keep 2).
    expect(plan.retire.map((v) => v.name)).toEqual(['db-v2']);
    expect(await retire(plan, deps(c))).toEqual(['db-v2']);
    expect([...c.secrets.keys()]).toEqual(['db-v3']);
    expect(c.leases.size).toBe(0);
  });

  it('keeps versions in use', async () => {
    const c = scenario();
    await start(c);
    c.addWorkload(workload('Deployment', 'legacy', podSpec('db', 'env')));
    const plan = await planRetire(c, 'db');
    expect(plan.retire).toEqual([]);
    expect(plan.inUse.map((v) => v.name)).toEqual(['db']);
  });

  it('refuses while a rotation holds the lock', async () => {
    const c = scenario();
    await expect(start(c, { crashAt: 3, alive: true })).rejects.toThrow(/crash after step/);
    await expect(retire(await planRetire(c, 'db'), deps(c))).rejects.toThrow(RotateError);
  });
});

/** The same cluster, for a second rotation attempt. */
const scenarioLike = (c: FakeCluster): FakeCluster => c;

describe('lost answers and lost journals', () => {
  it('a create whose answer was lost after it landed is found, and the rotation goes on', async () => {
    const c = scenario();
    const create = c.createSecret.bind(c);
    c.createSecret = async (s) => {
      await create(s);
      throw new Error('request timed out after 2s');
    };
    const j = await start(c);
    expect(j.state).toBe('done');
    expect(allOn(c, 'db-v2')).toBe(true);
  });

  it('a create whose answer was lost and that cannot be checked leaves the lock to --resume', async () => {
    const c = scenario();
    const create = c.createSecret.bind(c);
    c.createSecret = async (s) => {
      await create(s);
      c.getSecret = async () => {
        throw new Error('connect ECONNREFUSED');
      };
      throw new Error('request timed out after 2s');
    };
    await expect(start(c)).rejects.toThrow(
      /whether db-v2 was written is unknown .*; the rotation is interrupted: run "kubectl secrets rotate db -n shop --resume"/,
    );
    expect(c.leases.size).toBe(1);
    c.getSecret = FakeCluster.prototype.getSecret.bind(c);
    const resumed = await resumeRotation('db', deps(c, { holder: 'kubectl-secrets/2@host#a1' }), { rollback: true });
    expect(resumed.journal?.state).toBe('done');
  });

  it('a create that never landed says nothing changed and lets go of the lock', async () => {
    const c = scenario();
    c.createSecret = async () => {
      throw new Error('request timed out after 2s');
    };
    await expect(start(c)).rejects.toThrow(/^request timed out after 2s$/);
    expect(c.leases.size).toBe(0);
  });

  it('--resume with an unreadable journal reports the consumers and keeps the lock', async () => {
    const c = scenario();
    await expect(start(c, { crashAt: 3 })).rejects.toThrow(/crash after step 3/);
    c.secrets.get('db-v2')!.metadata.annotations![ANNOTATION_JOURNAL] = '{"v":1,';
    const resume = resumeRotation('db', deps(c, { holder: 'kubectl-secrets/2@host#a1' }), { rollback: true });
    await expect(resume).rejects.toThrow(
      /journal of the interrupted rotation of db on db-v2 is unreadable.*found: db-v2 was written by this rotation; .*CronJob\/backup, DaemonSet\/agent, Deployment\/api, StatefulSet\/pg use db-v2\. .*the lock \(Lease kubectl-secrets-rotate-db\) is kept/,
    );
    await expect(resume).rejects.toMatchObject({ exitCode: 4 });
    expect(c.leases.size).toBe(1);
  });

  it('--resume with the journal lost names the cluster it ran on in the commands it prints (delete lease above all)', async () => {
    const c = scenario();
    await expect(start(c, { crashAt: 3 })).rejects.toThrow(/crash after step 3/);
    c.secrets.get('db-v2')!.metadata.annotations![ANNOTATION_JOURNAL] = '{"v":1,';
    const d = { ...deps(c, { holder: 'kubectl-secrets/2@host#a1' }), commandFlags: ['--context', 'prod'] };
    const resume = resumeRotation('db', d, { rollback: true });
    await expect(resume).rejects.toThrow(
      `(kubectl secrets exposure db -n ${c.namespace} --context prod), then delete the lock (kubectl delete lease kubectl-secrets-rotate-db -n ${c.namespace} --context prod)`,
    );
  });

  it('--resume with the journal gone reports it missing', async () => {
    const c = scenario();
    await expect(start(c, { crashAt: 2 })).rejects.toThrow(/crash after step 2/);
    delete c.secrets.get('db-v2')!.metadata.annotations![ANNOTATION_JOURNAL];
    await expect(
      resumeRotation('db', deps(c, { holder: 'kubectl-secrets/2@host#a1' }), { rollback: true }),
    ).rejects.toThrow(/on db-v2 is missing.*Deployment\/api, .* use db-v2/);
    expect(c.leases.size).toBe(1);
  });
});

describe('fencing', () => {
  it('a switch delayed past a takeover and an undo writes nothing: the patch is fenced, then the lock is checked', async () => {
    const c = scenario();
    const patch = c.jsonPatchWorkload.bind(c);
    let late = true;
    c.jsonPatchWorkload = async (kind, name, ops) => {
      if (late) {
        late = false;
        // While this patch was in flight: another process took the lock over and wrote the workload (its undo).
        const [lease] = [...c.leases.values()];
        c.leases.set(lease!.metadata.name!, {
          ...lease!,
          metadata: { ...lease!.metadata, resourceVersion: 'taken' },
          spec: { ...lease!.spec, holderIdentity: 'kubectl-secrets/9@other#zz' },
        });
        await c.mergePatchWorkload(kind, name, { metadata: { annotations: { undone: 'yes' } } });
      }
      return patch(kind, name, ops);
    };
    await expect(start(c)).rejects.toThrow(/lost the lock of db: another process took over/);
    expect(c.references()['Deployment/api']).toEqual(['db']);
  });

  it('a controller writing the workload meanwhile only costs a retry', async () => {
    const c = scenario();
    const patch = c.jsonPatchWorkload.bind(c);
    let writes = 2;
    c.jsonPatchWorkload = async (kind, name, ops) => {
      if (writes-- > 0) await c.mergePatchWorkload(kind, name, { metadata: { labels: { status: String(writes) } } });
      return patch(kind, name, ops);
    };
    expect((await start(c)).state).toBe('done');
    expect(allOn(c, 'db-v2')).toBe(true);
  });
});

describe('stop requests (signals)', () => {
  it.each([1, 5])(
    'stops before the step after %i (the four switches run as one batch), keeps the journal, leaves the lock to --resume, which finishes',
    async (after) => {
      const c = scenario();
      const d = deps(c);
      let signal: string | undefined;
      d.events.recorded = (step) => {
        if (step.n === after) signal = 'SIGINT';
      };
      d.stopRequested = () => signal;
      const ins = await inspect(c, 'db');
      const prepared = prepare(ins, values, prepareOptions('blue-green', d.identity.holder, d.clock.now()));
      const stopped = startRotation(prepared, d, { timeoutMs: 20_000, rollback: true });
      await expect(stopped).rejects.toThrow(
        new RegExp(
          `^interrupted by SIGINT before step ${after + 1} .*: the journal is saved and the lock left for --resume; run "kubectl secrets rotate db -n shop --resume"`,
        ),
      );
      await expect(stopped).rejects.toMatchObject({ exitCode: 130 });
      expect(
        journalOf(c, 'db-v2')
          ?.steps.filter((s) => s.status === 'done')
          .map((s) => s.n),
      ).toEqual(Array.from({ length: after }, (_, i) => i + 1));
      const lease = [...c.leases.values()][0]!;
      expect(lease.spec?.holderIdentity).toBeUndefined();
      const resumed = await resumeRotation('db', deps(c, { holder: 'kubectl-secrets/2@host#a1' }), { rollback: true });
      expect(resumed.journal?.state).toBe('done');
      expect(allOn(c, 'db-v2')).toBe(true);
    },
  );
});

describe('switches in batches', () => {
  it('records the switches of a batch that succeeded, and undoes them when another of the batch failed', async () => {
    const c = scenario();
    const get = c.getWorkload.bind(c);
    let forward = true;
    c.getWorkload = async (kind, name) => (forward && kind === 'StatefulSet' ? undefined : get(kind, name));
    const recorded: number[] = [];
    const d = deps(c);
    d.events.recorded = (s) => void recorded.push(s.n);
    const ins = await inspect(c, 'db');
    const prepared = prepare(ins, values, prepareOptions('blue-green', d.identity.holder, d.clock.now()));
    const run = startRotation(prepared, d, { timeoutMs: 20_000, rollback: true });
    const j = await run.finally(() => (forward = false));
    expect(j.state).toBe('rolled-back');
    expect(j.failure).toEqual({ target: 'StatefulSet/pg', message: 'it was deleted during the rotation' });
    // Steps 2, 4 and 5 (api, agent, backup) were recorded together, then undone.
    expect(recorded.slice(0, 5)).toEqual([0, 1, 2, 4, 5]);
    expect(allOn(c, 'db')).toBe(true);
  });
});
