import { describe, expect, it } from 'vitest';
import type { Kube, ListOptions, ListResult, Query } from '../../../src/kube/client.js';
import { KubeApiError } from '../../../src/kube/errors.js';
import { loadExposureSources, toFacts } from '../../../src/kube/exposure-sources.js';
import type { ExposureScope } from '../../../src/exposure/run.js';
import { makeCanary } from '../../harness/canary.js';

const VALUE = makeCanary('hunter2');
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A Kube that answers from a table of collection paths; anything else is 404. */
class FakeKube implements Kube {
  readonly target = {
    contextName: 'test',
    clusterName: 'test',
    userName: 'test',
    server: 'https://fake',
    namespace: 'prod',
    sources: [],
  };
  roundTrips = 0;
  readonly requests: string[] = [];
  constructor(private readonly answers: Record<string, unknown[] | number | object>) {}

  private answer(path: string): unknown[] {
    this.roundTrips++;
    const a = this.answers[path];
    if (a === undefined || a === 404)
      throw new KubeApiError(404, 'NotFound', 'the server could not find the requested resource', 'GET', path);
    if (a === 403) throw new KubeApiError(403, 'Forbidden', `forbidden: ${path}`, 'GET', path);
    return a as unknown[];
  }
  async get<T>(path: string, query?: Query): Promise<T> {
    this.requests.push(`GET ${path}${query ? ` ${JSON.stringify(query)}` : ''}`);
    const fixed = this.answers[path];
    if (fixed && typeof fixed === 'object' && !Array.isArray(fixed)) return fixed as T; // discovery documents
    const slash = path.lastIndexOf('/');
    const collection = this.answers[path] === undefined ? this.answer(path.slice(0, slash)) : this.answer(path);
    if (this.answers[path] === undefined) {
      const found = collection.find((o: any) => o.metadata?.name === path.slice(slash + 1));
      if (!found) throw new KubeApiError(404, 'NotFound', 'not found', 'GET', path);
      return found as T;
    }
    // Paged collection: two items per page.
    const start = Number(query?.continue ?? 0);
    const page = collection.slice(start, start + 2);
    return { items: page, metadata: start + 2 < collection.length ? { continue: String(start + 2) } : {} } as T;
  }
  async list<T>(path: string, options?: ListOptions & { map?: (item: T) => unknown }): Promise<ListResult<T>> {
    const selected = /^metadata\.name=(.*)$/.exec(String(options?.query?.fieldSelector ?? ''));
    const all = (this.answer(path) as T[]).filter((i: any) => !selected || i.metadata?.name === selected[1]);
    // Pages of `limit` items, one recorded request each, mapped page by page like KubeClient.
    const size = options?.limit ?? Math.max(all.length, 1);
    const items: unknown[] = [];
    for (let start = 0; start === 0 || start < all.length; start += size) {
      this.requests.push(`LIST ${path}${options?.metadataOnly ? ' (metadata)' : ''}`);
      for (const item of all.slice(start, start + size)) items.push(options?.map ? options.map(item) : item);
    }
    return { items: items as T[], resourceVersion: '1' };
  }
  create<T>(): Promise<T> {
    throw new Error('read-only');
  }
  replace<T>(): Promise<T> {
    throw new Error('read-only');
  }
  patch<T>(): Promise<T> {
    throw new Error('read-only');
  }
  delete(): Promise<void> {
    throw new Error('read-only');
  }
}

const secret = (name: string, data: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  metadata: {
    name,
    namespace: 'prod',
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ data }), team: 'x' },
    managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:data': { 'f:password': {} } } }],
  },
  type: 'Opaque',
  data,
  ...extra,
});

const base = (ns = 'prod'): Record<string, unknown[] | number | object> => ({
  [`/api/v1/namespaces/${ns}/pods`]: [],
  [`/apis/apps/v1/namespaces/${ns}/deployments`]: [],
  [`/apis/apps/v1/namespaces/${ns}/replicasets`]: [],
  [`/apis/apps/v1/namespaces/${ns}/statefulsets`]: [],
  [`/apis/apps/v1/namespaces/${ns}/daemonsets`]: [],
  [`/apis/batch/v1/namespaces/${ns}/jobs`]: [],
  [`/apis/batch/v1/namespaces/${ns}/cronjobs`]: [],
  [`/api/v1/namespaces/${ns}/replicationcontrollers`]: [],
  [`/api/v1/namespaces/${ns}/serviceaccounts`]: [],
  [`/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses`]: [],
  '/apis/storage.k8s.io/v1/storageclasses': [],
});

const scope = (extra: Partial<ExposureScope> = {}): ExposureScope => ({
  namespace: 'prod',
  name: 'db',
  metadataOnly: false,
  showHashes: false,
  ...extra,
});

describe('toFacts: the only place Secret data is touched', () => {
  it('keeps key names and decoded sizes, drops values and the last-applied annotation', () => {
    const f = toFacts(secret('db', { password: b64(VALUE), empty: '', one: b64('x') }), false);
    expect(f.keys).toEqual([
      { name: 'empty', size: 0 },
      { name: 'one', size: 1 },
      { name: 'password', size: VALUE.length },
    ]);
    expect(f.metadata.annotations).toEqual({ team: 'x' });
    const text = JSON.stringify(f);
    expect(text).not.toContain(VALUE);
    expect(text).not.toContain(b64(VALUE));
    expect(text).not.toContain('managedFields');
  });

  it('hashes only when asked, truncated', () => {
    const f = toFacts(secret('db', { password: b64(VALUE) }), true);
    expect(f.keys![0]!.sha256).toMatch(/^[0-9a-f]{12}$/);
  });

  it('leaves keys unknown for PartialObjectMetadata (no type, no data)', () => {
    expect(toFacts({ metadata: { name: 'db', namespace: 'prod' } }, false).keys).toBeUndefined();
    expect(toFacts({ metadata: { name: 'db', namespace: 'prod' }, type: 'Opaque' }, false).keys).toEqual([]);
  });
});

describe('loadExposureSources', () => {
  it('asks discovery before listing CRD-based APIs, so a user who may not list them gets no 403 for APIs that do not exist', async () => {
    const kube = new FakeKube({ ...base(), '/api/v1/namespaces/prod/secrets': [] });
    await loadExposureSources(kube, scope());
    expect(kube.requests.filter((r) => r.includes('gateway') || r.includes('secrets-store'))).toEqual([
      'GET /apis/gateway.networking.k8s.io/v1',
      'GET /apis/secrets-store.csi.x-k8s.io/v1',
    ]);
  });

  it('skips APIs the cluster does not serve quietly (Gateway, SecretProviderClass)', async () => {
    const kube = new FakeKube({
      ...base(),
      '/api/v1/namespaces/prod/secrets': [secret('db', { password: b64(VALUE) })],
    });
    const loaded = await loadExposureSources(kube, scope());
    expect(loaded.gaps).toEqual([]);
    expect(loaded.secretsNote).toBeUndefined();
    expect(loaded.inputs.secrets!.map((s) => s.name)).toEqual(['db']);
    expect(JSON.stringify(loaded)).not.toContain(b64(VALUE));
  });

  it('turns refused lists into gaps and a refused Secret into a note (key checks skipped)', async () => {
    const kube = new FakeKube({
      ...base(),
      '/apis/apps/v1/namespaces/prod/daemonsets': 403,
      '/api/v1/namespaces/prod/serviceaccounts': 403,
      '/apis/gateway.networking.k8s.io/v1': { resources: [{ name: 'gateways' }, { name: 'gateways/status' }] },
      '/apis/gateway.networking.k8s.io/v1/gateways': 403,
      '/apis/gateway.networking.k8s.io/v1/namespaces/prod/gateways': [],
      '/api/v1/namespaces/prod/secrets': 403,
    });
    const loaded = await loadExposureSources(kube, scope());
    expect(loaded.gaps).toEqual([
      'cannot list daemonsets.apps in namespace prod (forbidden)',
      'cannot list serviceaccounts in namespace prod (forbidden)',
      'cannot list gateways.gateway.networking.k8s.io in all namespaces (forbidden): Gateways in other namespaces that point at this Secret are not shown',
    ]);
    expect(loaded.secretsNote).toMatch(/^cannot get secrets in namespace prod \(forbidden\): key checks skipped/);
    expect(loaded.inputs.secrets).toBeUndefined();
    expect(loaded.inputs.serviceAccountsKnown).toBe(false);
  });

  it('answers a missing Secret as known-absent', async () => {
    const kube = new FakeKube({ ...base(), '/api/v1/namespaces/prod/secrets': [] });
    expect((await loadExposureSources(kube, scope())).inputs.secrets).toEqual([]);
  });

  it('pages through Secrets for an inventory, reducing each page', async () => {
    const all = Array.from({ length: 5 }, (_, i) => secret(`s${i}`, { k: b64(`${VALUE}-${i}`) }));
    const kube = new FakeKube({ ...base(), '/api/v1/namespaces/prod/secrets': all });
    const loaded = await loadExposureSources(kube, scope({ name: undefined, limit: 2 }));
    expect(loaded.inputs.secrets!.map((s) => s.name)).toEqual(['s0', 's1', 's2', 's3', 's4']);
    expect(kube.requests.filter((r) => r.startsWith('LIST /api/v1/namespaces/prod/secrets'))).toHaveLength(3);
    expect(JSON.stringify(loaded)).not.toContain(VALUE.slice(0, 10));
  });

  it('uses a metadata-only list with --metadata-only', async () => {
    const kube = new FakeKube({
      ...base(),
      '/api/v1/namespaces/prod/secrets': [{ metadata: { name: 'db', namespace: 'prod' } }],
    });
    const loaded = await loadExposureSources(kube, scope({ metadataOnly: true }));
    expect(kube.requests).toContain('LIST /api/v1/namespaces/prod/secrets (metadata)');
    expect(loaded.inputs.secrets![0]!.keys).toBeUndefined();
    expect(loaded.secretsNote).toMatch(/--metadata-only/);
  });
});
