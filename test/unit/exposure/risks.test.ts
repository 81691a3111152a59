import type { V1PodSpec } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { analyzeExposure } from '../../../src/exposure/analyze.js';
import { RISK_CATALOG } from '../../../src/exposure/risks.js';
import type { SecretFacts } from '../../../src/exposure/types.js';
import { NS, container, envRef, facts, inputs, pod, serviceAccount, workload } from './builders.js';

const quiet = { automountServiceAccountToken: false };
const mount = (extra: Record<string, unknown> = {}) => ({
  volumeMounts: [{ name: 'v', mountPath: '/etc/s', readOnly: true, ...extra }],
});
const secretVolume = (extra: Record<string, unknown> = {}) => [
  { name: 'v', secret: { secretName: 's', defaultMode: 0o400, ...extra } },
];
const spec = (s: Partial<V1PodSpec>): V1PodSpec => ({ ...quiet, containers: [container('app')], ...s });

type Row = [string, V1PodSpec, SecretFacts[] | undefined, Array<[string, string]>];

const rows: Row[] = [
  [
    'a well-kept file mount has no risk',
    spec({ containers: [container('app', mount())], volumes: secretVolume() }),
    [facts('s')],
    [],
  ],
  [
    'env var',
    spec({ containers: [container('app', { env: [envRef('PW', 's', 'password')] })] }),
    [facts('s')],
    [['env-var', 'medium']],
  ],
  [
    'envFrom',
    spec({ containers: [container('app', { envFrom: [{ secretRef: { name: 's' }, prefix: 'S_' }] })] }),
    [facts('s')],
    [['env-var', 'medium']],
  ],
  [
    'defaultMode unset: 0644',
    spec({ containers: [container('app', mount())], volumes: [{ name: 'v', secret: { secretName: 's' } }] }),
    [facts('s')],
    [['file-mode', 'low']],
  ],
  [
    'item mode 0444 on one file',
    spec({
      containers: [container('app', mount())],
      volumes: secretVolume({ items: [{ key: 'password', path: 'pw', mode: 0o444 }] }),
    }),
    [facts('s')],
    [['file-mode', 'low']],
  ],
  [
    '0440 is fine',
    spec({ containers: [container('app', mount())], volumes: secretVolume({ defaultMode: 0o440 }) }),
    [facts('s')],
    [],
  ],
  [
    '0400 with fsGroup becomes 0440: fine',
    spec({ securityContext: { fsGroup: 2000 }, containers: [container('app', mount())], volumes: secretVolume() }),
    [facts('s')],
    [],
  ],
  [
    '0604 with fsGroup: 0644, flagged',
    spec({
      securityContext: { fsGroup: 2000 },
      containers: [container('app', mount())],
      volumes: secretVolume({ defaultMode: 0o604 }),
    }),
    [facts('s')],
    [['file-mode', 'low']],
  ],
  [
    'mount not readOnly',
    spec({ containers: [container('app', mount({ readOnly: false }))], volumes: secretVolume() }),
    [facts('s')],
    [['not-read-only', 'low']],
  ],
  [
    'subPath',
    spec({ containers: [container('app', mount({ subPath: 'password' }))], volumes: secretVolume() }),
    [facts('s')],
    [['subpath', 'medium']],
  ],
  [
    'subPath to a key the Secret lacks',
    spec({ containers: [container('app', mount({ subPath: 'nope' }))], volumes: secretVolume() }),
    [facts('s')],
    [
      ['missing-key', 'high'],
      ['subpath', 'medium'],
    ],
  ],
  [
    'env key the Secret lacks',
    spec({ containers: [container('app', { env: [envRef('PW', 's', 'nope')] })] }),
    [facts('s')],
    [
      ['missing-key', 'high'],
      ['env-var', 'medium'],
    ],
  ],
  [
    'optional env key the Secret lacks',
    spec({ containers: [container('app', { env: [envRef('PW', 's', 'nope', true)] })] }),
    [facts('s')],
    [
      ['missing-key', 'low'],
      ['env-var', 'medium'],
    ],
  ],
  [
    'volume item key the Secret lacks',
    spec({ containers: [container('app', mount())], volumes: secretVolume({ items: [{ key: 'nope', path: 'x' }] }) }),
    [facts('s')],
    [['missing-key', 'high']],
  ],
  [
    'Secret missing: env',
    spec({ containers: [container('app', { env: [envRef('PW', 's', 'password')] })] }),
    [],
    [
      ['missing-secret', 'high'],
      ['env-var', 'medium'],
    ],
  ],
  [
    'Secret missing: optional volume',
    spec({ containers: [container('app', mount())], volumes: secretVolume({ optional: true }) }),
    [],
    [['missing-secret', 'low']],
  ],
  ['Secret missing: image pull secret', spec({ imagePullSecrets: [{ name: 's' }] }), [], [['missing-secret', 'low']]],
  [
    'Secret missing: CSI credentials',
    spec({ volumes: [{ name: 'v', csi: { driver: 'd', nodePublishSecretRef: { name: 's' } } }] }),
    [],
    [['missing-secret', 'high']],
  ],
  [
    'Secret not readable: no key or existence checks',
    spec({ containers: [container('app', { env: [envRef('PW', 's', 'nope')] })] }),
    undefined,
    [['env-var', 'medium']],
  ],
  [
    'privileged container',
    spec({
      containers: [container('app', { ...mount(), securityContext: { privileged: true } })],
      volumes: secretVolume(),
    }),
    [facts('s')],
    [['privileged', 'high']],
  ],
  [
    'hostPID',
    spec({ hostPID: true, containers: [container('app', mount())], volumes: secretVolume() }),
    [facts('s')],
    [['host-pid', 'high']],
  ],
  [
    'hostNetwork',
    spec({ hostNetwork: true, containers: [container('app', mount())], volumes: secretVolume() }),
    [facts('s')],
    [['host-network', 'medium']],
  ],
  [
    'hostPath volume',
    spec({
      containers: [container('app', mount())],
      volumes: [...secretVolume(), { name: 'root', hostPath: { path: '/' } }],
    }),
    [facts('s')],
    [['host-path', 'medium']],
  ],
  [
    'token automount beside it',
    { containers: [container('app', mount())], volumes: secretVolume() },
    [facts('s')],
    [['token-automount', 'low']],
  ],
  [
    'pod-level risks do not apply to image pull secrets',
    spec({ hostPID: true, imagePullSecrets: [{ name: 's' }] }),
    [facts('s')],
    [],
  ],
  ['an unmounted volume reaches no container', spec({ hostPID: true, volumes: secretVolume() }), [facts('s')], []],
];

describe('risk flags', () => {
  it.each(rows)('%s', (_name, podSpec, secrets, expected) => {
    const parts = inputs({
      pods: [pod('p', podSpec)],
      serviceAccounts: [serviceAccount('default')],
      ...(secrets ? { secrets } : {}),
    });
    const [consumer] = analyzeExposure(parts, { namespace: NS, name: 's' }).consumers.get(`${NS}/s`)!;
    const risks = consumer!.uses[0]!.risks;
    expect(risks.map((r) => [r.id, r.severity])).toEqual(expected);
    for (const r of risks) expect(r.reason.length).toBeGreaterThan(20);
  });

  it('explains the 0644 default and fsGroup in the file-mode reason', () => {
    const podSpec = spec({
      securityContext: { fsGroup: 2000 },
      containers: [container('app', mount())],
      volumes: [{ name: 'v', secret: { secretName: 's' } }],
    });
    const [c] = analyzeExposure(inputs({ pods: [pod('p', podSpec)], secrets: [facts('s')] }), {
      namespace: NS,
      name: 's',
    }).consumers.get(`${NS}/s`)!;
    expect(c!.uses[0]!.risks[0]!.reason).toMatch(/0644 \(defaultMode unset defaults to 0644\).*fsGroup 2000/);
  });

  it('marks old revisions and shared pull secrets (see rollup tests) and documents every flag', () => {
    expect(Object.keys(RISK_CATALOG).sort()).toEqual(
      [
        'cross-namespace',
        'env-var',
        'file-mode',
        'host-network',
        'host-path',
        'host-pid',
        'missing-key',
        'missing-secret',
        'not-read-only',
        'old-revision',
        'privileged',
        'shared-pull-secret',
        'subpath',
        'token-automount',
        'value-in-metadata',
      ].sort(),
    );
  });

  it('checks TLS keys of Ingress certificates', () => {
    const parts = inputs({
      secrets: [facts('s', ['tls.crt'])],
      objects: [{ kind: 'Ingress', metadata: { name: 'web', namespace: NS }, spec: { tls: [{ secretName: 's' }] } }],
    });
    const [c] = analyzeExposure(parts, { namespace: NS, name: 's' }).consumers.get(`${NS}/s`)!;
    expect(c!.uses[0]!.risks.map((r) => [r.id, r.severity])).toEqual([['missing-key', 'medium']]);
  });

  it('rates the worst risk of a consumer', () => {
    const podSpec = spec({
      containers: [container('app', { env: [envRef('PW', 's', 'password')], ...mount() })],
      volumes: secretVolume({ defaultMode: 0o644 }),
    });
    const [c] = analyzeExposure(inputs({ workloads: [workload('Deployment', 'd', podSpec)], secrets: [facts('s')] }), {
      namespace: NS,
      name: 's',
    }).consumers.get(`${NS}/s`)!;
    expect(c!.worstRisk).toBe('medium');
  });
});
