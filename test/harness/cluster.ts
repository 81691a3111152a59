// Helpers for e2e tests against the cluster started by globalSetup.ts.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { afterAll, beforeAll, inject } from 'vitest';
import {
  apiRequest,
  down,
  makeUserKubeconfig,
  serviceAccountKubeconfig,
  up,
  type Cluster,
} from '../cluster/cluster.mjs';
import type { RbacObject } from './rbac-checks.js';
import { waitForBindings } from './rbac-wait.js';

export type { Cluster };

/** Label put on namespaces made by freshNamespace. */
export const FRESH_NAMESPACE_LABEL = 'kubectl-secrets.test/fresh';
/** Pods with this label set to "true" run but never become Ready (KWOK stage). */
export const NEVER_READY_LABEL = 'kubectl-secrets.test/never-ready';

// Files running beside each other create and delete ClusterRoleBindings, which who-can may see half-made.
const othersDangling =
  /^warning: ClusterRoleBinding \S+ references ClusterRole \S+, which does not exist: .*\(dangling\)$/;

/** stderr's lines, without warnings about ClusterRoleBindings that other test files are making or removing. */
export const ownStderr = (stderr: string): string[] =>
  stderr.split('\n').filter((line) => line && !othersDangling.test(line));

export function useCluster(): Cluster {
  const cluster = inject('cluster');
  if (!cluster) throw new Error('error: no cluster provided: run this test in the e2e project (vitest --project e2e)');
  return cluster;
}

/**
 * A cluster of the test file's own (one KWOK node), up before its tests and down after them: for a file
 * that would disturb the files sharing the run's cluster. Returns its getter.
 */
export function ownCluster(name: string): () => Cluster {
  let cluster: Cluster | undefined;
  beforeAll(async () => {
    cluster = await up({ name, workers: 1, binDir: useCluster().binDir });
  }, 300_000);
  afterAll(async () => {
    if (cluster) await down(cluster);
  });
  return () => {
    if (!cluster) throw new Error('error: the cluster of this file is not up');
    return cluster;
  };
}

/** One raw API request, as admin unless `kubeconfig` names another identity. */
export function api(
  method: string,
  path: string,
  options: { body?: unknown; kubeconfig?: string; contentType?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any }> {
  const { kubeconfig = useCluster().kubeconfig, ...rest } = options;
  return apiRequest(kubeconfig, method, path, rest);
}

/**
 * Polls `fn` until it returns a truthy value, which it returns. Errors thrown
 * by `fn` count as "not yet" and are reported on timeout.
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  { timeout = 30_000, interval = 250, what = 'condition' }: { timeout?: number; interval?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  let lastError = '';
  for (;;) {
    try {
      const result = await fn();
      if (result) return result as NonNullable<T>;
    } catch (e) {
      lastError = (e as Error).message;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `error: waiting for ${what} timed out after ${timeout / 1000}s${lastError ? `; last error: ${lastError}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Creates `<prefix>-<random>` and waits until its default ServiceAccount exists (pods need it). */
export async function freshNamespace(prefix = 'test'): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  const created = await api('POST', '/api/v1/namespaces', {
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [FRESH_NAMESPACE_LABEL]: 'true' } } },
  });
  if (created.status !== 201)
    throw new Error(`error: create namespace ${name}: HTTP ${created.status} ${created.body?.message ?? ''}`);
  await waitFor(async () => (await api('GET', `/api/v1/namespaces/${name}/serviceaccounts/default`)).status === 200, {
    what: `default ServiceAccount in namespace ${name}`,
  });
  return name;
}

/** Deletes a namespace (does not wait for it to be gone). */
export async function deleteNamespace(name: string): Promise<void> {
  const { status } = await api('DELETE', `/api/v1/namespaces/${name}`);
  if (status !== 200 && status !== 202 && status !== 404)
    throw new Error(`error: delete namespace ${name}: HTTP ${status}`);
}

function objectApi(kubeconfig: string, namespace?: string): KubernetesObjectApi {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  if (namespace) {
    kc.loadFromOptions({
      clusters: kc.clusters,
      users: kc.users,
      contexts: kc.contexts.map((c) => ({ ...c, namespace })),
      currentContext: kc.currentContext,
    });
  }
  return KubernetesObjectApi.makeApiClient(kc);
}

/**
 * Creates every object of a multi-document YAML text, in order. Namespaced
 * objects without a namespace go to `namespace` (default: "default").
 * Returns once the RoleBindings and ClusterRoleBindings it created are in force (rbac-wait.ts), so that a test
 * may act as their subjects at once; `waitForRbac: false` returns as soon as they are created.
 */
export async function applyYaml(
  yamlText: string,
  namespace?: string,
  { kubeconfig = useCluster().kubeconfig, waitForRbac = true }: { kubeconfig?: string; waitForRbac?: boolean } = {},
): Promise<KubernetesObject[]> {
  const client = objectApi(kubeconfig, namespace);
  const created: KubernetesObject[] = [];
  for (const doc of yaml.loadAll(yamlText)) {
    if (!doc) continue;
    const object = doc as KubernetesObject;
    try {
      created.push(await client.create(object));
    } catch (e) {
      const body = (e as { body?: string }).body;
      const message = body ? (JSON.parse(body) as { message?: string }).message : (e as Error).message;
      throw new Error(`error: create ${object.kind} ${object.metadata?.name}: ${message}`, { cause: e });
    }
  }
  if (waitForRbac) await waitForBindings(created as RbacObject[], kubeconfig);
  return created;
}

/** Kubeconfig for a client certificate with CN=user and O=each group. */
export function asUser(identity: { user: string; groups?: string[] }): Promise<string> {
  return makeUserKubeconfig(useCluster(), identity);
}

/** Kubeconfig with a fresh TokenRequest token for ServiceAccount namespace/name. */
export function asServiceAccount(namespace: string, name: string): Promise<string> {
  return serviceAccountKubeconfig(useCluster(), namespace, name);
}

/** A kubeconfig holding a token from a TokenRequest bound to a pod (its claims carry pod, node and credential id). */
export async function podBoundKubeconfig(
  namespace: string,
  serviceAccount: string,
  pod: { name: string; uid: string },
): Promise<string> {
  const cluster = useCluster();
  const { status, body } = await api(
    'POST',
    `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`,
    {
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', ...pod } },
      },
    },
  );
  if (status !== 201)
    throw new Error(`error: TokenRequest bound to pod ${pod.name}: HTTP ${status} ${body?.message ?? ''}`);
  const file = join(cluster.dir, 'users', `sa-${namespace}-${serviceAccount}-${pod.name}.kubeconfig`);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server: cluster.server, 'certificate-authority': cluster.caCert } }],
    users: [{ name: serviceAccount, user: { token: body.status.token } }],
    contexts: [{ name: serviceAccount, context: { cluster: 'local', user: serviceAccount } }],
    'current-context': serviceAccount,
  };
  await mkdir(join(cluster.dir, 'users'), { recursive: true });
  writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  return file;
}

/** Asks the API server whether a subject may do something (SubjectAccessReview as admin). */
export async function canI(review: {
  user: string;
  groups?: string[];
  verb: string;
  resource: string;
  namespace?: string;
  name?: string;
  group?: string;
  subresource?: string;
}): Promise<boolean> {
  const { user, groups, ...attributes } = review;
  const { status, body } = await api('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user, groups, resourceAttributes: { group: '', ...attributes } },
    },
  });
  if (status !== 201) throw new Error(`error: SubjectAccessReview: HTTP ${status} ${body?.message ?? ''}`);
  return body.status.allowed === true;
}

/** The fields of an audit.k8s.io/v1 Event that tests look at. */
export interface AuditEvent {
  auditID: string;
  stage: 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';
  level: string;
  verb: string;
  requestURI: string;
  user: { username: string; groups?: string[]; extra?: Record<string, string[]> };
  impersonatedUser?: { username: string; groups?: string[] };
  objectRef?: { resource?: string; namespace?: string; name?: string; apiGroup?: string; subresource?: string };
  responseStatus?: { code?: number };
  annotations?: Record<string, string>;
  stageTimestamp: string;
}

/** Every event of the cluster's current audit log file. */
export async function readAuditLog(cluster: Cluster = useCluster()): Promise<AuditEvent[]> {
  const text = await readFile(cluster.auditLog, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as AuditEvent);
}

/** Waits until an event matching `predicate` has been written to the audit log. */
export function waitForAuditEvent(
  predicate: (event: AuditEvent) => boolean,
  { timeout = 15_000, what = 'audit event' }: { timeout?: number; what?: string } = {},
): Promise<AuditEvent> {
  return waitFor(async () => (await readAuditLog()).find(predicate), { timeout, what });
}

/**
 * Runs the cluster's own kubectl (admin unless `kubeconfig` is given).
 * Throws on a non-zero exit unless `allowFailure`.
 */
export async function kubectl(
  args: string[],
  {
    kubeconfig = useCluster().kubeconfig,
    input,
    timeout = 60_000,
    allowFailure = false,
  }: { kubeconfig?: string; input?: string; timeout?: number; allowFailure?: boolean } = {},
): Promise<{ stdout: string; stderr: string; code: number }> {
  const cluster = useCluster();
  const cacheDir = join(cluster.dir, 'kubectl-cache');
  await mkdir(cacheDir, { recursive: true });
  const result = await new Promise<{ stdout: string; stderr: string; code: number }>((resolve, reject) => {
    const child = spawn(join(cluster.binDir, 'kubectl'), args, {
      env: { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: cacheDir },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({
        stdout,
        stderr: signal ? `${stderr}killed by ${signal} (timeout ${timeout} ms)` : stderr,
        code: code ?? 1,
      }),
    );
    child.stdin.end(input ?? '');
  });
  if (result.code !== 0 && !allowFailure) {
    throw new Error(`error: kubectl ${args.join(' ')} exited with ${result.code}: ${result.stderr.trim()}`);
  }
  return result;
}
