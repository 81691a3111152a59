// Helpers shared by the rotate e2e suites: scenario objects, the built
// bundle, what each pod template references, and a never-ready fault.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { bundleOptions } from '../../scripts/bundle-options.mjs';
import { secretRefsOfPodSpec } from '../../src/consumers/pod-refs.js';
import { podSpecOf } from '../../src/consumers/workloads.js';
import { api, deleteNamespace, freshNamespace, kubectl, NEVER_READY_LABEL, useCluster } from '../harness/cluster.js';
import { REPO, runCli, runProcess, type CliResult } from '../harness/runCli.js';

/** `kubectl secrets rotate ARGS` in-process, against the shared test cluster. */
export const rotate = (args: string[], opts: { stdin?: string; tty?: boolean } = {}): Promise<CliResult> =>
  runCli(['rotate', ...args], { kubeconfig: useCluster().kubeconfig, ...opts });

let bundle: Promise<string> | undefined;

/**
 * Bundles the CLI from the working tree into a private file (as
 * scripts/build.mjs does), so the crash tests run exactly this code even
 * when dist/ is stale or being rebuilt by someone else.
 */
export function rotateBundle(): Promise<string> {
  bundle ??= (async () => {
    const outfile = join(mkdtempSync(join(tmpdir(), 'rotate-e2e-')), 'kubectl-secrets.cjs');
    await build({
      entryPoints: [join(REPO, 'src/main.ts')],
      outfile,
      bundle: true,
      ...bundleOptions,
      logLevel: 'error',
      define: { __KUBECTL_SECRETS_VERSION__: '"e2e"' },
    });
    return outfile;
  })();
  return bundle;
}

/** Runs the bundle as users do: a child process with a minimal environment. */
export async function runBundle(
  args: readonly string[],
  opts: { env?: Record<string, string>; stdin?: string } = {},
): Promise<CliResult> {
  const file = await rotateBundle();
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NO_COLOR: '1',
    KUBECONFIG: useCluster().kubeconfig,
    ...opts.env,
  };
  return runProcess(process.execPath, [file, ...args], { env, stdin: opts.stdin });
}

/**
 * Fresh namespaces that `cleanup` deletes: the KWOK nodes hold 220 pods in
 * all, shared by every suite of a run.
 */
export function namespaces(): {
  fresh(prefix: string): Promise<string>;
  defer(undo: () => Promise<void>): void;
  cleanup(): Promise<void>;
} {
  const made: string[] = [];
  const deferred: Array<() => Promise<void>> = [];
  return {
    async fresh(prefix) {
      const ns = await freshNamespace(prefix);
      made.push(ns);
      return ns;
    },
    /** Something else to undo at cleanup (a proxy, an admission policy), before the namespaces go. */
    defer(undo) {
      deferred.push(undo);
    },
    async cleanup() {
      for (const undo of deferred.splice(0)) await undo();
      await Promise.all(made.splice(0).map((ns) => deleteNamespace(ns)));
    },
  };
}

/** Which cluster a helper talks to: the shared one unless a kubeconfig is given. */
export interface On {
  kubeconfig?: string;
}

export const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** Creates a Secret through the API with base64 data (no kubectl last-applied annotation). */
export async function createSecret(
  ns: string,
  name: string,
  data: Record<string, string>,
  extra: Record<string, unknown> = {},
  on: On = {},
): Promise<void> {
  const body = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, ...((extra.metadata as object) ?? {}) },
    type: 'Opaque',
    ...extra,
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
  };
  const r = await api('POST', `/api/v1/namespaces/${ns}/secrets`, { ...on, body });
  if (r.status !== 201) throw new Error(`error: create secret ${name}: HTTP ${r.status} ${r.body?.message ?? ''}`);
}

export async function readSecret(ns: string, name: string, on: On = {}): Promise<any | undefined> {
  const r = await api('GET', `/api/v1/namespaces/${ns}/secrets/${name}`, on);
  return r.status === 200 ? r.body : undefined;
}

export async function secretNames(ns: string): Promise<string[]> {
  const r = await api('GET', `/api/v1/namespaces/${ns}/secrets`);
  return (r.body.items as any[]).map((s) => s.metadata.name as string).sort();
}

export const decode = (s: any, key: string): string | undefined =>
  s?.data?.[key] === undefined ? undefined : Buffer.from(s.data[key], 'base64').toString('utf8');

const PATHS: Record<string, string> = {
  Deployment: '/apis/apps/v1/namespaces/NS/deployments',
  StatefulSet: '/apis/apps/v1/namespaces/NS/statefulsets',
  DaemonSet: '/apis/apps/v1/namespaces/NS/daemonsets',
  CronJob: '/apis/batch/v1/namespaces/NS/cronjobs',
};

/** `Kind/name` → the Secret names its pod template references. */
export async function templateRefs(ns: string, on: On = {}): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [kind, path] of Object.entries(PATHS)) {
    const r = await api('GET', path.replace('NS', ns), on);
    for (const w of r.body.items as any[]) {
      out[`${kind}/${w.metadata.name}`] = [
        ...new Set(secretRefsOfPodSpec(podSpecOf({ ...w, kind })).map((x) => x.secret)),
      ].sort();
    }
  }
  return out;
}

/** Every workload (but CronJobs) has finished its rollout, as `kubectl rollout status` says. */
export async function rolloutsComplete(ns: string, timeout = '60s'): Promise<void> {
  for (const [ref] of Object.entries(await templateRefs(ns))) {
    if (ref.startsWith('CronJob/')) continue;
    const [kind, name] = ref.split('/');
    await kubectl(['rollout', 'status', `${kind!.toLowerCase()}/${name}`, '-n', ns, `--timeout=${timeout}`]);
  }
}

/** Names of running pods (not terminating) and the Secrets their specs reference. */
export async function podRefs(ns: string): Promise<Record<string, string[]>> {
  const r = await api('GET', `/api/v1/namespaces/${ns}/pods`);
  const out: Record<string, string[]> = {};
  for (const p of r.body.items as any[]) {
    if (p.metadata.deletionTimestamp) continue;
    out[p.metadata.name] = [...new Set(secretRefsOfPodSpec(p.spec).map((x) => x.secret))].sort();
  }
  return out;
}

/** A Deployment, StatefulSet, DaemonSet or CronJob using `secret` as `how`. */
export function consumerYaml(
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'CronJob',
  name: string,
  secret: string,
  how: string[],
  replicas = 1,
): string {
  const env = how.includes('env')
    ? `\n          env: [{name: PW, valueFrom: {secretKeyRef: {name: ${secret}, key: password}}}]`
    : '';
  const envFrom = how.includes('envFrom') ? `\n          envFrom: [{secretRef: {name: ${secret}}}]` : '';
  const mounts: string[] = [];
  const volumes: string[] = [];
  if (how.includes('volume')) {
    mounts.push('{name: creds, mountPath: /creds}');
    volumes.push(`{name: creds, secret: {secretName: ${secret}}}`);
  }
  if (how.includes('subPath')) {
    mounts.push('{name: pw, mountPath: /etc/pw, subPath: password}');
    volumes.push(`{name: pw, secret: {secretName: ${secret}}}`);
  }
  if (how.includes('projected')) {
    mounts.push('{name: proj, mountPath: /proj}');
    volumes.push(`{name: proj, projected: {sources: [{secret: {name: ${secret}}}]}}`);
  }
  const pull = how.includes('imagePullSecret') ? `\n      imagePullSecrets: [{name: ${secret}}]` : '';
  const podSpec = `${pull}
      containers:
        - name: app
          image: example/${name}${env}${envFrom}${mounts.length ? `\n          volumeMounts: [${mounts.join(', ')}]` : ''}${volumes.length ? `\n      volumes: [${volumes.join(', ')}]` : ''}`;
  if (kind === 'CronJob') {
    return `apiVersion: batch/v1
kind: CronJob
metadata: {name: ${name}}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never${podSpec.replace(/\n/g, '\n    ')}
`;
  }
  const extra =
    kind === 'Deployment'
      ? `\n  replicas: ${replicas}\n  strategy: {rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}`
      : kind === 'StatefulSet'
        ? `\n  replicas: ${replicas}\n  serviceName: ${name}`
        : '';
  return `apiVersion: apps/v1
kind: ${kind}
metadata: {name: ${name}}
spec:${extra}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:${podSpec}
`;
}

/**
 * Makes every new pod in `ns` whose spec mounts Secret `secret` as a volume
 * run but never become Ready: a MutatingAdmissionPolicy adds the KWOK
 * never-ready label at creation. Returns a function that removes it.
 */
export async function neverReadyWith(ns: string, secret: string): Promise<() => Promise<void>> {
  const name = `never-ready-${ns}-${randomBytes(2).toString('hex')}`;
  const policy = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingAdmissionPolicy',
    metadata: { name },
    spec: {
      matchConstraints: {
        resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
      },
      matchConditions: [
        {
          name: 'mounts-the-secret',
          expression: `has(object.spec.volumes) && object.spec.volumes.exists(v, has(v.secret) && v.secret.secretName == '${secret}')`,
        },
      ],
      failurePolicy: 'Fail',
      reinvocationPolicy: 'Never',
      mutations: [
        {
          patchType: 'ApplyConfiguration',
          applyConfiguration: {
            expression: `Object{metadata: Object.metadata{labels: {"${NEVER_READY_LABEL}": "true"}}}`,
          },
        },
      ],
    },
  };
  const binding = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingAdmissionPolicyBinding',
    metadata: { name },
    spec: {
      policyName: name,
      matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } },
    },
  };
  const base = '/apis/admissionregistration.k8s.io/v1';
  for (const [path, body] of [
    [`${base}/mutatingadmissionpolicies`, policy],
    [`${base}/mutatingadmissionpolicybindings`, binding],
  ] as const) {
    const r = await api('POST', path, { body });
    if (r.status !== 201) throw new Error(`error: create ${body.kind}: HTTP ${r.status} ${r.body?.message ?? ''}`);
  }
  // The API server loads policies asynchronously: probe with a dry-run pod until the label appears.
  const probe = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'probe' },
    spec: { containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 'v', secret: { secretName: secret } }] },
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await api('POST', `/api/v1/namespaces/${ns}/pods?dryRun=All`, { body: probe });
    if (r.body?.metadata?.labels?.[NEVER_READY_LABEL] === 'true') break;
    if (Date.now() > deadline) throw new Error('error: the never-ready admission policy did not take effect in 20s');
    await new Promise((res) => setTimeout(res, 200));
  }
  return async () => {
    await api('DELETE', `${base}/mutatingadmissionpolicybindings/${name}`);
    await api('DELETE', `${base}/mutatingadmissionpolicies/${name}`);
  };
}

/**
 * Makes a Deployment give up quickly (progressDeadlineSeconds), once it is up:
 * a small deadline from the start could expire while a loaded cluster starts it.
 */
export async function quickDeadline(ns: string, deployment: string, seconds = 8): Promise<void> {
  const r = await api('PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/${deployment}`, {
    body: { spec: { progressDeadlineSeconds: seconds } },
    contentType: 'application/merge-patch+json',
  });
  if (r.status !== 200)
    throw new Error(`error: patch deployment ${deployment}: HTTP ${r.status} ${r.body?.message ?? ''}`);
}

/** The Lease of rotations of `name`, if any. */
export async function rotationLease(ns: string, name: string, on: On = {}): Promise<any | undefined> {
  const r = await api('GET', `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/kubectl-secrets-rotate-${name}`, on);
  return r.status === 200 ? r.body : undefined;
}

export const JOURNAL = 'secrets.kubectl-secrets.dev/rotation';
export const STAGE = 'secrets.kubectl-secrets.dev/stage';

/** Whether the cluster is consistent for logical Secret `name`. */
export async function assertConsistent(ns: string, expectOn: string): Promise<void> {
  const names = new Set(await secretNames(ns));
  const refs = await templateRefs(ns);
  for (const [ref, secrets] of Object.entries(refs)) {
    for (const s of secrets) if (!names.has(s)) throw new Error(`${ref} references ${s}, which does not exist`);
    if (!secrets.includes(expectOn) || secrets.length !== 1)
      throw new Error(`${ref} references ${secrets.join(', ')}, expected ${expectOn}`);
  }
  for (const [pod, secrets] of Object.entries(await podRefs(ns))) {
    for (const s of secrets) if (!names.has(s)) throw new Error(`pod ${pod} references ${s}, which does not exist`);
  }
  const r = await api('GET', `/api/v1/namespaces/${ns}/secrets`);
  for (const s of r.body.items as any[]) {
    if (s.metadata.labels?.[STAGE] === 'pending')
      throw new Error(`${s.metadata.name} is a half-made version (staged pending)`);
  }
}

export { useCluster };
