// An in-memory Kube: answers lists from a table of paths, 403 for forbidden ones.
import type { Kube, ListOptions, ListResult, Query } from '../../../src/kube/client.js';
import { KubeApiError } from '../../../src/kube/errors.js';

export class FakeKube implements Kube {
  readonly target = {
    contextName: 'test',
    clusterName: 'test',
    userName: 'tester',
    server: 'https://fake',
    namespace: 'app',
    sources: [],
  };
  roundTrips = 0;
  readonly requests: string[] = [];
  readonly created: Array<{ path: string; body: any }> = [];

  constructor(
    private readonly lists: Record<string, unknown[]>,
    private readonly forbidden: string[] = [],
    private readonly answers: { version?: string; review?: (body: any) => boolean; failing?: string[] } = {},
  ) {}

  private check(path: string): void {
    this.roundTrips++;
    if (this.forbidden.includes(path)) throw new KubeApiError(403, 'Forbidden', `forbidden: ${path}`, 'GET', path);
    if (this.answers.failing?.includes(path))
      throw new KubeApiError(500, 'InternalError', `etcd went away: ${path}`, 'GET', path);
  }

  async get<T>(path: string): Promise<T> {
    this.requests.push(`GET ${path}`);
    this.check(path);
    if (path === '/version' && this.answers.version) return { gitVersion: this.answers.version } as T;
    throw new KubeApiError(404, 'NotFound', 'not found', 'GET', path);
  }

  async list<T>(path: string, options: ListOptions & { map?: (item: T) => unknown } = {}): Promise<ListResult<T>> {
    const q = options.query?.fieldSelector ? `?fieldSelector=${options.query.fieldSelector}` : '';
    const request = `LIST ${path}${q}${options.metadataOnly ? ' (metadata)' : ''}${options.protobuf ? ' (protobuf)' : ''}`;
    const at = this.requests.push(request) - 1;
    // asked for ahead (readWhen): its answer is read only once the caller wants it; an abandoned one is marked
    if (options.readWhen) await options.readWhen;
    if (options.signal?.aborted) {
      this.requests[at] = `${request} (dropped)`;
      this.roundTrips++;
      throw options.signal.reason;
    }
    this.check(path);
    let items = (this.lists[path] ?? []) as T[];
    const selected = /^metadata\.name=(.*)$/.exec(String(options.query?.fieldSelector ?? ''));
    if (selected) items = items.filter((i: any) => i.metadata?.name === selected[1]);
    return { items: (options.map ? items.map(options.map) : items) as T[], resourceVersion: '1' };
  }

  async create<T>(path: string, body: any, _query?: Query): Promise<T> {
    this.requests.push(`POST ${path}`);
    this.check(path);
    this.created.push({ path, body });
    return { status: { allowed: this.answers.review?.(body) ?? false } } as T;
  }

  async replace<T>(): Promise<T> {
    throw new Error('not used');
  }
  async patch<T>(): Promise<T> {
    throw new Error('not used');
  }
  async delete(): Promise<void> {
    throw new Error('not used');
  }
}
