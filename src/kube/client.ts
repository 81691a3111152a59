import type http from 'node:http';
import type https from 'node:https';
import { existsSync } from 'node:fs';
import { setTimeout as wait } from 'node:timers/promises';
import tls from 'node:tls';
import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { apiError, parseJson, send, streamLines, type HttpResponse, type LineStream } from './http.js';
import { credentialsError, KubeConnectionError } from './errors.js';
import { execCredentialInfo } from './exec-info.js';
import type { ClusterTarget, ResolvedKubeconfig } from './kubeconfig.js';
import { proxyRoute, redactedProxy, type ProxyRoute } from './proxy.js';
import { readKubeconfigFile, staticAuthOptions } from './static-auth.js';
import { CliError, errorMessage } from '../errors.js';
import { createAgent } from './tunnel.js';
import { H2Connection, http2Disabled } from './h2.js';
import { PROTOBUF, protobufStatus, type ProtobufListDecoder } from './rbac-protobuf.js';
import { trustedRoots } from './trusted-roots.js';

export type Query = Record<string, string | number | boolean | undefined>;
export type PatchType = 'merge' | 'strategic' | 'json';

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};
/** Lists as PartialObjectMetadata carry names and labels only: no Secret values ever cross the wire.
 * No fallback to full objects: a server that cannot answer this way fails the request instead. */
const METADATA_ONLY = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';

export interface ListOptions {
  query?: Query;
  /** Page size (the API server's `limit`); the client follows `continue` tokens. */
  limit?: number;
  metadataOnly?: boolean;
  /** Called as each page arrives, with the number of items so far (progress). */
  onPage?: (items: number) => void;
  /** Let go of each item's metadata.managedFields as its page arrives (half of a pod's JSON, often). */
  withoutManagedFields?: boolean;
  /** Ask for protobuf too, and read a protobuf answer with this (built-in types only; JSON answers still parse). */
  protobuf?: ProtobufListDecoder<unknown>;
  /** Abandons the list: its requests are cancelled, and the list rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * A list asked for before it is known to be wanted: each page waits for this before it is read (no decoding
   * of an answer the caller may drop; aborting the signal settles it too).
   */
  readWhen?: Promise<unknown>;
}

/** A list whose items are turned into something else as each page arrives. */
export interface MappedListOptions<T, U> extends ListOptions {
  /** Applied to every item of a page before the next is fetched: the raw item (a Secret's data, say) is not kept. */
  map: (item: T) => U;
  /** Ask for the next page before this one is mapped, as unmapped lists do (items that hold no Secret data: pods). */
  readAhead?: boolean;
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

/** Everything the tool says to the API server goes through this interface. */
export interface Kube {
  readonly target: ClusterTarget;
  /** Round trips made so far (benchmarks check they don't grow with object counts). */
  readonly roundTrips: number;
  get<T>(path: string, query?: Query): Promise<T>;
  list<T>(path: string, options?: ListOptions): Promise<ListResult<T>>;
  list<T, U>(path: string, options: MappedListOptions<T, U>): Promise<ListResult<U>>;
  create<T>(path: string, body: unknown, query?: Query): Promise<T>;
  replace<T>(path: string, body: unknown): Promise<T>;
  patch<T>(path: string, body: unknown, type?: PatchType): Promise<T>;
  delete(path: string, body?: unknown): Promise<void>;
  /** A watch (`?watch=1` from `resourceVersion`): each event as it comes. Absent where watching is not possible. */
  watch?(path: string, query: Query, onEvent: (event: WatchEvent) => void): Promise<LineStream>;
}

/** One event of a watch: ADDED, MODIFIED, DELETED, BOOKMARK, or ERROR (with a Status as the object). */
export interface WatchEvent {
  type: string;
  object: { metadata?: { uid?: string; resourceVersion?: string }; code?: number; [key: string]: unknown };
}

export interface ClientOptions {
  impersonate?: { user?: string | undefined; groups?: string[] | undefined };
  timeoutMs: number;
  /** kubectl-style -v level: 6 logs each request line, never bodies. */
  verbosity: number;
  log: (line: string) => void;
  /** HTTPS_PROXY, HTTP_PROXY and NO_PROXY are read from here (default: none). */
  env?: NodeJS.ProcessEnv;
}

interface Credentials {
  agent: http.Agent;
  /** HTTP/2 to the API server when it speaks it (TLS, no proxy); else the agent's HTTP/1.1. */
  h2: H2Connection | undefined;
  headers: Record<string, string | string[]>;
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const RETRYABLE_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);
const MAX_ATTEMPTS = 3;

export class KubeClient implements Kube {
  readonly target: ClusterTarget;
  roundTrips = 0;
  private config: KubeConfig | undefined;
  private readonly tokenFile: string | undefined;
  private readonly plainHttp: boolean;
  private readonly proxy: ProxyRoute | undefined;
  private readonly tlsServerName: string | undefined;
  /** The kubeconfig cluster's `disable-compression` (kubectl 1.26+): no gzip asked for, as client-go then asks none. */
  private readonly compression: boolean;
  /** The credentials being fetched or in use: parallel first requests share one fetch (one exec plugin run, one agent). */
  private creds: Promise<Credentials> | undefined;
  private current: Credentials | undefined;

  constructor(
    private readonly resolved: ResolvedKubeconfig,
    private readonly options: ClientOptions,
  ) {
    this.target = resolved.target;
    const rawUser = (resolved.user.user ?? {}) as Record<string, unknown>;
    this.tokenFile = typeof rawUser.tokenFile === 'string' ? rawUser.tokenFile : undefined;
    this.plainHttp = resolved.target.server.startsWith('http:');
    const cluster = (resolved.cluster.cluster ?? {}) as Record<string, unknown>;
    const proxyUrl = typeof cluster['proxy-url'] === 'string' ? cluster['proxy-url'] : undefined;
    this.proxy = proxyRoute(new URL(resolved.target.server), proxyUrl, options.env ?? {});
    const serverName = cluster['tls-server-name'];
    this.tlsServerName = typeof serverName === 'string' && serverName !== '' ? serverName : undefined;
    this.compression = cluster['disable-compression'] !== true;
    if (this.proxy) this.trace(`using proxy ${redactedProxy(this.proxy.url)} (from ${this.proxy.source})`);
  }

  /** Exec plugins and auth-providers: client-node runs them. */
  private async pluginAuthOptions(): Promise<https.RequestOptions> {
    const opts: https.RequestOptions = { headers: {} };
    await (await this.kubeConfig()).applyToHTTPSOptions(opts);
    return opts;
  }

  /** client-node (auth: exec plugins, auth-providers) loads only for users that need it (staticAuthOptions). */
  private async kubeConfig(): Promise<KubeConfig> {
    if (this.config) return this.config;
    const { KubeConfig, newClusters, newUsers, runPluginsAsKubectl } = await import('./client-node-auth.js');
    // client-node refuses plain-HTTP servers (kubectl proxy) unless TLS checks are off; there is no TLS to check.
    const cluster = this.plainHttp
      ? {
          ...this.resolved.cluster,
          cluster: { ...(this.resolved.cluster.cluster as object), 'insecure-skip-tls-verify': true },
        }
      : this.resolved.cluster;
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: newClusters([cluster]),
      users: newUsers([this.resolved.user]),
      contexts: [{ name: 'target', cluster: this.resolved.cluster.name, user: this.resolved.user.name }],
      currentContext: 'target',
    });
    const user = (this.resolved.user.user ?? {}) as Record<string, unknown>;
    const exec = (user.exec ?? {}) as Record<string, unknown>;
    runPluginsAsKubectl(
      config,
      // the server as requests go to it (a kubeconfig's 10.0.0.1:6443 with its scheme)
      execCredentialInfo(exec, { ...(this.resolved.cluster.cluster as object), server: this.target.server }),
    );
    this.config = config;
    return config;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.json<T>('GET', path, { query });
  }

  list<T>(path: string, options?: ListOptions): Promise<ListResult<T>>;
  list<T, U>(path: string, options: MappedListOptions<T, U>): Promise<ListResult<U>>;
  async list<T, U>(
    path: string,
    options: ListOptions & { map?: (item: T) => U; readAhead?: boolean } = {},
  ): Promise<ListResult<T | U>> {
    const items: Array<T | U> = [];
    let resourceVersion = '';
    const fetchPage = (continueToken: string | undefined): Promise<HttpResponse> => {
      const url = this.url(path, { ...options.query, limit: options.limit ?? 500, continue: continueToken });
      const sent = this.exchange(
        'GET',
        url,
        undefined,
        {
          Accept: options.metadataOnly
            ? METADATA_ONLY
            : options.protobuf
              ? `${PROTOBUF}, application/json`
              : 'application/json',
        },
        options.signal,
      );
      sent.catch(() => undefined); // awaited below; a page asked for ahead must not fail unobserved meanwhile
      return sent;
    };
    let next: Promise<HttpResponse> | undefined = fetchPage(undefined);
    while (next) {
      const res: HttpResponse = await next;
      if (options.readWhen) await options.readWhen;
      options.signal?.throwIfAborted();
      const protobuf = options.protobuf && String(res.headers['content-type'] ?? '').startsWith(PROTOBUF);
      // asked for protobuf, the API server says why it refused in protobuf too
      if (res.status < 200 || res.status >= 300)
        throw apiError(res, 'GET', path, protobuf ? protobufStatus(res.body) : undefined);
      // The next page is asked for before this one is parsed: the server lists it while we parse. Not for a
      // mapped list unless it asks: its raw pages (a Secret's data, say) are let go one at a time.
      const ahead: string | undefined =
        (options.map && !options.readAhead) || protobuf ? undefined : continueOf(res.body);
      next = ahead === undefined ? undefined : ahead ? fetchPage(ahead) : undefined;
      if (next) await new Promise((r) => setImmediate(r)); // lets the request out before the parse holds the thread
      const page = (protobuf ? options.protobuf!(res.body) : parseJson(res.body)) as
        { items?: T[] | null; metadata?: { continue?: string; resourceVersion?: string } } | undefined;
      if (page === undefined)
        throw new Error(`the API server's answer to GET ${path} is not valid JSON (${res.body.length} bytes)`);
      if (options.withoutManagedFields) for (const item of page.items ?? []) forgetManagedFields(item);
      for (const item of page.items ?? []) items.push(options.map ? options.map(item) : item);
      options.onPage?.(items.length);
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      if (ahead === undefined && page.metadata?.continue) next = fetchPage(page.metadata.continue);
    }
    return { items, resourceVersion };
  }

  create<T>(path: string, body: unknown, query?: Query): Promise<T> {
    return this.json<T>('POST', path, { body, query });
  }

  replace<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>('PUT', path, { body });
  }

  patch<T>(path: string, body: unknown, type: PatchType = 'merge'): Promise<T> {
    return this.json<T>('PATCH', path, { body, contentType: PATCH_CONTENT_TYPES[type] });
  }

  async delete(path: string, body?: unknown): Promise<void> {
    await this.json('DELETE', path, { body });
  }

  async watch(path: string, query: Query, onEvent: (event: WatchEvent) => void): Promise<LineStream> {
    const url = new URL(this.target.server.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries({ ...query, watch: 1, allowWatchBookmarks: true }))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const { agent, headers } = await this.credentials();
    this.roundTrips++;
    this.trace(`WATCH ${url.href}`);
    return streamLines(
      agent,
      { method: 'GET', url, headers: { ...headers, Accept: 'application/json' }, timeoutMs: 0 },
      path,
      (line) => {
        const event = parseJson(line) as WatchEvent | undefined;
        if (event && typeof event.type === 'string' && event.object) onEvent(event);
      },
    );
  }

  private url(path: string, query: Query | undefined): URL {
    const url = new URL(this.target.server.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  private async json<T>(
    method: string,
    path: string,
    opts: { query?: Query | undefined; body?: unknown; contentType?: string | undefined; accept?: string | undefined },
  ): Promise<T> {
    const url = this.url(path, opts.query);
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const res = await this.exchange(method, url, body, {
      Accept: opts.accept ?? 'application/json',
      ...(body === undefined ? {} : { 'Content-Type': opts.contentType ?? 'application/json' }),
    });
    if (res.status < 200 || res.status >= 300) throw apiError(res, method, path);
    if (res.body.length === 0) return {} as T;
    const parsed = parseJson(res.body);
    if (parsed === undefined)
      throw new Error(`the API server's answer to ${method} ${path} is not valid JSON (${res.body.length} bytes)`);
    return parsed as T;
  }

  private async exchange(
    method: string,
    url: URL,
    body: string | undefined,
    extra: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<HttpResponse> {
    const idempotent = method === 'GET';
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      const used = await this.credentials();
      const { agent, h2, headers } = used;
      const started = Date.now();
      let res: HttpResponse;
      try {
        this.roundTrips++;
        const req = { method, url, headers: { ...headers, ...extra }, body, timeoutMs: this.options.timeoutMs, signal };
        res = (await h2?.send(req)) ?? (await send(agent, req));
      } catch (err) {
        const retry =
          idempotent && err instanceof KubeConnectionError && RETRYABLE_CODES.has(err.code) && attempt < MAX_ATTEMPTS;
        const why = signal?.aborted ? 'cancelled: no longer needed' : (err as Error).message;
        this.trace(`${method} ${url.href} failed after ${Date.now() - started} ms: ${why}`);
        signal?.throwIfAborted();
        if (!retry) throw err;
        await sleep(backoffMs(attempt), signal);
        continue;
      }
      this.trace(`${method} ${url.href} ${res.status} in ${Date.now() - started} ms`);
      if (res.status === 401 && attempt === 1) {
        // Exec plugins and token files hand out short-lived tokens: fetch a fresh one once.
        await this.refresh(used);
        continue;
      }
      if (RETRYABLE_STATUS.has(res.status) && attempt < MAX_ATTEMPTS && (idempotent || res.status === 429)) {
        const retryAfter = Number(res.headers['retry-after']);
        await sleep(
          Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 10) * 1000 : backoffMs(attempt),
          signal,
        );
        continue;
      }
      return res;
    }
  }

  private credentials(): Promise<Credentials> {
    this.creds ??= this.fetchCredentials().catch((err: unknown) => {
      this.creds = undefined;
      throw err;
    });
    return this.creds;
  }

  /** After a 401: the first request to get it fetches new credentials, the others wait for those. */
  private refresh(used: Credentials): Promise<Credentials> {
    if (this.current === used) {
      this.current = undefined;
      this.creds = undefined;
    }
    return this.credentials();
  }

  private async fetchCredentials(): Promise<Credentials> {
    const opts =
      staticAuthOptions(this.resolved) ??
      (await this.pluginAuthOptions().catch((err: unknown) => {
        throw credentialsError(err, this.target, (this.resolved.user.user ?? {}) as Record<string, unknown>);
      }));
    const headers: Record<string, string | string[]> = { 'User-Agent': 'kubectl-secrets' };
    for (const [k, v] of Object.entries(opts.headers ?? {}))
      if (typeof v === 'string' || Array.isArray(v)) headers[k] = v;
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    if (this.tokenFile)
      headers.Authorization = `Bearer ${readKubeconfigFile('tokenFile', this.tokenFile, this.resolved.user.name).toString('utf8').trim()}`;
    const { user, groups } = this.options.impersonate ?? {};
    if (user) headers['Impersonate-User'] = user;
    if (groups && groups.length > 0) headers['Impersonate-Group'] = groups;
    const secureContext = this.plainHttp ? undefined : this.secureContext(opts);
    const agent = createAgent({
      secure: !this.plainHttp,
      tls: {
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        // one context for every socket: given ca/cert/key alone, each new socket (parallel lists open
        // several) would parse the CA, the certificate and the key again
        secureContext,
        rejectUnauthorized: opts.rejectUnauthorized,
        servername: this.tlsServerName ?? opts.servername,
      },
      proxy: this.proxy,
      timeoutMs: this.options.timeoutMs,
    });
    const h2 =
      secureContext && !this.proxy && !http2Disabled(this.options.env ?? {})
        ? new H2Connection({
            server: new URL(this.target.server),
            tls: {
              secureContext,
              rejectUnauthorized: opts.rejectUnauthorized,
              servername: this.tlsServerName ?? opts.servername,
            },
            timeoutMs: this.options.timeoutMs,
            compression: this.compression,
          })
        : undefined;
    this.current?.agent.destroy();
    this.current?.h2?.close();
    this.current = { agent, h2, headers };
    return this.current;
  }

  /** One TLS context for every socket, or an error that names the kubeconfig user (OpenSSL's reason, never the PEM). */
  private secureContext(opts: https.RequestOptions): tls.SecureContext {
    try {
      return tls.createSecureContext({ ca: opts.ca ?? trustedRoots(), cert: opts.cert, key: opts.key });
    } catch (err) {
      throw new CliError(
        `the client certificate, key or CA of user "${this.resolved.user.name}" in the kubeconfig cannot be used: ${errorMessage(err)}`,
        { cause: err },
      );
    }
  }

  private trace(line: string): void {
    if (this.options.verbosity >= 6) this.options.log(line);
  }

  /** Lets the process exit without waiting for idle keep-alive sockets. */
  close(): void {
    this.current?.agent.destroy();
    this.current?.h2?.close();
  }
}

/**
 * Loads node:tls now rather than at the first request. Loading it starts reading the CA certificates (Node's own
 * and those of NODE_EXTRA_CA_CERTS, ~8 ms of CPU) on another thread, and the first TLS context waits for them:
 * started while the command line is parsed, that is done by the time the command connects (who-can
 * --direct-only waited 8-12 ms for it).
 */
export function loadTlsEarly(): void {
  // Node warns at once of a NODE_EXTRA_CA_CERTS it cannot read: then TLS loads when needed, after any usage error.
  const extra = process.env['NODE_EXTRA_CA_CERTS'];
  if (extra && !existsSync(extra)) return;
  void tls.DEFAULT_MIN_VERSION;
}

function forgetManagedFields(item: unknown): void {
  const metadata = (item as { metadata?: { managedFields?: unknown } } | null)?.metadata;
  // undefined rather than delete: the object keeps its shape (and its fast properties)
  if (metadata?.managedFields !== undefined) metadata.managedFields = undefined;
}

/**
 * The `continue` token of a list page, read from the list's own metadata, which the API server writes
 * before the items: '' when there is none, undefined when the head is not as expected (parse it all).
 */
export function continueOf(body: Buffer): string | undefined {
  const head = body.toString('utf8', 0, Math.min(body.length, 4096));
  const end = head.indexOf(',"items":');
  if (end < 0) return undefined;
  try {
    const parsed = JSON.parse(`${head.slice(0, end)}}`) as { metadata?: { continue?: unknown } };
    const token = parsed.metadata?.continue;
    return typeof token === 'string' ? token : '';
  } catch {
    return undefined;
  }
}

const backoffMs = (attempt: number): number => 200 * 2 ** (attempt - 1);
/** A wait before a retry; an abandoned request's ends at once (an AbortError). */
const sleep = (ms: number, signal?: AbortSignal): Promise<void> => wait(ms, undefined, signal ? { signal } : {});
