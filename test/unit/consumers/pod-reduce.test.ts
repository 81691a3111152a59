// reducePod keeps what the consumer scan reads: exposure (the -A inventory and
// each Secret's report), rotate (its users and its plan in both modes) and
// who-can (consumers and their nodes) answer the same on reduced pods as on
// whole ones. Pods: generated ones of realistic shape (the bench's), the
// specs of every Secret path Kubernetes knows (fixtures), and pods made from
// the templates of real install manifests (/work/shared/realdata), each in
// states a cluster shows (bare, foreign owner, old revision, not ready, done,
// unscheduled, privileged, host namespaces).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { generate } from '../../../bench/exposure/generate.js';
import { reducePod } from '../../../src/consumers/pod-reduce.js';
import { podSpecOf, type PodLike, type WorkloadLike } from '../../../src/consumers/rollup.js';
import type { PodSpec } from '../../../src/consumers/types.js';
import type { ExposureInputs } from '../../../src/exposure/collect.js';
import { exposureReport, secretInventory } from '../../../src/exposure/report.js';
import { toFacts } from '../../../src/kube/exposure-sources.js';
import { planRotation } from '../../../src/rotate/plan.js';
import { secretUsers } from '../../../src/rotate/usage.js';
import { findConsumers } from '../../../src/whocan/consumers.js';
import { mulberry32 } from '../../harness/prng.mjs';
import { loadRealdataInputs, REALDATA_MANIFESTS } from '../../harness/realdata-inputs.js';

const TIME = '2026-01-15T10:00:00Z';

/** Everything the three commands derive from pods, for every Secret in sight. */
function scans(inputs: ExposureInputs) {
  const gaps = { warnings: [], notes: [], complete: true };
  const inventory = secretInventory(inputs, undefined, gaps);
  const names = [...new Set(inventory.items.map((r) => r.name))].sort();
  const namespaces = [...new Set(inventory.items.map((r) => r.namespace))].sort();
  const inNs = <T extends { metadata: { namespace?: string } }>(list: readonly T[], ns: string) =>
    list.filter((o) => (o.metadata.namespace ?? '') === ns);
  const objects = [...inputs.serviceAccounts, ...inputs.objects] as never[];
  return {
    inventory,
    reports: names.map((name) => exposureReport(inputs, { name }, gaps)),
    users: namespaces.map((ns) => [
      ns,
      [...secretUsers({ pods: inNs(inputs.pods, ns), workloads: inNs(inputs.workloads, ns), objects }, ns)],
    ]),
    perSecret: inventory.items.map(({ namespace: ns, name }) => {
      const pods = inNs(inputs.pods, ns);
      const workloads = inNs(inputs.workloads, ns);
      const c = findConsumers(name, pods, workloads);
      const plan = (mode: 'in-place' | 'blue-green') =>
        planRotation({
          namespace: ns,
          logical: name,
          mode,
          from: name,
          to: `${name}-v2`,
          workloads,
          pods,
          objects,
          newKeys: new Set(['password']),
          force: false,
          restartAll: false,
        });
      return {
        secret: `${ns}/${name}`,
        whoCan: {
          pods: c.pods.map((p) => p.metadata.name),
          workloads: c.workloads.map((w) => `${w.kind}/${w.metadata.name}`),
          nodes: [...c.nodes],
        },
        inPlace: plan('in-place'),
        blueGreen: plan('blue-green'),
      };
    }),
  };
}

const reduced = (inputs: ExposureInputs): ExposureInputs => ({ ...inputs, pods: inputs.pods.map(reducePod) });

/** A pod as the API server lists it: the spec after admission (token volume, node), status, managedFields. */
function podOf(spec: PodSpec, ns: string, name: string, owner: WorkloadLike | undefined, rand: () => number): PodLike {
  const s = structuredClone(spec) as PodSpec & Record<string, unknown>;
  const token = `kube-api-access-${name.length % 10}x`;
  s.volumes = [
    ...(s.volumes ?? []),
    {
      name: token,
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        ],
      },
    },
  ];
  for (const c of [...(s.initContainers ?? []), ...(s.containers ?? [])])
    c.volumeMounts = [
      ...(c.volumeMounts ?? []),
      { name: token, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
    ];
  const roll = rand();
  if (roll < 0.05) {
    s.hostPID = true;
    s.hostNetwork = true;
    s.volumes.push({ name: 'host', hostPath: { path: '/var/lib/kubelet', type: 'Directory' } });
    s.containers[0]!.securityContext = { privileged: true, runAsUser: 0 };
  } else if (roll < 0.1) {
    s.automountServiceAccountToken = false;
  } else if (roll < 0.15) {
    s.ephemeralContainers = [
      { name: 'debug', image: 'busybox', envFrom: [{ configMapRef: { name: 'c' } }, { secretRef: { name: 'dbg' } }] },
    ];
  }
  const phase = rand();
  const scheduled = phase >= 0.05;
  if (scheduled) s.nodeName = `node-${Math.floor(rand() * 7)}`;
  const ownerRoll = rand();
  const ownerReferences =
    owner && ownerRoll >= 0.1
      ? [
          ownerRoll < 0.15
            ? { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'r', uid: 'r-uid', controller: true }
            : {
                apiVersion: 'apps/v1',
                kind: owner.kind,
                name: owner.metadata.name!,
                uid: owner.metadata.uid ?? `${owner.kind}-${owner.metadata.name}`,
                controller: true,
                blockOwnerDeletion: true,
              },
        ]
      : undefined;
  const cond = (type: string, status: string) => ({ type, status, lastProbeTime: null, lastTransitionTime: TIME });
  const ready = rand() < 0.8 ? 'True' : 'False';
  return {
    kind: 'Pod',
    metadata: {
      name,
      namespace: ns,
      uid: `uid-${name}`,
      labels: { app: name },
      annotations: { 'kubectl.kubernetes.io/restartedAt': TIME },
      ...(ownerReferences ? { ownerReferences } : {}),
      managedFields: [{ manager: 'kubelet', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: {} }],
    },
    spec: s,
    status: !scheduled
      ? { phase: 'Pending', conditions: [cond('PodScheduled', 'False')] }
      : {
          phase: phase < 0.1 ? 'Succeeded' : phase < 0.15 ? 'Failed' : 'Running',
          conditions: [cond('Initialized', 'True'), cond('Ready', ready), cond('ContainersReady', ready)],
          hostIP: '10.0.0.1',
          containerStatuses: (s.containers ?? []).map((c) => ({
            name: c.name,
            ready: ready === 'True',
            restartCount: 0,
            image: c.image ?? '',
            imageID: '',
            state: { running: { startedAt: TIME } },
          })),
        },
  } as unknown as PodLike; // as listed: JSON (lastProbeTime null), not the client types
}

/** Pods made from every workload's template (some from a neighbour's: an old revision), and a few bare ones. */
function podsFromTemplates(workloads: readonly WorkloadLike[], seed: number): PodLike[] {
  const rand = mulberry32(seed);
  const pods: PodLike[] = [];
  workloads.forEach((w, i) => {
    const spec = podSpecOf(w);
    if (!spec) return;
    const ns = w.metadata.namespace ?? 'default';
    const neighbour = workloads.find((o, j) => j > i && o.metadata.namespace === ns && podSpecOf(o));
    for (let p = 0; p < 3; p++) {
      const old = p === 2 && neighbour && rand() < 0.5;
      pods.push(podOf(old ? podSpecOf(neighbour)! : spec, ns, `${w.metadata.name}-${i}-${p}`, w, rand));
    }
  });
  return pods;
}

const sizeOf = (pods: readonly unknown[]) => JSON.stringify(pods).length;

describe('reducePod', () => {
  it('keeps what the scans read of generated pods (the bench shape), at a fraction of the size', () => {
    const g = generate({ pods: 900, workloads: 36, namespaces: 3, secretsPerNamespace: 6 });
    const rand = mulberry32(7);
    const workloads = g.workloads as WorkloadLike[];
    const pods = (g.pods as PodLike[]).map((p, i) => {
      const r = rand();
      if (r < 0.8) return p;
      // every state a pod can be in, on the bench's own specs
      const owner = workloads.find(
        (w) =>
          w.metadata.name === p.metadata.ownerReferences?.[0]?.name && w.metadata.namespace === p.metadata.namespace,
      );
      return podOf(p.spec!, p.metadata.namespace!, `${p.metadata.name}-v${i}`, owner, rand);
    });
    const inputs: ExposureInputs = {
      pods,
      workloads,
      serviceAccounts: g.serviceAccounts,
      objects: [],
      secrets: g.secrets.map((x) => toFacts(x, false)),
      podsKnown: true,
      serviceAccountsKnown: true,
    };
    const whole = scans(inputs);
    expect(whole.inventory.items.filter((r) => r.consumers > 0).length).toBeGreaterThan(15);
    expect(scans(reduced(inputs))).toEqual(whole);
    expect(sizeOf(inputs.pods.map(reducePod))).toBeLessThan(sizeOf(inputs.pods) / 4);
  });

  it('keeps every Secret path Kubernetes knows (the pod-spec path fixtures), in every pod state', () => {
    const cases = yaml.loadAll(
      readFileSync(resolve(import.meta.dirname, '../../fixtures/exposure/pod-spec-paths.yaml'), 'utf8'),
    ) as Array<{ case: string; spec: PodSpec }>;
    const rand = mulberry32(11);
    const pods = cases.flatMap((c, i) =>
      Array.from({ length: 8 }, (_, k) => podOf(c.spec, 'paths', `case-${i}-${k}`, undefined, rand)),
    );
    const inputs: ExposureInputs = {
      pods,
      workloads: [],
      serviceAccounts: [],
      objects: [],
      secrets: [],
      podsKnown: true,
      serviceAccountsKnown: false,
    };
    const whole = scans(inputs);
    expect(whole.reports.flatMap((r) => r.items).length).toBeGreaterThanOrEqual(cases.length);
    expect(scans(reduced(inputs))).toEqual(whole);
  });

  it('drops what no scan reads: plain env values, probes, images, statuses of containers, managedFields', () => {
    const pod = podOf(
      {
        containers: [
          {
            name: 'app',
            image: 'app:1',
            env: [
              { name: 'PLAIN', value: 'not-kept' },
              { name: 'PW', valueFrom: { secretKeyRef: { name: 's', key: 'pw' } } },
            ],
            livenessProbe: { exec: { command: ['true'] } },
          },
        ],
      },
      'ns',
      'p',
      undefined,
      () => 0.5,
    );
    const r = reducePod(pod);
    expect(JSON.stringify(r)).not.toContain('not-kept');
    expect(r.spec!.containers[0]).toEqual({
      name: 'app',
      env: [{ name: 'PLAIN' }, { name: 'PW', valueFrom: { secretKeyRef: { name: 's', key: 'pw' } } }],
    });
    expect(r.metadata).toEqual({ name: 'p', namespace: 'ns', uid: 'uid-p' });
    expect(r.status).toEqual({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] });
    expect(r.spec!.volumes).toBeUndefined(); // only the token volume: no Secret there, no hostPath
  });

  describe.runIf(existsSync(REALDATA_MANIFESTS))('on the real install manifests (/work/shared/realdata)', () => {
    it('keeps what the scans read of pods made from their templates', () => {
      const real = loadRealdataInputs();
      const inputs: ExposureInputs = {
        ...real,
        pods: [...real.pods, ...podsFromTemplates(real.workloads, 3)],
      };
      expect(inputs.pods.length).toBeGreaterThan(100);
      const whole = scans(inputs);
      expect(whole.inventory.items.filter((r) => r.consumers > 0).length).toBeGreaterThan(15);
      expect(scans(reduced(inputs))).toEqual(whole);
    });
  });
});
