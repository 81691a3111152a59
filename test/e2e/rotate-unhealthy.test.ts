// rotate of a Secret whose consumer was already unhealthy before the
// rotation (its pods never ready), on the real local cluster: refused before
// any change (the health gate could not tell its own failure from this), or
// rotated around it with --skip-unhealthy.
import { afterAll, describe, expect, it } from 'vitest';
import { api, applyYaml, NEVER_READY_LABEL, waitFor } from '../harness/cluster.js';
import type { CliResult } from '../harness/runCli.js';
import {
  assertConsistent,
  consumerYaml,
  createSecret,
  JOURNAL,
  neverReadyWith,
  readSecret,
  namespaces,
  rolloutsComplete,
  rotationLease,
  secretNames,
  templateRefs,
  rotate,
} from './rotate-harness.js';

/** Rotates db in `ns` to a new password, with `extra` flags. */
const rotateDb = (ns: string, ...extra: string[]): Promise<CliResult> =>
  rotate(['db', '-n', ns, '--from-literal', 'password=new', ...extra]);

const spaces = namespaces();
afterAll(() => spaces.cleanup());

/**
 * api (healthy) and web (2 replicas, never ready: broken before any rotation) both mount db. `brokenBy`
 * "template": web's pods never become ready whatever they mount; "db": only those that mount db (the
 * new values are the fix), and then there is no api.
 */
async function setUp(prefix: string, brokenBy: 'template' | 'db' = 'template'): Promise<string> {
  const ns = await spaces.fresh(prefix);
  await createSecret(ns, 'db', { password: 'old-password' });
  if (brokenBy === 'template') {
    await applyYaml(consumerYaml('Deployment', 'api', 'db', ['volume']), ns);
    await rolloutsComplete(ns);
  } else spaces.defer(await neverReadyWith(ns, 'db'));
  const web = consumerYaml('Deployment', 'web', 'db', ['volume', 'env'], 2);
  const broken =
    brokenBy === 'template'
      ? web.replace('metadata: {labels: {app: web}}', `metadata: {labels: {app: web, "${NEVER_READY_LABEL}": "true"}}`)
      : web;
  await applyYaml(broken, ns);
  await waitFor(
    async () => {
      const { body } = await api('GET', `/apis/apps/v1/namespaces/${ns}/deployments/web`);
      const s = body.status ?? {};
      return s.observedGeneration === body.metadata.generation && s.replicas === 2 && !s.readyReplicas;
    },
    { timeout: 60_000, what: 'Deployment web with 2 pods, none ready' },
  );
  return ns;
}

describe('a consumer that was not healthy before the rotation', () => {
  it('refuses before any change (exit 1), naming it and its readiness', async () => {
    const ns = await setUp('rot-unhealthy');
    const before = await templateRefs(ns);
    const r = await rotateDb(ns, '--yes', '--timeout', '20s');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /^error: Deployment\/web is not healthy now \(0\/2 ready\): a rotation could not tell its own failure from this \(nor roll back to a healthy state\); fix it first, or pass --skip-unhealthy to leave it out \(--rotate-unhealthy rotates it anyway/m,
    );
    expect(r.stderr).not.toMatch(/Deployment\/api/);
    expect(await secretNames(ns)).toEqual(['db']);
    expect(await templateRefs(ns)).toEqual(before);
    expect(await rotationLease(ns, 'db')).toBeUndefined();

    // The dry run shows the same refusal, and in place too.
    const dry = await rotateDb(ns, '--dry-run');
    expect(dry.code).toBe(1);
    expect(dry.stderr).toMatch(/error: Deployment\/web is not healthy now \(0\/2 ready\)/);
    const inPlace = await rotateDb(ns, '--in-place', '--yes');
    expect(inPlace.code).toBe(1);
    expect(inPlace.stderr).toMatch(/error: Deployment\/web is not healthy now \(0\/2 ready\)/);
    expect(await secretNames(ns)).toEqual(['db']);
  });

  it('with --skip-unhealthy rotates the others and lists it NOT ROTATED, on the old version', async () => {
    const ns = await setUp('rot-skipunh');
    const dry = await rotateDb(ns, '--skip-unhealthy', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/web\s.*skip\s+skipped\s+not healthy now \(0\/2 ready\)/);

    const r = await rotateDb(ns, '--skip-unhealthy', '--yes', '--timeout', '60s', '-o', 'json');
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.metadata.result).toBe('rotated');
    const web = doc.items.find((i: any) => i.name === 'web');
    expect(web).toMatchObject({ kind: 'Deployment', state: 'skipped' });
    expect(web.message).toMatch(/not healthy now \(0\/2 ready\)/);
    expect(await templateRefs(ns)).toEqual({ 'Deployment/api': ['db-v2'], 'Deployment/web': ['db'] });
    expect(await rotationLease(ns, 'db')).toBeUndefined();
  });

  it('with --rotate-unhealthy rotates it; when that fails, the rollback restores it without waiting and ends (exit 3)', async () => {
    const ns = await setUp('rot-rotunh');
    const r = await rotateDb(ns, '--rotate-unhealthy', '--yes', '--timeout', '10s', '-o', 'json');
    expect(r.code, r.stderr).toBe(3);
    const doc = JSON.parse(r.stdout);
    expect(doc.metadata.result).toBe('rolled-back');
    expect(doc.metadata.failure.target).toBe('Deployment/web');
    expect(r.stderr).toMatch(
      /Deployment\/web: back on db \(not waited for: it was not healthy before the rotation \(0\/2 ready\)\)/,
    );
    expect(r.stderr).toMatch(/Deployment\/api: back on db \(/);
    expect(await templateRefs(ns)).toEqual({ 'Deployment/api': ['db'], 'Deployment/web': ['db'] });
    expect(JSON.parse((await readSecret(ns, 'db-v2')).metadata.annotations[JOURNAL]).state).toBe('rolled-back');
    expect(await rotationLease(ns, 'db')).toBeUndefined();
    // Nothing left for --resume: a new rotation may start (and is refused only for web's health).
    const resumed = await rotate(['db', '-n', ns, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/no interrupted rotation of db/);
  });

  it('with --rotate-unhealthy, when the new values are the fix, rotates it and it becomes healthy (exit 0)', async () => {
    const ns = await setUp('rot-fixunh', 'db');
    const refused = await rotateDb(ns, '--yes');
    expect(refused.code).toBe(1);
    const r = await rotateDb(ns, '--rotate-unhealthy', '--yes');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Deployment\/web: rolled out on db-v2 \(2\/2 replicas updated and available\)/);
    await rolloutsComplete(ns, '30s');
    await assertConsistent(ns, 'db-v2');
  });
});
