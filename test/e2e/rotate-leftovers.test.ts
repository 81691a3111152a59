// After a rotation no old value is left anywhere on the current Secret or on
// a new version: not in kubectl's last-applied-configuration annotation (a
// Secret created with `kubectl apply` of stringData), other annotations,
// labels or managedFields.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyYaml, kubectl } from '../harness/cluster.js';
import { findLeaks, makeCanary } from '../harness/canary.js';
import { runCli } from '../harness/runCli.js';
import { consumerYaml, namespaces, readSecret, rolloutsComplete, useCluster } from './rotate-harness.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const spaces = namespaces();
afterAll(() => spaces.cleanup());

const dir = mkdtempSync(join(tmpdir(), 'rotate-leftovers-'));
const newValueFile = (): string => {
  const p = join(dir, `pw-${Math.random().toString(36).slice(2)}`);
  writeFileSync(p, makeCanary('new'));
  return p;
};

/** A Secret applied as users do (kubectl apply of stringData), with copies of its value in a label and annotations. */
async function appliedSecret(ns: string, old: string): Promise<void> {
  const manifest = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'db',
      namespace: ns,
      labels: { app: 'shop', 'legacy-password': old },
      annotations: {
        note: `rotated by hand from ${old}`,
        encoded: Buffer.from(old).toString('base64'),
        team: 'payments',
      },
    },
    type: 'Opaque',
    stringData: { password: old, user: 'app' },
  };
  await kubectl(['apply', '-f', '-'], { input: JSON.stringify(manifest) });
  const before = await readSecret(ns, 'db');
  // The scenario is real: kubectl put the value into the annotation.
  expect(before.metadata.annotations[LAST_APPLIED]).toContain(old);
}

/** Everything of a Secret but its data, where no value belongs. */
const metadataText = (s: any): string => JSON.stringify({ ...s, data: undefined });

/** A Secret applied with copies of its value, a Deployment using it `how`, and a rotation of it. */
async function rotateApplied(prefix: string, how: string, flags: string[]) {
  const ns = await spaces.fresh(prefix);
  const old = makeCanary('old');
  await appliedSecret(ns, old);
  await applyYaml(consumerYaml('Deployment', 'api', 'db', [how]), ns);
  await rolloutsComplete(ns);
  const r = await runCli(
    ['rotate', 'db', '-n', ns, ...flags, '--from-file', `password=${newValueFile()}`, '--yes', '--timeout', '60s'],
    {
      kubeconfig: useCluster().kubeconfig,
    },
  );
  expect(r.code, r.stderr).toBe(0);
  expect(findLeaks([old], [{ name: 'output', text: r.stdout + r.stderr }])).toEqual([]);
  return { ns, old, r };
}

describe('rotate leaves no old value behind', () => {
  it('in place: last-applied-configuration, annotations, labels and managedFields hold no old value', async () => {
    const { ns, old, r } = await rotateApplied('rot-left-ip', 'env', ['--in-place']);
    const after = await readSecret(ns, 'db');
    expect(findLeaks([old], [{ name: 'db', text: JSON.stringify(after) }])).toEqual([]);
    expect(after.metadata.annotations?.[LAST_APPLIED]).toBeUndefined();
    // What held no copy stays.
    expect(after.metadata.annotations.team).toBe('payments');
    expect(after.metadata.labels.app).toBe('shop');
    expect(r.stderr).toMatch(/annotation kubectl\.kubernetes\.io\/last-applied-configuration/);
    expect(r.stderr).toMatch(/label legacy-password/);
    // The old value is kept only where rollback needs it: the backup's data, never its metadata.
    const backup = await readSecret(ns, 'db-previous');
    expect(findLeaks([old], [{ name: 'db-previous', text: metadataText(backup) }])).toEqual([]);
  });

  it('blue/green: the new version carries no copy of the old value', async () => {
    const { ns, old, r } = await rotateApplied('rot-left-bg', 'volume', []);
    const v2 = await readSecret(ns, 'db-v2');
    expect(findLeaks([old], [{ name: 'db-v2', text: JSON.stringify(v2) }])).toEqual([]);
    expect(v2.metadata.labels.app).toBe('shop');
    expect(r.stderr).toMatch(/label legacy-password/);
  });
});
