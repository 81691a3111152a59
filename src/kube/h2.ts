// HTTP/2 to the API server, as client-go speaks it: every request of a command
// on one TLS connection (who-can's 8 to 15 parallel lists would otherwise open
// as many connections, each with its own TLS handshake). Offered through ALPN:
// a server that answers with HTTP/1.1 (a proxy, kubectl proxy, a test server)
// gets HTTP/1.1 from then on, through the agent as before.
import http2 from 'node:http2';
import tls from 'node:tls';
import zlib from 'node:zlib';
import { connectionError, timeoutError, type HttpRequest, type HttpResponse } from './http.js';
import type { KubeConnectionError } from './errors.js';
import { sni, unbracketed } from './server-name.js';

/** What the HTTP/2 connection needs: the TLS settings the agent would use. */
export interface H2Options {
  server: URL;
  tls: Pick<tls.ConnectionOptions, 'secureContext' | 'rejectUnauthorized' | 'servername'>;
  timeoutMs: number;
  /** Asks for gzip, as client-go does unless the kubeconfig cluster says `disable-compression: true`. */
  compression: boolean;
}

/** Flow-control windows large enough that a list page of tens of MB streams without waiting for WINDOW_UPDATEs. */
const STREAM_WINDOW = 16 * 1024 * 1024;
const CONNECTION_WINDOW = 64 * 1024 * 1024;

/** Bytes of a gzipped answer inflated at once (zlib's default, 16 KiB, would hand back a 4 MB list in 240 pieces). */
const INFLATED_CHUNK = 256 * 1024;

/** `DISABLE_HTTP2` (any value), as client-go reads it, keeps every request on HTTP/1.1. */
export const http2Disabled = (env: NodeJS.ProcessEnv): boolean => Boolean(env.DISABLE_HTTP2);

export class H2Connection {
  /** The open session; 'http/1.1' once the server has said it does not speak h2. */
  private session: Promise<http2.ClientHttp2Session | 'http/1.1'> | undefined;
  /** Streams in flight per session: a session holds the process open while it has one (a forgotten one may still). */
  private readonly active = new WeakMap<http2.ClientHttp2Session, number>();
  private closed = false;
  /** Counts connections, so that one ending forgets only itself. */
  private generation = 0;

  constructor(private readonly options: H2Options) {}

  /**
   * Sends the request over HTTP/2, or answers undefined when the server speaks only HTTP/1.1 (the caller then
   * sends it as before). Connection failures are KubeConnectionErrors, as with HTTP/1.1.
   */
  async send(req: HttpRequest): Promise<HttpResponse | undefined> {
    const session = await this.open(req);
    if (session === 'http/1.1') return undefined;
    return this.exchange(session, req);
  }

  close(): void {
    this.closed = true;
    const session = this.session;
    this.session = undefined;
    void session?.then(
      (s) => s !== 'http/1.1' && s.destroy(),
      () => undefined,
    );
  }

  /** The next request connects again, unless a newer session has replaced this one. */
  private forget(session: http2.ClientHttp2Session): void {
    const held = this.session;
    void held?.then(
      (current) => {
        if (current === session && this.session === held) this.session = undefined;
      },
      () => undefined,
    );
  }

  private open(req: HttpRequest): Promise<http2.ClientHttp2Session | 'http/1.1'> {
    if (this.closed) return Promise.resolve('http/1.1');
    if (!this.session) {
      const opening = this.connect(req);
      this.session = opening;
      // A failed connection is not kept: the next request (a retry) connects again.
      opening.catch(() => {
        if (this.session === opening) this.session = undefined;
      });
    }
    return this.session;
  }

  private connect(req: HttpRequest): Promise<http2.ClientHttp2Session | 'http/1.1'> {
    const generation = ++this.generation;
    const { server, tls: tlsOptions, timeoutMs } = this.options;
    const host = unbracketed(server.hostname);
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        ...tlsOptions,
        ...sni(host, tlsOptions.servername),
        port: Number(server.port) || 443,
        ALPNProtocols: ['h2', 'http/1.1'],
      });
      const fail = (err: Error & { code?: string }): void => {
        socket.destroy();
        reject(connectionError(err, req));
      };
      if (timeoutMs > 0) socket.setTimeout(timeoutMs, () => fail(timeoutError(timeoutMs)));
      socket.once('error', fail);
      socket.once('secureConnect', () => {
        socket.setTimeout(0);
        socket.removeListener('error', fail);
        if (socket.alpnProtocol !== 'h2') {
          socket.destroy();
          resolve('http/1.1');
          return;
        }
        const session = http2.connect(server.origin, {
          createConnection: () => socket,
          settings: { initialWindowSize: STREAM_WINDOW },
        });
        session.setLocalWindowSize(CONNECTION_WINDOW);
        // A connection that ends (GOAWAY, reset, idle close) is replaced by a new one for the next request.
        const forget = (): void => {
          if (this.generation === generation) this.session = undefined;
        };
        session.once('close', forget);
        session.once('goaway', forget);
        session.on('error', () => undefined); // each stream reports its own failure
        session.unref();
        resolve(session);
      });
    });
  }

  private exchange(session: http2.ClientHttp2Session, req: HttpRequest): Promise<HttpResponse> {
    const headers: http2.OutgoingHttpHeaders = {
      ':method': req.method,
      ':path': `${req.url.pathname}${req.url.search}`,
    };
    for (const [name, value] of Object.entries(req.headers)) headers[name.toLowerCase()] = value;
    // As client-go's transport asks: the API server gzips answers past 128 KiB. Its DATA frames carry 4 KiB each
    // (Go's handler buffer), each a turn of this thread (~20 µs): 10,000 RoleBindings as protobuf come in 939
    // frames, gzipped in 108 (a ninth of the bytes), inflated on the thread pool as they come.
    if (this.options.compression) headers['accept-encoding'] ??= 'gzip';
    if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
    const streams = this.active.get(session) ?? 0;
    this.active.set(session, streams + 1);
    if (streams === 0) session.ref();
    let cancel: (() => void) | undefined;
    const done = (): void => {
      if (cancel) req.signal?.removeEventListener('abort', cancel);
      const left = (this.active.get(session) ?? 1) - 1;
      this.active.set(session, left);
      if (left === 0 && !session.destroyed) session.unref();
    };
    return new Promise<HttpResponse>((resolve, reject) => {
      let stream: http2.ClientHttp2Stream;
      try {
        stream = session.request(headers, { endStream: req.body === undefined });
      } catch (err) {
        // The session closed between open() and now: a connection failure, retried as one. A newer session stays.
        this.forget(session);
        reject(asReset((err as Error).message, req));
        return;
      }
      let status = 0;
      let responseHeaders: http2.IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      const answer = (): void => resolve({ status, headers: responseHeaders, body: Buffer.concat(chunks) });
      let gunzip: zlib.Gunzip | undefined;
      let ended = false;
      stream.on('response', (h) => {
        status = Number(h[':status']) || 0;
        responseHeaders = h;
        if (String(h['content-encoding'] ?? '').toLowerCase() !== 'gzip') return;
        // the body as if it had come plain: callers read it, and its length, as before
        const { 'content-encoding': _gzip, 'content-length': _compressed, ...plain } = h;
        responseHeaders = plain;
        gunzip = zlib.createGunzip({ chunkSize: INFLATED_CHUNK });
        gunzip.on('data', (c: Buffer) => chunks.push(c));
        gunzip.on('end', answer);
        // a broken gzip stream is a broken answer: retried as a reset would be, and the API server told to stop writing it
        gunzip.on('error', (err) => {
          reject(asReset(`the answer could not be inflated (${err.message})`, req));
          stream.close(http2.constants.NGHTTP2_CANCEL);
        });
      });
      let compressed = 0;
      stream.on('data', (c: Buffer) => {
        if (!gunzip) chunks.push(c);
        else {
          compressed += c.length;
          gunzip.write(c);
        }
      });
      stream.on('end', () => {
        ended = true;
        if (!gunzip) answer();
        else if (compressed === 0)
          answer(); // no body at all (an empty answer is not a gzip stream)
        else gunzip.end();
      });
      // closed without an answer and without an error (the connection went away): as a reset on HTTP/1.1
      stream.on('close', () => {
        if (!ended) reject(asReset('the connection closed before the answer', req));
      });
      stream.on('error', (err: Error & { code?: string }) =>
        // a stream or connection failure is what ECONNRESET is on HTTP/1.1: retried for idempotent requests
        reject(err.code?.startsWith('ERR_HTTP2') ? asReset(err.message, req) : connectionError(err, req)),
      );
      if (req.timeoutMs > 0) {
        stream.setTimeout(req.timeoutMs, () => stream.destroy(timeoutError(req.timeoutMs)));
      }
      if (req.signal) {
        // an abandoned request: RST_STREAM(CANCEL) tells the API server to stop writing the answer; it settles
        // as abandoned, not with what had come (closing ends the stream as if the answer were whole)
        cancel = () => {
          reject(req.signal!.reason as Error);
          stream.close(http2.constants.NGHTTP2_CANCEL);
          gunzip?.destroy();
        };
        if (req.signal.aborted) cancel();
        else req.signal.addEventListener('abort', cancel, { once: true });
      }
      if (req.body !== undefined) stream.end(req.body);
    }).finally(done);
  }
}

/** A failure of the connection retried as a reset one is on HTTP/1.1 (ECONNRESET: idempotent requests are retried). */
function asReset(message: string, req: HttpRequest): KubeConnectionError {
  return connectionError(Object.assign(new Error(message), { code: 'ECONNRESET' }), req);
}
