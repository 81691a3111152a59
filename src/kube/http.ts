import http from 'node:http';
import https from 'node:https';
import { KubeApiError, KubeConnectionError } from './errors.js';

export interface HttpRequest {
  method: string;
  url: URL;
  headers: Record<string, string | string[]>;
  body?: string | undefined;
  timeoutMs: number;
  /** Abandons the request (the answer is no longer wanted): HTTP/2 cancels the stream, HTTP/1.1 the socket. */
  signal?: AbortSignal | undefined;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One HTTP exchange; connection-level failures become KubeConnectionError. */
export function send(agent: http.Agent, req: HttpRequest): Promise<HttpResponse> {
  const transport = req.url.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    const r = transport.request(
      req.url,
      // Content-Length always: Node sends a DELETE body without it (nor chunking), and the
      // server then reads that body as the start of the next request on the kept-alive socket.
      { method: req.method, headers: withLength(req), agent, ...(req.signal ? { signal: req.signal } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', (e) => reject(connectionError(e, req)));
      },
    );
    if (req.timeoutMs > 0) {
      r.setTimeout(req.timeoutMs, () => r.destroy(timeoutError(req.timeoutMs)));
    }
    r.on('error', (e) => reject(connectionError(e, req)));
    r.end(req.body);
  });
}

function withLength(req: HttpRequest): Record<string, string | string[]> {
  if (req.body === undefined) return req.headers;
  return { ...req.headers, 'Content-Length': String(Buffer.byteLength(req.body)) };
}

/** A request that took longer than its timeout, as connectionError reads it (ETIMEDOUT). */
export function timeoutError(ms: number): Error & { code: string } {
  return Object.assign(new Error(`request timed out after ${ms / 1000}s`), { code: 'ETIMEDOUT' });
}

export function connectionError(err: Error & { code?: string }, req: HttpRequest): KubeConnectionError {
  const code = err.code ?? 'EUNKNOWN';
  const message = code === 'ECONNREFUSED' ? 'connection refused' : err.message;
  return new KubeConnectionError(code, message, req.url.origin);
}

/** Builds the error for a non-2xx answer from the Status object the API server sends. */
export function apiError(
  res: HttpResponse,
  method: string,
  path: string,
  /** The Status already read from a body that is not JSON (protobuf). */
  decoded?: StatusBody,
): KubeApiError {
  let reason = http.STATUS_CODES[res.status] ?? 'Error';
  // A body that is not a Status is never quoted: it could hold anything, a Secret's data included.
  let message = `${reason} (a ${res.body.length}-byte ${res.headers['content-type'] ?? 'untyped'} body that is not a Kubernetes Status)`;
  const status = decoded ?? (parseJson(res.body) as StatusBody | undefined);
  let causes: string[] = [];
  if (status?.kind === 'Status') {
    if (status.reason) reason = status.reason;
    if (status.message) message = status.message;
    causes = (status.details?.causes ?? []).map((c) => [c.field, c.reason].filter(Boolean).join(' ')).filter(Boolean);
  }
  return new KubeApiError(res.status, reason, message, method, path, causes);
}

interface StatusBody {
  kind?: string;
  reason?: string;
  message?: string;
  details?: { causes?: Array<{ field?: string; reason?: string }> };
}

/**
 * JSON.parse whose failure never quotes the input: V8's SyntaxError shows a
 * slice of the text, which for a Secret would be part of its value.
 */
export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A long-lived response read line by line (a watch): `done` settles when it ends; `close` ends it early. */
export interface LineStream {
  done: Promise<void>;
  close(): void;
}

/**
 * Sends a request whose answer is a stream of JSON lines (`?watch=1`) and
 * hands over each complete line. A non-2xx answer rejects `done` with the
 * API's error, as `send` would return it.
 */
export function streamLines(
  agent: http.Agent,
  req: HttpRequest,
  path: string,
  onLine: (line: Buffer) => void,
): LineStream {
  const transport = req.url.protocol === 'http:' ? http : https;
  let request: http.ClientRequest | undefined;
  let closed = false;
  const done = new Promise<void>((resolve, reject) => {
    request = transport.request(req.url, { method: req.method, headers: req.headers, agent }, (res) => {
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let pending: Buffer = Buffer.alloc(0);
      res.on('data', (c: Buffer) => {
        if (status < 200 || status >= 300) return void chunks.push(c);
        pending = pending.length ? Buffer.concat([pending, c]) : c;
        for (let nl = pending.indexOf(0x0a); nl >= 0; nl = pending.indexOf(0x0a)) {
          const line = pending.subarray(0, nl);
          pending = pending.subarray(nl + 1);
          if (line.length > 0 && !closed) onLine(line);
        }
      });
      res.on('end', () => {
        if (status < 200 || status >= 300)
          reject(apiError({ status, headers: res.headers, body: Buffer.concat(chunks) }, req.method, path));
        else resolve();
      });
      res.on('error', (e) => (closed ? resolve() : reject(connectionError(e, req))));
    });
    request.on('error', (e) => (closed ? resolve() : reject(connectionError(e, req))));
    request.end();
  });
  return {
    done,
    close() {
      closed = true;
      request?.destroy();
    },
  };
}
