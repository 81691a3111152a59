import { describe, expect, it } from 'vitest';
import { exposureReport, findingsAtOrAbove, secretInventory } from '../../../src/exposure/report.js';
import { runExposure, type LoadedExposure } from '../../../src/exposure/run.js';
import { NS, container, envRef, facts, inputs, workload } from './builders.js';

const complete = { warnings: [], notes: [], complete: true };
const usesDb = { containers: [container('app', { env: [envRef('PW', 'db', 'password')] })] };
const usesGone = { containers: [container('app', { envFrom: [{ secretRef: { name: 'gone' } }] })] };

describe('SecretInventory', () => {
  const parts = inputs({
    workloads: [workload('Deployment', 'api', usesDb), workload('Deployment', 'worker', usesGone)],
    secrets: [
      facts('db', ['password', 'username']),
      facts('leftover', ['x']),
      facts('sh.helm.release.v1.web.v1', ['release'], { type: 'helm.sh/release.v1' }),
      facts('other-ns', ['x'], {}, 'elsewhere'),
    ],
  });

  it('has one row per Secret, plus dangling references, with status, keys, consumers, worst risk and manager', () => {
    const inv = secretInventory(parts, NS, complete);
    expect(
      inv.items.map((r) => [r.name, r.status, r.exists, r.keys, r.consumers, r.worstRisk, r.manager ?? null]),
    ).toEqual([
      ['db', 'in-use', true, 2, 1, 'medium', 'none'],
      ['gone', 'missing', false, null, 1, 'high', null],
      ['leftover', 'unused', true, 1, 0, 'none', 'none'],
      ['sh.helm.release.v1.web.v1', 'system', true, 1, 0, 'none', 'helm-release-record'],
    ]);
    expect(inv.items[0]).toMatchObject({
      keyNames: ['password', 'username'],
      consumerNames: ['Deployment/api'],
      risks: ['env-var', 'token-automount'],
    });
    expect(inv.metadata.counts).toEqual({ secrets: 4, inUse: 1, unused: 1, missing: 1, system: 1 });
    expect(inv.metadata).toMatchObject({ namespace: NS, keysKnown: true, worstRisk: 'high' });
  });

  it('covers all namespaces with no namespace given', () => {
    expect(secretInventory(parts, undefined, complete).items.map((r) => `${r.namespace}/${r.name}`)).toContain(
      'elsewhere/other-ns',
    );
  });

  it('without Secrets, lists referenced names only, existence unknown', () => {
    const { secrets: _none, ...noSecrets } = parts;
    const inv = secretInventory(noSecrets, NS, {
      warnings: [],
      notes: ['cannot list secrets (forbidden)'],
      complete: true,
    });
    expect(inv.items.map((r) => [r.name, r.exists, r.status, r.keys])).toEqual([
      ['db', null, 'in-use', null],
      ['gone', null, 'in-use', null],
    ]);
    expect(inv.metadata).toMatchObject({
      keysKnown: false,
      complete: true,
      warnings: ['cannot list secrets (forbidden)'],
    });
  });
});

describe('ExposureReport', () => {
  it('describes the Secret (keys and sizes, never values) and counts findings', () => {
    const report = exposureReport(
      inputs({ workloads: [workload('Deployment', 'api', usesDb)], secrets: [facts('db')] }),
      { namespace: NS, name: 'db' },
      complete,
    );
    expect(report.metadata.secrets).toEqual([
      {
        namespace: NS,
        name: 'db',
        exists: true,
        type: 'Opaque',
        keys: [{ name: 'password', size: 8 }],
        keysKnown: true,
        manager: expect.objectContaining({ manager: 'none' }),
      },
    ]);
    expect(report.metadata.findings).toEqual({ high: 0, medium: 1, low: 1 });
    expect(findingsAtOrAbove(report.metadata.findings, 'high')).toBe(0);
    expect(findingsAtOrAbove(report.metadata.findings, 'medium')).toBe(1);
    expect(findingsAtOrAbove(report.metadata.findings, 'low')).toBe(2);
  });

  it('with a name in every namespace, reports each namespace that has it or uses it', () => {
    const parts = inputs({
      workloads: [workload('Deployment', 'api', usesDb, { ns: 'b' })],
      secrets: [facts('db', ['password'], {}, 'a')],
    });
    const report = exposureReport(parts, { name: 'db' }, complete);
    expect(report.metadata.secrets.map((s) => [s.namespace, s.exists])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    expect(report.items.map((c) => `${c.namespace}/${c.kind}/${c.name}`)).toEqual(['b/Deployment/api']);
  });

  it('says keys are unknown when the Secret could not be read, and stays complete', async () => {
    const loaded: LoadedExposure = {
      inputs: inputs({ workloads: [workload('Deployment', 'api', usesDb)] }),
      gaps: [],
      secretsNote: 'cannot get secrets in namespace prod (forbidden): key checks skipped',
    };
    const result = await runExposure(async () => loaded, {
      namespace: NS,
      name: 'db',
      metadataOnly: false,
      showHashes: false,
    });
    expect(result.kind).toBe('ExposureReport');
    expect(result.report.metadata).toMatchObject({ complete: true, keysKnown: false, warnings: [loaded.secretsNote] });
    expect(result.report.items).toHaveLength(1);
  });

  it('is partial when a list was refused', async () => {
    const loaded: LoadedExposure = {
      inputs: inputs({}),
      gaps: ['cannot list daemonsets.apps in namespace prod (forbidden)'],
    };
    const result = await runExposure(async () => loaded, {
      namespace: NS,
      name: undefined,
      metadataOnly: false,
      showHashes: false,
    });
    expect(result.kind).toBe('SecretInventory');
    expect(result.report.metadata).toMatchObject({ complete: false, warnings: loaded.gaps });
  });
});
