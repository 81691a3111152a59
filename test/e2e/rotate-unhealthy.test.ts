// rotate of a Secret whose consumer was already unhealthy before the
// rotation (its pods never ready), on the real local cluster: refused before
// any change (the health gate could not tell its own failure from this), or
// rotated around it with --skip-unhealthy.
import { afterAll, describe, expect, it } from 'vitest';
import { api, applyYaml, NEVER_READY_LABEL, waitFor } from '../harness/cluster.js';
import { runCli, type CliResult } from '../harness/runCli.js';
import {
  consumerYaml,
  createSecret,
  namespaces,
  rolloutsComplete,
  rotationLease,
  secretNames,
  templateRefs,
  useCluster,
} from './rotate-harness.js';

const rotate = (args: string[]): Promise<CliResult> =>
  runCli(['rotate', ...args], { kubeconfig: useCluster().kubeconfig });

const spaces = namespaces();
afterAll(() => spaces.cleanup());

/** api (healthy) and web (2 replicas, never ready: broken before any rotation) both mount db. */
async function setUp(prefix: string): Promise<string> {
  const ns = await spaces.fresh(prefix);
  await createSecret(ns, 'db', { password: 'old-password' });
  await applyYaml(consumerYaml('Deployment', 'api', 'db', ['volume']), ns);
  await rolloutsComplete(ns);
  const broken = consumerYaml('Deployment', 'web', 'db', ['volume', 'env'], 2).replace(
    'metadata: {labels: {app: web}}',
    `metadata: {labels: {app: web, "${NEVER_READY_LABEL}": "true"}}`,
  );
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
    const r = await rotate(['db', '-n', ns, '--from-literal', 'password=new', '--yes', '--timeout', '20s']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /^error: Deployment\/web is not healthy now \(0\/2 ready\): a rotation could not tell its own failure from this; fix it first, or pass --skip-unhealthy/m,
    );
    expect(r.stderr).not.toMatch(/Deployment\/api/);
    expect(await secretNames(ns)).toEqual(['db']);
    expect(await templateRefs(ns)).toEqual(before);
    expect(await rotationLease(ns, 'db')).toBeUndefined();

    // The dry run shows the same refusal, and in place too.
    const dry = await rotate(['db', '-n', ns, '--from-literal', 'password=new', '--dry-run']);
    expect(dry.code).toBe(1);
    expect(dry.stderr).toMatch(/error: Deployment\/web is not healthy now \(0\/2 ready\)/);
    const inPlace = await rotate(['db', '-n', ns, '--from-literal', 'password=new', '--in-place', '--yes']);
    expect(inPlace.code).toBe(1);
    expect(inPlace.stderr).toMatch(/error: Deployment\/web is not healthy now \(0\/2 ready\)/);
    expect(await secretNames(ns)).toEqual(['db']);
  });

  it('with --skip-unhealthy rotates the others and lists it NOT ROTATED, on the old version', async () => {
    const ns = await setUp('rot-skipunh');
    const dry = await rotate(['db', '-n', ns, '--from-literal', 'password=new', '--skip-unhealthy', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/web\s.*skip\s+skipped\s+not healthy now \(0\/2 ready\)/);

    const r = await rotate([
      'db',
      '-n',
      ns,
      '--from-literal',
      'password=new',
      '--skip-unhealthy',
      '--yes',
      '--timeout',
      '60s',
      '-o',
      'json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.metadata.result).toBe('rotated');
    const web = doc.items.find((i: any) => i.name === 'web');
    expect(web).toMatchObject({ kind: 'Deployment', state: 'skipped' });
    expect(web.message).toMatch(/not healthy now \(0\/2 ready\)/);
    expect(await templateRefs(ns)).toEqual({ 'Deployment/api': ['db-v2'], 'Deployment/web': ['db'] });
    expect(await rotationLease(ns, 'db')).toBeUndefined();
  });
});
