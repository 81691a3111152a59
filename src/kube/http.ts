import http from 'node:http';
import https from 'node:https';
import { KubeApiError, KubeConnectionError } from './errors.js';

export interface HttpRequest {
  method: string;
  url: URL;
  headers: Record<string, string | string[]>;
  body?: string | undefined;
  timeoutMs: number;
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
      { method: req.method, headers: withLength(req), agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', (e) => reject(connectionError(e, req)));
      },
    );
    if (req.timeoutMs > 0) {
      r.setTimeout(req.timeoutMs, () =>
        r.destroy(Object.assign(new Error(`request timed out after ${req.timeoutMs / 1000}s`), { code: 'ETIMEDOUT' })),
      );
    }
    r.on('error', (e) => reject(connectionError(e, req)));
    r.end(req.body);
  });
}

function withLength(req: HttpRequest): Record<string, string | string[]> {
  if (req.body === undefined) return req.headers;
  return { ...req.headers, 'Content-Length': String(Buffer.byteLength(req.body)) };
}

function connectionError(err: Error & { code?: string }, req: HttpRequest): KubeConnectionError {
  const code = err.code ?? 'EUNKNOWN';
  const message = code === 'ECONNREFUSED' ? 'connection refused' : err.message;
  return new KubeConnectionError(code, message, req.url.origin);
}

/** Builds the error for a non-2xx answer from the Status object the API server sends. */
export function apiError(res: HttpResponse, method: string, path: string): KubeApiError {
  let reason = http.STATUS_CODES[res.status] ?? 'Error';
  let message = res.body.toString('utf8').slice(0, 500).trim() || reason;
  try {
    const status = JSON.parse(res.body.toString('utf8')) as { reason?: string; message?: string };
    if (status.reason) reason = status.reason;
    if (status.message) message = status.message;
  } catch {
    // not a Status: keep the text
  }
  return new KubeApiError(res.status, reason, message, method, path);
}
