// Generates API objects of realistic shape (as a list from the API server
// returns them: managedFields, status, the injected kube-api-access volume) for
// the exposure benchmarks. Deterministic: the same sizes give the same objects.

export interface Generated {
  namespaces: string[];
  pods: any[];
  /** Top-level workloads plus the ReplicaSets and Jobs under them. */
  workloads: any[];
  serviceAccounts: any[];
  secrets: any[];
}

export interface Sizes {
  pods: number;
  /** Top-level workloads (Deployments, StatefulSets, DaemonSets, CronJobs). */
  workloads: number;
  namespaces: number;
  secretsPerNamespace: number;
}

let seed = 42;
const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
const hex = (n: number): string =>
  Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rand() * 16)]).join('');
const uid = (): string => `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
const TIME = '2026-01-15T10:00:00Z';

function managedFields(manager: string): any[] {
  return [
    {
      manager,
      operation: 'Update',
      apiVersion: 'v1',
      time: TIME,
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': {
          'f:labels': { '.': {}, 'f:app': {}, 'f:pod-template-hash': {} },
          'f:ownerReferences': { '.': {}, [`k:{"uid":"${uid()}"}`]: {} },
        },
        'f:spec': {
          'f:containers': {
            'k:{"name":"app"}': {
              '.': {},
              'f:env': {},
              'f:image': {},
              'f:name': {},
              'f:resources': {},
              'f:volumeMounts': {},
            },
          },
          'f:volumes': {},
        },
      },
    },
    {
      manager: 'kubelet',
      operation: 'Update',
      apiVersion: 'v1',
      time: TIME,
      fieldsType: 'FieldsV1',
      subresource: 'status',
      fieldsV1: {
        'f:status': {
          'f:conditions': {},
          'f:containerStatuses': {},
          'f:hostIP': {},
          'f:phase': {},
          'f:podIP': {},
          'f:startTime': {},
        },
      },
    },
  ];
}

function podSpec(app: string, secrets: string[], sa: string): any {
  const [s1, s2, s3] = [secrets[0]!, secrets[1 % secrets.length]!, secrets[2 % secrets.length]!];
  return {
    serviceAccountName: sa,
    securityContext: { runAsNonRoot: true, fsGroup: 2000 },
    containers: [
      {
        name: 'app',
        image: `registry.example/${app}:1.2.3`,
        ports: [{ containerPort: 8080, protocol: 'TCP' }],
        env: [
          { name: 'LOG_LEVEL', value: 'info' },
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: s1, key: 'password' } } },
          { name: 'DB_USER', valueFrom: { secretKeyRef: { name: s1, key: 'username' } } },
          { name: 'CONFIG', valueFrom: { configMapKeyRef: { name: `${app}-config`, key: 'config' } } },
          { name: 'SHARED_TOKEN', valueFrom: { secretKeyRef: { name: 'shared-creds', key: 'token' } } },
        ],
        envFrom: [{ configMapRef: { name: `${app}-env` } }, { secretRef: { name: s2 } }],
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
        volumeMounts: [
          { name: 'creds', mountPath: '/etc/creds', readOnly: true },
          { name: 'config', mountPath: '/etc/config' },
          { name: 'kube-api-access-x7k2p', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
        ],
        livenessProbe: {
          httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' },
          periodSeconds: 10,
          timeoutSeconds: 1,
          successThreshold: 1,
          failureThreshold: 3,
        },
        readinessProbe: {
          httpGet: { path: '/ready', port: 8080, scheme: 'HTTP' },
          periodSeconds: 5,
          timeoutSeconds: 1,
          successThreshold: 1,
          failureThreshold: 3,
        },
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        imagePullPolicy: 'IfNotPresent',
      },
      {
        name: 'sidecar',
        image: 'registry.example/proxy:2.0',
        resources: { requests: { cpu: '10m', memory: '32Mi' } },
        volumeMounts: [
          { name: 'kube-api-access-x7k2p', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
        ],
      },
    ],
    volumes: [
      { name: 'creds', secret: { secretName: s3, defaultMode: 420 } },
      { name: 'config', configMap: { name: `${app}-config`, defaultMode: 420 } },
      {
        name: 'kube-api-access-x7k2p',
        projected: {
          defaultMode: 420,
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            {
              downwardAPI: {
                items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
              },
            },
          ],
        },
      },
    ],
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    schedulerName: 'default-scheduler',
    tolerations: [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ],
    enableServiceLinks: true,
    preemptionPolicy: 'PreemptLowerPriority',
    priority: 0,
  };
}

function podStatus(node: string): any {
  const cond = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: TIME });
  return {
    phase: 'Running',
    conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(cond),
    hostIP: '10.200.0.1',
    podIP: `10.${Math.floor(rand() * 255)}.${Math.floor(rand() * 255)}.${Math.floor(rand() * 255)}`,
    startTime: TIME,
    qosClass: 'Burstable',
    containerStatuses: ['app', 'sidecar'].map((name) => ({
      name,
      state: { running: { startedAt: TIME } },
      ready: true,
      restartCount: 0,
      image: `registry.example/${name}:1`,
      imageID: `registry.example/${name}@sha256:${hex(64)}`,
      containerID: `containerd://${hex(64)}`,
      started: true,
    })),
    nodeName: node,
  };
}

/** Namespaces, Secrets, ServiceAccounts, workloads with their ReplicaSets/Jobs, and pods under them. */
export function generate(sizes: Sizes): Generated {
  seed = 42;
  const out: Generated = { namespaces: [], pods: [], workloads: [], serviceAccounts: [], secrets: [] };
  for (let n = 0; n < sizes.namespaces; n++) out.namespaces.push(`team-${n}`);
  const secretNames = (ns: string) => Array.from({ length: sizes.secretsPerNamespace }, (_, i) => `${ns}-secret-${i}`);
  for (const ns of out.namespaces) {
    // shared-creds: used by every pod of the namespace (the busiest Secret).
    for (const name of [...secretNames(ns), 'shared-creds']) {
      out.secrets.push({
        metadata: {
          name,
          namespace: ns,
          uid: uid(),
          resourceVersion: '1',
          creationTimestamp: TIME,
          labels: { app: name },
        },
        type: 'Opaque',
        data: {
          password: Buffer.from(hex(24)).toString('base64'),
          username: Buffer.from('app').toString('base64'),
          token: Buffer.from(hex(32)).toString('base64'),
        },
      });
    }
    out.serviceAccounts.push(
      { metadata: { name: 'default', namespace: ns } },
      { metadata: { name: 'app', namespace: ns }, imagePullSecrets: [{ name: `${ns}-secret-0` }] },
    );
  }
  const kinds = ['Deployment', 'Deployment', 'Deployment', 'StatefulSet', 'DaemonSet', 'CronJob'];
  const podsPer = Math.max(1, Math.floor(sizes.pods / sizes.workloads));
  for (let w = 0; w < sizes.workloads; w++) {
    const ns = out.namespaces[w % out.namespaces.length]!;
    const kind = kinds[w % kinds.length]!;
    const name = `app-${w}`;
    const secrets = [pick(secretNames(ns)), pick(secretNames(ns)), pick(secretNames(ns))];
    const spec = podSpec(name, secrets, w % 3 === 0 ? 'app' : 'default');
    const meta = (n: string, owner?: { kind: string; name: string; uid: string }) => ({
      name: n,
      namespace: ns,
      uid: uid(),
      resourceVersion: String(1000 + w),
      creationTimestamp: TIME,
      labels: { app: name, 'app.kubernetes.io/part-of': 'shop' },
      annotations: { 'deployment.kubernetes.io/revision': '2' },
      ...(owner
        ? {
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: owner.kind,
                name: owner.name,
                uid: owner.uid,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          }
        : {}),
      managedFields: managedFields('kube-controller-manager'),
    });
    const template = { metadata: { labels: { app: name } }, spec };
    const top = {
      kind,
      apiVersion: kind === 'CronJob' ? 'batch/v1' : 'apps/v1',
      metadata: meta(name),
      spec:
        kind === 'CronJob'
          ? { schedule: '@hourly', jobTemplate: { spec: { template } } }
          : { replicas: podsPer, selector: { matchLabels: { app: name } }, template },
      status: { replicas: podsPer, readyReplicas: podsPer, availableReplicas: podsPer, observedGeneration: 2 },
    };
    out.workloads.push(top);
    let podOwner = { kind, name, uid: top.metadata.uid };
    if (kind === 'Deployment' || kind === 'CronJob') {
      const childKind = kind === 'Deployment' ? 'ReplicaSet' : 'Job';
      const child = {
        kind: childKind,
        metadata: meta(`${name}-${hex(10)}`, podOwner),
        spec: { replicas: podsPer, template },
        status: { replicas: podsPer },
      };
      out.workloads.push(child);
      if (kind === 'Deployment') {
        // An old revision scaled to zero, as Deployments keep them.
        out.workloads.push({
          kind: childKind,
          metadata: meta(`${name}-${hex(10)}`, podOwner),
          spec: { replicas: 0, template },
          status: { replicas: 0 },
        });
      }
      podOwner = { kind: childKind, name: child.metadata.name, uid: child.metadata.uid };
    }
    for (let p = 0; p < podsPer && out.pods.length < sizes.pods; p++) {
      out.pods.push({
        kind: 'Pod',
        apiVersion: 'v1',
        metadata: { ...meta(`${podOwner.name}-${hex(5)}`, podOwner), generateName: `${podOwner.name}-` },
        spec: { ...spec, nodeName: `node-${p % 20}` },
        status: podStatus(`node-${p % 20}`),
      });
    }
  }
  return out;
}
