// exposure against the real local control plane: workloads of every kind on
// KWOK nodes consuming Secrets in every way, the -A inventory with a dangling
// reference and an unused Secret, a user without `get secrets`, the bundle,
// and canary values that must never appear in any output.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  applyYaml,
  asUser,
  deleteNamespace,
  freshNamespace,
  kubectl,
  NEVER_READY_LABEL,
  useCluster,
  waitFor,
} from '../harness/cluster.js';
import { ensureBundle, runBuilt, runCli, type CliResult } from '../harness/runCli.js';
import { assertNoLeak, makeCanary } from '../harness/canary.js';

const PAUSE = 'registry.k8s.io/pause:3.10';
const suffix = randomBytes(3).toString('hex');
const STORAGE_CLASS = `exposure-${suffix}`;
const VIEWER = `exposure-viewer-${suffix}`;

const canary = {
  password: makeCanary('password'),
  username: makeCanary('username'),
  token: makeCanary('token'),
  tlsKey: makeCanary('tlskey'),
  registry: makeCanary('registry'),
  unused: makeCanary('unused'),
  frozen: makeCanary('frozen'),
  csi: makeCanary('csi'),
};
const CANARIES = Object.values(canary);

// Applied with kubectl apply, so the last-applied-configuration annotation
// carries the values too: the tool must drop it.
const secrets = `
apiVersion: v1
kind: Secret
metadata: {name: app-creds}
stringData: {password: ${canary.password}, username: ${canary.username}, token: ${canary.token}}
---
apiVersion: v1
kind: Secret
metadata: {name: tls-cert}
type: kubernetes.io/tls
stringData: {tls.crt: "-----BEGIN CERTIFICATE-----", tls.key: ${canary.tlsKey}}
---
apiVersion: v1
kind: Secret
metadata: {name: regcred}
type: kubernetes.io/dockerconfigjson
stringData: {.dockerconfigjson: '{"auths":{"registry.example":{"auth":"${canary.registry}"}}}'}
---
apiVersion: v1
kind: Secret
metadata: {name: unused-secret, labels: {app.kubernetes.io/managed-by: Helm}, annotations: {meta.helm.sh/release-name: shop}}
stringData: {leftover: ${canary.unused}}
---
apiVersion: v1
kind: Secret
metadata: {name: frozen}
immutable: true
stringData: {config: ${canary.frozen}}
---
apiVersion: v1
kind: Secret
metadata: {name: csi-creds}
stringData: {clientsecret: ${canary.csi}}
`;

// File modes in decimal: js-yaml reads 0400 as the decimal number 400.
const workloads = `
apiVersion: v1
kind: ServiceAccount
metadata: {name: builder}
imagePullSecrets: [{name: regcred}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      serviceAccountName: builder
      securityContext: {fsGroup: 2000}
      initContainers:
        - name: migrate
          image: ${PAUSE}
          env: [{name: DB_TOKEN, valueFrom: {secretKeyRef: {name: app-creds, key: token}}}]
      containers:
        - name: api
          image: ${PAUSE}
          env:
            - {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: app-creds, key: password}}}
            - {name: OPTIONAL_MISSING, valueFrom: {secretKeyRef: {name: app-creds, key: nope, optional: true}}}
          envFrom: [{prefix: APP_, secretRef: {name: app-creds}}]
          volumeMounts:
            - {name: creds, mountPath: /etc/creds, readOnly: true}
            - {name: creds, mountPath: /etc/app/password, subPath: password, readOnly: true}
            - {name: bundle, mountPath: /etc/bundle, readOnly: true}
      volumes:
        - name: creds
          secret:
            secretName: app-creds
            defaultMode: 256 # 0400
            items: [{key: password, path: password}, {key: username, path: username, mode: 292}] # 0444
        - name: bundle
          projected:
            sources:
              - secret: {name: app-creds, items: [{key: token, path: token}]}
              - downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: idle}
spec:
  replicas: 0
  selector: {matchLabels: {app: idle}}
  template:
    metadata: {labels: {app: idle}}
    spec:
      automountServiceAccountToken: false
      containers:
        - name: idle
          image: ${PAUSE}
          volumeMounts: [{name: creds, mountPath: /creds, readOnly: true}]
      volumes: [{name: creds, secret: {secretName: app-creds, defaultMode: 256}}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 1
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
        - name: db
          image: ${PAUSE}
          env: [{name: POSTGRES_PASSWORD, valueFrom: {secretKeyRef: {name: app-creds, key: password}}}]
          volumeMounts: [{name: config, mountPath: /etc/db, readOnly: true}]
      volumes: [{name: config, secret: {secretName: frozen}}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      hostNetwork: true
      hostPID: true
      containers:
        - name: agent
          image: ${PAUSE}
          volumeMounts:
            - {name: creds, mountPath: /creds}
            - {name: host, mountPath: /host}
      volumes:
        - {name: creds, secret: {secretName: app-creds}}
        - {name: host, hostPath: {path: /var/lib}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: backup}
spec:
  schedule: "0 0 1 1 *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          automountServiceAccountToken: false
          containers:
            - name: backup
              image: ${PAUSE}
              envFrom: [{secretRef: {name: app-creds}}]
---
apiVersion: v1
kind: Pod
metadata: {name: debug}
spec:
  serviceAccountName: builder
  automountServiceAccountToken: false
  imagePullSecrets: [{name: regcred}]
  containers:
    - name: shell
      image: ${PAUSE}
      env: [{name: TOKEN, valueFrom: {secretKeyRef: {name: app-creds, key: token}}}]
  volumes:
    - name: store
      csi:
        driver: secrets-store.csi.k8s.io
        readOnly: true
        volumeAttributes: {secretProviderClass: vault}
        nodePublishSecretRef: {name: csi-creds}
---
apiVersion: v1
kind: Pod
metadata: {name: orphan}
spec:
  automountServiceAccountToken: false
  containers:
    - {name: app, image: ${PAUSE}, envFrom: [{secretRef: {name: gone}}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  tls: [{hosts: [shop.example.com], secretName: tls-cert}]
  rules: [{host: shop.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
`;

const legacyDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: legacy}
spec:
  replicas: 1
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  selector: {matchLabels: {app: legacy}}
  template:
    metadata: {labels: {app: legacy}}
    spec:
      automountServiceAccountToken: false
      containers:
        - name: legacy
          image: ${PAUSE}
          env: [{name: OLD_PASSWORD, valueFrom: {secretKeyRef: {name: app-creds, key: password}}}]
`;

let ns: string;
let admin: string;
const outputs: Array<{ name: string; text: string }> = [];

/** Runs the CLI in-process and keeps everything it printed for the canary check. */
async function cli(args: string[], kubeconfig = admin): Promise<CliResult> {
  const result = await runCli(args, { kubeconfig });
  outputs.push(
    { name: `${args.join(' ')} (stdout)`, text: result.stdout },
    { name: `${args.join(' ')} (stderr)`, text: result.stderr },
  );
  return result;
}

async function json(args: string[], kubeconfig = admin): Promise<any> {
  const result = await cli([...args, '-o', 'json'], kubeconfig);
  expect(result.stderr).not.toMatch(/^error:/m);
  return JSON.parse(result.stdout);
}

async function readyReplicas(kind: string, name: string, field = 'readyReplicas'): Promise<number> {
  const { body } = await api('GET', `/apis/apps/v1/namespaces/${ns}/${kind}/${name}`);
  return body.status?.[field] ?? 0;
}

beforeAll(async () => {
  admin = useCluster().kubeconfig;
  ns = await freshNamespace('exposure');
  await kubectl(['apply', '-n', ns, '-f', '-'], { input: secrets });
  await applyYaml(workloads, ns);
  await applyYaml(legacyDeployment, ns);
  await applyYaml(
    `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: ${STORAGE_CLASS}}
provisioner: example.csi.k8s.io
parameters:
  csi.storage.k8s.io/node-stage-secret-name: csi-creds
  csi.storage.k8s.io/node-stage-secret-namespace: ${ns}
`,
  );
  await waitFor(async () => (await readyReplicas('deployments', 'api')) === 2, {
    timeout: 90_000,
    what: 'Deployment api 2/2',
  });
  await waitFor(async () => (await readyReplicas('statefulsets', 'db')) === 1, {
    timeout: 90_000,
    what: 'StatefulSet db 1/1',
  });
  await waitFor(async () => (await readyReplicas('daemonsets', 'agent', 'numberReady')) === useCluster().nodes.length, {
    timeout: 90_000,
    what: 'DaemonSet agent on every node',
  });
  await waitFor(async () => (await readyReplicas('deployments', 'legacy')) === 1, {
    timeout: 90_000,
    what: 'Deployment legacy 1/1',
  });
  // New revision drops the Secret and never becomes Ready: the old pod keeps running.
  await api('PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/legacy`, {
    contentType: 'application/strategic-merge-patch+json',
    body: {
      spec: {
        template: {
          metadata: { labels: { [NEVER_READY_LABEL]: 'true' } },
          spec: { containers: [{ name: 'legacy', env: [{ name: 'OLD_PASSWORD', $patch: 'delete' }] }] },
        },
      },
    },
  });
  await waitFor(
    async () => {
      const { body } = await api('GET', `/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dlegacy`);
      return body.items.length === 2 && body.items.every((p: any) => p.status?.phase === 'Running');
    },
    { timeout: 90_000, what: 'old and new pods of Deployment legacy' },
  );
  await waitFor(
    async () => {
      const { body } = await api('GET', `/api/v1/namespaces/${ns}/pods`);
      const running = new Set(
        body.items.filter((p: any) => p.status?.phase === 'Running').map((p: any) => p.metadata.name),
      );
      return running.has('debug') && running.has('orphan');
    },
    { timeout: 60_000, what: 'bare pods Running' },
  );
});

afterAll(async () => {
  assertNoLeak(CANARIES, outputs);
  if (ns) await deleteNamespace(ns);
  await api('DELETE', `/apis/storage.k8s.io/v1/storageclasses/${STORAGE_CLASS}`);
  await api('DELETE', `/apis/rbac.authorization.k8s.io/v1/clusterroles/${VIEWER}`);
  await api('DELETE', `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${VIEWER}`);
});

describe('exposure NAME', () => {
  it('finds every workload kind, pods on KWOK nodes, and every way of using the Secret', async () => {
    const doc = await json(['exposure', 'app-creds', '-n', ns]);
    expect(doc).toMatchObject({
      apiVersion: 'kubectl-secrets.dev/v1alpha1',
      kind: 'ExposureReport',
      metadata: { complete: true, warnings: [], keysKnown: true },
    });
    expect(doc.metadata.secrets).toEqual([
      expect.objectContaining({
        name: 'app-creds',
        exists: true,
        type: 'Opaque',
        keys: [
          { name: 'password', size: canary.password.length },
          { name: 'token', size: canary.token.length },
          { name: 'username', size: canary.username.length },
        ],
      }),
    ]);
    const byName = Object.fromEntries(doc.items.map((c: any) => [`${c.kind}/${c.name}`, c]));
    expect(Object.keys(byName)).toEqual([
      'Deployment/api',
      'Deployment/idle',
      'Deployment/legacy',
      'StatefulSet/db',
      'DaemonSet/agent',
      'CronJob/backup',
      'Pod/debug',
    ]);

    const apiUses = byName['Deployment/api'];
    expect(apiUses.replicas).toEqual({ desired: 2, current: 2, ready: 2 });
    expect(apiUses.nodes.every((n: string) => useCluster().nodes.includes(n))).toBe(true);
    const how = apiUses.uses.map((u: any) => [
      u.via,
      u.containerType,
      u.container,
      u.env ?? u.prefix ?? u.mountPath,
      u.keys.join(','),
      u.update.verdict,
    ]);
    expect(how).toEqual([
      ['env', 'initContainer', 'migrate', 'DB_TOKEN', 'token', 'restart'],
      ['env', 'container', 'api', 'DB_PASSWORD', 'password', 'restart'],
      ['env', 'container', 'api', 'OPTIONAL_MISSING', 'nope', 'restart'],
      ['envFrom', 'container', 'api', 'APP_', 'password,token,username', 'restart'],
      ['volume', 'container', 'api', '/etc/creds', 'password,username', 'live'],
      ['volume', 'container', 'api', '/etc/app/password', 'password', 'restart'],
      ['projected', 'container', 'api', '/etc/bundle', 'token', 'live'],
    ]);
    const risksOf = (u: any) => u.risks.map((r: any) => `${r.severity}:${r.id}`);
    expect(risksOf(apiUses.uses[2])).toEqual(['low:missing-key', 'medium:env-var', 'low:token-automount']);
    expect(risksOf(apiUses.uses[4])).toEqual(['low:file-mode', 'low:token-automount']); // 0444 item
    expect(apiUses.uses[4].files).toEqual([
      { key: 'password', path: 'password' },
      { key: 'username', path: 'username', mode: '0444' },
    ]);
    expect(risksOf(apiUses.uses[5])).toEqual(['medium:subpath', 'low:token-automount']);
    expect(risksOf(apiUses.uses[6])).toEqual(['low:file-mode', 'low:token-automount']); // projected defaultMode unset: 0644
  });

  it('counts a Deployment scaled to 0 and marks an old revision still running', async () => {
    const doc = await json(['exposure', 'app-creds', '-n', ns]);
    const byName = Object.fromEntries(doc.items.map((c: any) => [`${c.kind}/${c.name}`, c]));
    expect(byName['Deployment/idle']).toMatchObject({ replicas: { desired: 0, current: 0, ready: 0 }, nodes: [] });
    expect(byName['Deployment/idle'].uses[0].risks).toEqual([]);
    const legacy = byName['Deployment/legacy'];
    expect(legacy.oldRevision.pods).toBe(1);
    expect(legacy.oldRevision.from[0]).toMatch(/^ReplicaSet\/legacy-/);
    expect(legacy.uses).toEqual([
      expect.objectContaining({
        via: 'env',
        env: 'OLD_PASSWORD',
        revision: 'old',
        risks: expect.arrayContaining([expect.objectContaining({ id: 'old-revision' })]),
      }),
    ]);
  });

  // The test API server runs with --allow-privileged=false: privileged pods are covered by unit tests.
  it('flags the hostPID, hostNetwork, hostPath DaemonSet and reports StatefulSet, CronJob and bare pods', async () => {
    const doc = await json(['exposure', 'app-creds', '-n', ns]);
    const byName = Object.fromEntries(doc.items.map((c: any) => [`${c.kind}/${c.name}`, c]));
    const agent = byName['DaemonSet/agent'];
    expect(agent.replicas).toEqual({ desired: 2, current: 2, ready: 2 });
    expect(agent.nodes).toEqual([...useCluster().nodes].sort());
    expect(agent.uses[0].risks.map((r: any) => r.id)).toEqual([
      'not-read-only',
      'file-mode',
      'host-pid',
      'host-path',
      'host-network',
      'token-automount',
    ]);
    expect(agent.worstRisk).toBe('high');
    expect(byName['StatefulSet/db']).toMatchObject({ replicas: { desired: 1, current: 1, ready: 1 } });
    expect(byName['CronJob/backup']).toMatchObject({ replicas: { desired: null, current: 0, ready: 0 } });
    expect(byName['CronJob/backup'].uses[0].pointer).toBe(
      '/spec/jobTemplate/spec/template/spec/containers/0/envFrom/0/secretRef/name',
    );
    expect(byName['Pod/debug']).toMatchObject({ replicas: { desired: 1, current: 1, ready: 1 } });
  });

  it('prints a kubectl-style table, a wide table and names for kubectl', async () => {
    const table = await cli(['exposure', 'app-creds', '-n', ns]);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^CONSUMER\s+READY\s+CONTAINER\s+HOW\s+KEYS\s+UPDATES\s+RISK\s+FLAGS$/);
    expect(table.stdout).toMatch(
      /Deployment\/api\s+2\/2\s+api\s+env DB_PASSWORD ← password\s+password\s+restart\s+medium\s+env-var/,
    );
    expect(table.stdout).toMatch(/Deployment\/idle\s+0\/0\s+idle\s+file \/creds \(0400, ro\)\s+all\s+live \(~1m\)\s+-/);
    expect(table.stdout).toMatch(/Deployment\/legacy\s+1\/1\s+legacy\s+env OLD_PASSWORD ← password \[old revision\]/);
    expect(table.stderr).toMatch(
      /^Secret .*\/app-creds: Opaque, 3 keys \(password \d+B, token \d+B, username \d+B\); managed by hand/m,
    );
    const wide = await cli(['exposure', 'app-creds', '-n', ns, '-o', 'wide']);
    expect(wide.stdout.split('\n')[0]).toMatch(/NODES\s+SERVICE-ACCOUNT\s+REASONS$/);
    expect(wide.stdout).toMatch(/host-pid: hostPID: the pod sees every process on the node/);
    const names = await cli(['exposure', 'app-creds', '-n', ns, '-o', 'name']);
    expect(names.stdout.trim().split('\n')).toEqual([
      'deployment.apps/api',
      'deployment.apps/idle',
      'deployment.apps/legacy',
      'statefulset.apps/db',
      'daemonset.apps/agent',
      'cronjob.batch/backup',
      'pod/debug',
    ]);
    const yamlOut = await cli(['exposure', 'app-creds', '-n', ns, '-o', 'yaml']);
    expect(yamlOut.stdout).toMatch(/^apiVersion: kubectl-secrets.dev\/v1alpha1\nkind: ExposureReport\n/);
  });

  it('follows image pull secrets through the ServiceAccount into workload templates', async () => {
    const doc = await json(['exposure', 'regcred', '-n', ns]);
    const rows = doc.items.map((c: any) => [`${c.kind}/${c.name}`, c.uses.map((u: any) => u.via).join(',')]);
    expect(rows).toEqual([
      ['Deployment/api', 'inheritedPullSecret'],
      ['Pod/debug', 'imagePullSecret'],
      ['ServiceAccount/builder', 'serviceAccountPullSecret'],
    ]);
    expect(doc.items[2].uses[0].detail).toBe('imagePullSecrets (inherited by 2 workloads)');
  });

  it('reports Ingress TLS, StorageClass parameters, CSI credentials and immutable Secrets', async () => {
    const tls = await json(['exposure', 'tls-cert', '-n', ns]);
    expect(tls.items.map((c: any) => [c.kind, c.name, c.uses[0].via, c.uses[0].detail, c.uses[0].keys])).toEqual([
      ['Ingress', 'web', 'ingressTLS', 'hosts shop.example.com', ['tls.crt', 'tls.key']],
    ]);
    const csi = await json(['exposure', 'csi-creds', '-n', ns]);
    expect(csi.items.map((c: any) => [c.kind, c.name, c.uses[0].via, c.uses[0].update.verdict])).toEqual([
      ['Pod', 'debug', 'csi', 'next-use'],
      ['StorageClass', STORAGE_CLASS, 'storageClassParameter', 'next-use'],
    ]);
    const frozen = await json(['exposure', 'frozen', '-n', ns]);
    expect(frozen.metadata.secrets[0].immutable).toBe(true);
    expect(frozen.items[0].uses[0].update).toMatchObject({ verdict: 'never' });
  });

  it('fails CI gates with exit 3 at or above the chosen severity', async () => {
    const high = await cli(['exposure', 'app-creds', '-n', ns, '--fail-on=high']);
    expect(high.code).toBe(3);
    expect(high.stderr).toMatch(/\d+ findings? at or above high \(--fail-on=high\)/);
    // kubectl apply left tls-cert's values in last-applied-configuration: value-in-metadata (high).
    const tls = await cli(['exposure', 'tls-cert', '-n', ns, '--fail-on', 'low']);
    expect(tls.code).toBe(3);
    expect(tls.stderr).toMatch(
      /risk high value-in-metadata: annotation kubectl\.kubernetes\.io\/last-applied-configuration/,
    );
    const help = await cli(['exposure', '--help']);
    expect(help.stdout).toMatch(/--fail-on\s+Exit 3 when a finding/);
  });

  it('answers one line when the Secret neither exists nor is referenced', async () => {
    const result = await cli(['exposure', 'nope', '-n', ns]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error: secret "nope" not found in namespace "${ns}", and nothing references it\n`);
  });

  it('looks for a name in every namespace with -A', async () => {
    const result = await cli(['exposure', 'app-creds', '-A']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(/^NAMESPACE\s+CONSUMER/);
    expect(result.stdout).toContain(`${ns}   Deployment/api`);
  });
});

describe('exposure -A: the inventory', () => {
  it('has one row per Secret with dangling references and unused Secrets', async () => {
    const doc = await json(['exposure', '-A']);
    expect(doc.kind).toBe('SecretInventory');
    const mine = Object.fromEntries(doc.items.filter((r: any) => r.namespace === ns).map((r: any) => [r.name, r]));
    expect(Object.keys(mine).sort()).toEqual([
      'app-creds',
      'csi-creds',
      'frozen',
      'gone',
      'regcred',
      'tls-cert',
      'unused-secret',
    ]);
    expect(mine['app-creds']).toMatchObject({
      status: 'in-use',
      exists: true,
      type: 'Opaque',
      keys: 3,
      consumers: 7,
      worstRisk: 'high',
      manager: 'none',
    });
    expect(mine.gone).toMatchObject({
      status: 'missing',
      exists: false,
      keys: null,
      consumerNames: ['Pod/orphan'],
      worstRisk: 'high',
      risks: ['missing-secret', 'env-var'],
    });
    expect(mine['unused-secret']).toMatchObject({
      status: 'unused',
      consumers: 0,
      manager: 'helm',
      managedBy: 'release shop',
    });
    expect(mine['csi-creds'].consumerNames).toEqual(['Pod/debug', `StorageClass/${STORAGE_CLASS}`]);
    expect(doc.metadata.counts.missing).toBeGreaterThanOrEqual(1);
  });

  it('prints the inventory of one namespace as a table', async () => {
    const result = await cli(['exposure', '-n', ns]);
    expect(result.stdout.split('\n')[0]).toMatch(
      /^NAMESPACE\s+NAME\s+TYPE\s+KEYS\s+CONSUMERS\s+RISK\s+MANAGER\s+STATUS$/,
    );
    expect(result.stdout).toMatch(new RegExp(`${ns}\\s+gone\\s+<missing>\\s+\\?\\s+1\\s+high\\s+\\?\\s+missing`));
    // Unused, but applied with kubectl apply: its value sits in last-applied-configuration (value-in-metadata, high).
    expect(result.stdout).toMatch(
      new RegExp(`${ns}\\s+unused-secret\\s+Opaque\\s+1\\s+0\\s+high\\s+helm \\(release shop\\)\\s+unused`),
    );
    const wide = await cli(['exposure', '-n', ns, '-o', 'wide']);
    expect(wide.stdout).toMatch(/app-creds .*password,token,username/);
    const names = await cli(['exposure', '-n', ns, '-o', 'name']);
    expect(names.stdout.split('\n')).toContain('secret/unused-secret');
  });

  it('shows truncated hashes only when asked', async () => {
    const plain = await cli(['exposure', 'app-creds', '-n', ns]);
    expect(plain.stderr).not.toMatch(/sha256:/);
    const hashed = await cli(['exposure', 'app-creds', '-n', ns, '--show-hashes']);
    expect(hashed.stderr).toMatch(/password \d+B sha256:[0-9a-f]{12}/);
  });
});

// Minimal CRDs (any spec kept), sent as raw JSON: client-node's object API
// drops fields it has no model for (x-kubernetes-preserve-unknown-fields, and
// the spec of custom resources).
const crd = (group: string, kind: string, plural: string) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: {
    name: `${plural}.${group}`,
    // *.k8s.io groups need an approval link, as the real Gateway API CRDs carry.
    ...(group.endsWith('.k8s.io')
      ? { annotations: { 'api-approved.kubernetes.io': 'https://github.com/kubernetes-sigs/gateway-api/pull/891' } }
      : {}),
  },
  spec: {
    group,
    scope: 'Namespaced',
    names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
});

describe('Gateway API and Secrets Store CSI, when their CRDs exist', () => {
  const installed: string[] = [];
  let gatewayNs: string;

  beforeAll(async () => {
    for (const [group, kind, plural] of [
      ['gateway.networking.k8s.io', 'Gateway', 'gateways'],
      ['secrets-store.csi.x-k8s.io', 'SecretProviderClass', 'secretproviderclasses'],
    ] as const) {
      const name = `${plural}.${group}`;
      if ((await api('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`)).status === 404) {
        const { status, body } = await api('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
          body: crd(group, kind, plural),
        });
        if (status !== 201) throw new Error(`error: create CRD ${name}: HTTP ${status} ${body?.message ?? ''}`);
        installed.push(name);
      }
      await waitFor(
        async () => (await api('GET', `/apis/${group}/v1`)).body?.resources?.some((r: any) => r.name === plural),
        { what: `${name} served` },
      );
    }
    gatewayNs = await freshNamespace('exposure-gw');
    // Created with raw requests: client-node's object API drops the spec of custom resources.
    const create = async (path: string, body: unknown) => {
      const { status, body: answer } = await api('POST', path, { body });
      if (status !== 201) throw new Error(`error: POST ${path}: HTTP ${status} ${answer?.message ?? ''}`);
    };
    await create(`/apis/gateway.networking.k8s.io/v1/namespaces/${gatewayNs}/gateways`, {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'edge' },
      spec: {
        gatewayClassName: 'example',
        listeners: [
          { name: 'http', port: 80, protocol: 'HTTP' },
          {
            name: 'https',
            port: 443,
            protocol: 'HTTPS',
            hostname: 'shop.example.com',
            tls: { certificateRefs: [{ kind: 'Secret', name: 'tls-cert', namespace: ns }] },
          },
        ],
      },
    });
    await create(`/apis/secrets-store.csi.x-k8s.io/v1/namespaces/${ns}/secretproviderclasses`, {
      apiVersion: 'secrets-store.csi.x-k8s.io/v1',
      kind: 'SecretProviderClass',
      metadata: { name: 'vault' },
      spec: {
        provider: 'vault',
        secretObjects: [
          { secretName: 'synced-secret', type: 'Opaque', data: [{ objectName: 'db-password', key: 'password' }] },
        ],
      },
    });
    await applyYaml(
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: synced-user}
spec:
  replicas: 0
  selector: {matchLabels: {app: synced-user}}
  template:
    metadata: {labels: {app: synced-user}}
    spec:
      containers:
        - name: app
          image: ${PAUSE}
          env: [{name: PW, valueFrom: {secretKeyRef: {name: synced-secret, key: password}}}]
`,
      ns,
    );
  });

  afterAll(async () => {
    if (gatewayNs) await deleteNamespace(gatewayNs);
    for (const name of installed)
      await api('DELETE', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
  });

  it('finds a Gateway in another namespace that serves the certificate', async () => {
    const doc = await json(['exposure', 'tls-cert', '-n', ns]);
    const gw = doc.items.find((c: any) => c.kind === 'Gateway');
    expect(gw).toMatchObject({ namespace: gatewayNs, name: 'edge' });
    expect(gw.uses[0]).toMatchObject({
      via: 'gatewayCertificate',
      detail: 'listener https (shop.example.com)',
      update: { verdict: 'live' },
    });
    expect(gw.uses[0].risks).toEqual([
      expect.objectContaining({
        id: 'cross-namespace',
        reason: expect.stringContaining(`ReferenceGrant in namespace ${ns}`),
      }),
    ]);
  });

  it('says a SecretProviderClass produces a Secret that does not exist yet', async () => {
    const doc = await json(['exposure', 'synced-secret', '-n', ns]);
    expect(doc.metadata.secrets[0].exists).toBe(false);
    const rows = doc.items.map((c: any) => [c.kind, c.name, c.role]);
    expect(rows).toEqual([
      ['Deployment', 'synced-user', 'consumes'],
      ['SecretProviderClass', 'vault', 'produces'],
    ]);
    const missing = doc.items[0].uses[0].risks.find((r: any) => r.id === 'missing-secret');
    expect(missing.reason).toContain('SecretProviderClass/vault creates it');
    const table = await cli(['exposure', 'synced-secret', '-n', ns]);
    expect(table.stdout).toMatch(
      /SecretProviderClass\/vault\s+-\s+-\s+produces it \(synced by the Secrets Store CSI driver \(vault\)\)\s+password\s+-\s+-/,
    );
    const inventory = await json(['exposure', '-n', ns]);
    expect(inventory.items.find((r: any) => r.name === 'synced-secret')).toMatchObject({
      status: 'missing',
      producers: ['SecretProviderClass/vault'],
    });
  });
});

describe('permissions', () => {
  it('still reports consumers without get secrets, and says key checks were skipped', async () => {
    await applyYaml(
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: viewer}
rules:
  - {apiGroups: [""], resources: [pods, serviceaccounts, replicationcontrollers], verbs: [get, list]}
  - {apiGroups: [apps], resources: [deployments, replicasets, statefulsets, daemonsets], verbs: [get, list]}
  - {apiGroups: [batch], resources: [jobs, cronjobs], verbs: [get, list]}
  - {apiGroups: [networking.k8s.io], resources: [ingresses], verbs: [get, list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: viewer}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: viewer}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: ${VIEWER}}]
`,
      ns,
    );
    await applyYaml(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ${VIEWER}}
rules:
  - {apiGroups: [storage.k8s.io], resources: [storageclasses], verbs: [list]}
  - {apiGroups: [gateway.networking.k8s.io], resources: [gateways], verbs: [list]}
  - {apiGroups: [secrets-store.csi.x-k8s.io], resources: [secretproviderclasses], verbs: [list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ${VIEWER}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${VIEWER}}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: ${VIEWER}}]
`);
    const viewer = await asUser({ user: VIEWER });
    const doc = await json(['exposure', 'app-creds', '-n', ns], viewer);
    expect(doc.metadata).toMatchObject({
      complete: true,
      keysKnown: false,
      warnings: [
        `cannot get secrets in namespace ${ns} (forbidden): key checks skipped, and whether the Secret exists is unknown`,
      ],
    });
    expect(doc.metadata.secrets).toEqual([{ namespace: ns, name: 'app-creds', exists: null, keysKnown: false }]);
    expect(doc.items.map((c: any) => `${c.kind}/${c.name}`)).toContain('Deployment/api');
    // The optional key that does not exist cannot be checked without the Secret.
    const api = doc.items.find((c: any) => c.name === 'api');
    expect(api.uses[2].risks.map((r: any) => r.id)).not.toContain('missing-key');

    const table = await cli(['exposure', 'app-creds', '-n', ns], viewer);
    expect(table.code).toBe(0);
    expect(table.stderr).toContain(`warning: cannot get secrets in namespace ${ns} (forbidden): key checks skipped`);
    const inventory = await json(['exposure', '-n', ns], viewer);
    expect(inventory.metadata).toMatchObject({ complete: true, keysKnown: false });
    expect(inventory.items.find((r: any) => r.name === 'gone')).toMatchObject({ exists: null, status: 'in-use' });
  });

  it('--fail-on does not pass an answer it could not see whole: exit 5, not 0', async () => {
    const blind = `exposure-blind-${suffix}`;
    await applyYaml(
      `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: secrets-only}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: secrets-only}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secrets-only}
subjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: ${blind}}]
`,
      ns,
    );
    // created without kubectl apply: no finding on the Secret itself, so only its consumers could fail the gate
    const created = await api('POST', `/api/v1/namespaces/${ns}/secrets`, {
      body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'gated' }, stringData: { token: canary.unused } },
    });
    expect(created.status).toBe(201);
    const gate = await cli(['exposure', 'gated', '-n', ns, '--fail-on=high'], await asUser({ user: blind }));
    expect(gate.stderr).toContain(`warning: cannot list pods in namespace ${ns} (forbidden)`);
    expect(gate.stderr).toMatch(
      /no finding at or above high in what could be read, but the answer is partial \(see the warnings\): --fail-on=high cannot pass it\n$/,
    );
    outputs.push({ name: 'blind --fail-on', text: gate.stdout + gate.stderr });
    expect(gate.code).toBe(5);
  });

  it('never reads Secret data with --metadata-only', async () => {
    const doc = await json(['exposure', 'app-creds', '-n', ns, '--metadata-only']);
    expect(doc.metadata.keysKnown).toBe(false);
    expect(doc.metadata.secrets[0]).toMatchObject({ exists: true, keysKnown: false });
  });
});

describe('the bundle', () => {
  beforeAll(() => ensureBundle());

  it('answers like the in-process CLI, in every format, without leaking values', async () => {
    const inProcess = await json(['exposure', 'app-creds', '-n', ns]);
    const built = await runBuilt(['exposure', 'app-creds', '-n', ns, '-o', 'json'], { kubeconfig: admin });
    outputs.push(
      { name: 'bundle json stdout', text: built.stdout },
      { name: 'bundle json stderr', text: built.stderr },
    );
    expect(built.code).toBe(0);
    expect(JSON.parse(built.stdout).items.map((c: any) => c.name)).toEqual(inProcess.items.map((c: any) => c.name));
    for (const output of ['table', 'wide', 'yaml', 'name']) {
      const r = await runBuilt(['exposure', '-A', '-o', output], { kubeconfig: admin });
      outputs.push({ name: `bundle -A -o ${output}`, text: r.stdout + r.stderr });
      expect(r.code).toBe(0);
    }
    const verbose = await runBuilt(['exposure', 'app-creds', '-n', ns, '-v=6', '--show-hashes'], { kubeconfig: admin });
    outputs.push({ name: 'bundle -v=6', text: verbose.stdout + verbose.stderr });
    expect(verbose.stderr).toMatch(/GET https:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/.*\/secrets\/app-creds 200/);
  });
});

describe('canary', () => {
  it('no value of any Secret appears in any output, in any format', async () => {
    for (const output of ['table', 'wide', 'json', 'yaml', 'name']) {
      for (const args of [
        ['exposure', 'app-creds', '-n', ns],
        ['exposure', 'regcred', '-n', ns, '--show-hashes'],
        ['exposure', '-n', ns],
        ['exposure', '-A'],
      ]) {
        await cli([...args, '-o', output]);
      }
    }
    expect(outputs.length).toBeGreaterThan(40);
    assertNoLeak(CANARIES, outputs);
    // The values are really in the cluster (and in the last-applied annotation): the check is not vacuous.
    const { body } = await api('GET', `/api/v1/namespaces/${ns}/secrets/app-creds`);
    expect(Buffer.from(body.data.password, 'base64').toString()).toBe(canary.password);
    expect(body.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain(canary.password);
  });
});
