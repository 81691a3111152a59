import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { PROXY_DEFAULT_PORTS, redactedProxy, type ProxyRoute } from './proxy.js';
import { sni, unbracketed } from './server-name.js';
import { trustedRoots } from './trusted-roots.js';

/** What the agents need to reach the API server: TLS settings, and the proxy if there is one. */
export interface AgentOptions {
  /** The API server speaks TLS (https://). */
  secure: boolean;
  tls: Pick<tls.ConnectionOptions, 'ca' | 'cert' | 'key' | 'secureContext' | 'rejectUnauthorized' | 'servername'>;
  proxy?: ProxyRoute | undefined;
  /** Bounds the proxy handshake (the request timeout only starts once a socket exists). */
  timeoutMs: number;
}

/** The connection pool for one API server: direct, or through an HTTP CONNECT or SOCKS5 proxy. */
export function createAgent(options: AgentOptions): http.Agent {
  const base = { keepAlive: true };
  if (!options.proxy) return options.secure ? new https.Agent({ ...base, ...options.tls }) : new http.Agent(base);
  const route = options.proxy;
  const connect = (
    target: { host: string; port: number },
    done: (err: Error | null, socket?: Duplex) => void,
  ): void => {
    openTunnel(route, target, options).then(
      (socket) =>
        done(
          null,
          options.secure
            ? tls.connect({ ...options.tls, ...sni(target.host, options.tls.servername), socket })
            : socket,
        ),
      (err: Error) => done(err),
    );
  };
  if (options.secure) {
    return new (class extends https.Agent {
      override createConnection(
        o: http.ClientRequestArgs,
        done: (err: Error | null, socket: Duplex) => void,
      ): undefined {
        connect(targetOf(o), done as (err: Error | null, socket?: Duplex) => void);
        return undefined;
      }
    })({ ...base, ...options.tls });
  }
  return new (class extends http.Agent {
    override createConnection(o: http.ClientRequestArgs, done: (err: Error | null, socket: Duplex) => void): undefined {
      connect(targetOf(o), done as (err: Error | null, socket?: Duplex) => void);
      return undefined;
    }
  })(base);
}

function targetOf(o: http.ClientRequestArgs): { host: string; port: number } {
  const host = unbracketed(String(o.host ?? o.hostname ?? 'localhost'));
  return { host, port: Number(o.port) || (o.protocol === 'http:' ? 80 : 443) };
}

/** A connection failure on the way through the proxy, named so the user knows which hop failed. */
export class ProxyError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProxyError';
  }
}

/** Opens a raw TCP stream to `target` through the proxy (CONNECT for http/https proxies, SOCKS5 otherwise). */
export async function openTunnel(
  route: ProxyRoute,
  target: { host: string; port: number },
  options: AgentOptions,
): Promise<net.Socket> {
  const proxy = route.url;
  const where = `proxy ${redactedProxy(proxy)} (${route.source})`;
  const proxyHost = unbracketed(proxy.hostname);
  const proxyPort = Number(proxy.port) || PROXY_DEFAULT_PORTS[proxy.protocol]!;
  try {
    if (proxy.protocol === 'socks5:' || proxy.protocol === 'socks5h:') {
      // `socks` sends a host name to the proxy unresolved, as client-go does: the proxy's DNS decides.
      const { SocksClient } = await import('socks');
      const { socket } = await SocksClient.createConnection({
        proxy: { host: proxyHost, port: proxyPort, type: 5, ...socksAuth(proxy) },
        command: 'connect',
        destination: target,
        timeout: options.timeoutMs > 0 ? options.timeoutMs : 30_000,
      });
      return socket;
    }
    return await httpConnect(proxy, proxyHost, proxyPort, target, options);
  } catch (err) {
    if (err instanceof ProxyError) throw new ProxyError(err.code, `${where}: ${err.message}`);
    const e = err as Error & { code?: string };
    // `socks` reports a refused connection in its message only.
    const refused = e.code === 'ECONNREFUSED' || /\bECONNREFUSED\b/.test(e.message);
    const message = refused ? 'connection refused' : e.message;
    // Only a timeout keeps its code: the rest are the proxy's failures, not the API server's.
    throw new ProxyError(e.code === 'ETIMEDOUT' ? 'ETIMEDOUT' : 'EPROXY', `${where}: ${message}`);
  }
}

function socksAuth(proxy: URL): { userId?: string; password?: string } {
  if (!proxy.username) return {};
  return { userId: decodeURIComponent(proxy.username), password: decodeURIComponent(proxy.password) };
}

function httpConnect(
  proxy: URL,
  host: string,
  port: number,
  target: { host: string; port: number },
  options: AgentOptions,
): Promise<net.Socket> {
  const authority = `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
  const headers: Record<string, string> = { Host: authority };
  if (proxy.username) {
    const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
    headers['Proxy-Authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  const secureProxy = proxy.protocol === 'https:';
  // An https proxy is verified like the API server, against the system roots and the kubeconfig's CA.
  // SNI never carries an IP address (Node 22+ refuses one): '' keeps Node from taking the CONNECT's Host
  // header for it, and the certificate is then checked against the proxy's address.
  const proxyTls = secureProxy ? { ca: withSystemRoots(options.tls.ca), servername: net.isIP(host) ? '' : host } : {};
  return new Promise((resolve, reject) => {
    const req = (secureProxy ? https : http).request({
      host,
      port,
      method: 'CONNECT',
      path: authority,
      headers,
      agent: false,
      ...proxyTls,
    });
    const timeout = options.timeoutMs > 0 ? options.timeoutMs : 30_000;
    req.setTimeout(timeout, () =>
      req.destroy(new ProxyError('ETIMEDOUT', `no answer to CONNECT within ${timeout / 1000}s`)),
    );
    req.once('connect', (res, socket, head) => {
      req.setTimeout(0);
      if (res.statusCode !== 200) {
        socket.destroy();
        reject(
          new ProxyError('EPROXY', `CONNECT ${authority} refused: ${res.statusCode} ${res.statusMessage ?? ''}`.trim()),
        );
        return;
      }
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    req.once('error', reject);
    req.end();
  });
}

/** The CAs an https proxy is checked against: the ones trusted without a kubeconfig CA (trusted-roots.ts), and the kubeconfig's. */
function withSystemRoots(ca: tls.ConnectionOptions['ca']): tls.ConnectionOptions['ca'] {
  const roots = trustedRoots();
  if (ca === undefined) return roots;
  return [...(roots ?? tls.rootCertificates), ...(Array.isArray(ca) ? ca : [ca])];
}
