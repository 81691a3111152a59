import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { repointPatch } from '../../../src/consumers/repoint.js';
import { secretNamesOfPodSpec, secretRefsOfPodSpec } from '../../../src/consumers/pod-refs.js';
import type { PodSpec } from '../../../src/consumers/types.js';

interface PathCase {
  case: string;
  spec: PodSpec;
  expect: Record<string, unknown>;
}

const cases = yaml.loadAll(
  readFileSync(resolve(import.meta.dirname, '../../fixtures/exposure/pod-spec-paths.yaml'), 'utf8'),
) as PathCase[];

/** Follows a JSON Pointer (RFC 6901) into an object. */
function at(obj: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

describe('secretRefsOfPodSpec: every path of VisitPodSecretNames', () => {
  it('covers each volume plugin, container list and imagePullSecrets', () => {
    const kinds = new Set(cases.map((c) => c.expect.kind));
    expect([...kinds].sort()).toEqual([
      'csi',
      'env',
      'envFrom',
      'imagePullSecret',
      'projected',
      'volume',
      'volumePlugin',
    ]);
    const plugins = cases.filter((c) => c.expect.kind === 'volumePlugin').map((c) => c.expect.plugin);
    expect(plugins.sort()).toEqual([
      'azureFile',
      'cephfs',
      'cinder',
      'flexVolume',
      'iscsi',
      'rbd',
      'scaleIO',
      'storageos',
    ]);
  });

  it.each(cases.map((c) => [c.case, c] as const))('%s', (_name, c) => {
    const refs = secretRefsOfPodSpec(c.spec, 's');
    expect(refs).toHaveLength(1);
    expect(refs[0]).toEqual({ secret: 's', ...c.expect });
    // The pointer names the field that holds the Secret's name.
    expect(at(c.spec, refs[0]!.pointer)).toBe('s');
  });

  it.each(cases.map((c) => [c.case, c] as const))('repoints %s with a guarded JSON patch', (_name, c) => {
    const ops = repointPatch(c.spec, '/spec/template/spec', 's', 's-v2');
    expect(ops).toEqual([
      { op: 'test', path: `/spec/template/spec${secretRefsOfPodSpec(c.spec, 's')[0]!.pointer}`, value: 's' },
      { op: 'replace', path: `/spec/template/spec${secretRefsOfPodSpec(c.spec, 's')[0]!.pointer}`, value: 's-v2' },
    ]);
  });

  it('filters by Secret name and skips empty names', () => {
    const spec: PodSpec = {
      containers: [
        {
          name: 'app',
          envFrom: [{ secretRef: { name: 'a' } }, { secretRef: { name: '' } }],
          env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'b', key: 'k' } } }],
        },
      ],
      imagePullSecrets: [{ name: 'a' }, {}],
    };
    expect(secretRefsOfPodSpec(spec).map((r) => r.secret)).toEqual(['b', 'a', 'a']); // containers' env, then envFrom, then imagePullSecrets
    expect(secretRefsOfPodSpec(spec, 'a').map((r) => r.kind)).toEqual(['envFrom', 'imagePullSecret']);
    expect(secretNamesOfPodSpec(spec)).toEqual(new Set(['a', 'b']));
    expect(secretRefsOfPodSpec(undefined)).toEqual([]);
  });

  it('lists every mount of a volume, across container lists, with subPathExpr as subPath', () => {
    const spec: PodSpec = {
      initContainers: [{ name: 'init', volumeMounts: [{ name: 'v', mountPath: '/a', subPathExpr: '$(POD)/pw' }] }],
      containers: [
        { name: 'one', volumeMounts: [{ name: 'v', mountPath: '/b', readOnly: true }] },
        { name: 'two', volumeMounts: [{ name: 'other', mountPath: '/c' }] },
      ],
      volumes: [{ name: 'v', secret: { secretName: 's' } }],
    };
    expect(secretRefsOfPodSpec(spec)[0]!.mounts).toEqual([
      { container: 'init', containerType: 'initContainer', mountPath: '/a', subPath: '$(POD)/pw', readOnly: false },
      { container: 'one', containerType: 'container', mountPath: '/b', readOnly: true },
    ]);
  });

  it('reports a Secret once per reference, in spec order', () => {
    const spec: PodSpec = {
      containers: [
        {
          name: 'app',
          env: [
            { name: 'U', valueFrom: { secretKeyRef: { name: 's', key: 'user' } } },
            { name: 'P', valueFrom: { secretKeyRef: { name: 's', key: 'pass' } } },
          ],
        },
      ],
      volumes: [
        {
          name: 'v',
          projected: {
            sources: [{ secret: { name: 's' } }, { secret: { name: 's', items: [{ key: 'ca', path: 'ca' }] } }],
          },
        },
      ],
    };
    expect(secretRefsOfPodSpec(spec).map((r) => r.pointer)).toEqual([
      '/containers/0/env/0/valueFrom/secretKeyRef/name',
      '/containers/0/env/1/valueFrom/secretKeyRef/name',
      '/volumes/0/projected/sources/0/secret/name',
      '/volumes/0/projected/sources/1/secret/name',
    ]);
  });
});
