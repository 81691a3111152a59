// Small real proxies on loopback for tests: an HTTP CONNECT proxy (plain or
// TLS), a SOCKS5 proxy (no auth or user/password), and a TCP forwarder.
// Each resolves host names through its own `hosts` map, so a kubeconfig can
// name a server that only the proxy can reach.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

export interface TestProxy {
  url: string;
  /** `host:port` of every tunnel opened, in order. */
  tunnels: string[];
  close(): Promise<void>;
}

export interface ProxyOptions {
  /** Names only the proxy can resolve: name → IP. */
  hosts?: Record<string, string>;
  /** Required credentials (Proxy-Authorization for HTTP, RFC 1929 for SOCKS5). */
  auth?: { user: string; password: string };
  /** Serve the proxy itself over TLS (an `https://` proxy). */
  tls?: { cert: string; key: string };
  /** Bind address (default 127.0.0.1). */
  host?: string;
  /** Accept CONNECT, then never forward a byte: requests hang (for interrupt tests). */
  stall?: boolean;
}

const resolve = (hosts: Record<string, string> | undefined, name: string): string => hosts?.[name] ?? name;

function tracked(server: net.Server, scheme: string, host: string, tunnels: string[]): Promise<TestProxy> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((ok) =>
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      ok({
        url: `${scheme}://${host}:${port}`,
        tunnels,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    }),
  );
}

function pipe(client: net.Socket, upstream: net.Socket): void {
  client.pipe(upstream).pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
}

/** An HTTP proxy that answers CONNECT only (what clients use for https:// servers). */
export function startConnectProxy(opts: ProxyOptions = {}): Promise<TestProxy> {
  const tunnels: string[] = [];
  const server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }) : http.createServer();
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(405, { 'Content-Type': 'text/plain' }).end('CONNECT only\n');
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    // A client killed before it read our answer resets the connection: no error of the test process.
    client.on('error', () => client.destroy());
    const expected = opts.auth && `Basic ${Buffer.from(`${opts.auth.user}:${opts.auth.password}`).toString('base64')}`;
    if (expected && req.headers['proxy-authorization'] !== expected) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
      return;
    }
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(req.url ?? '');
    if (!m) {
      client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    tunnels.push(req.url!);
    if (opts.stall) {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      return;
    }
    const upstream = net.connect(Number(m[2]), resolve(opts.hosts, m[1]!), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      pipe(client, upstream);
    });
    upstream.once('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
  });
  return tracked(server, opts.tls ? 'https' : 'http', opts.host ?? '127.0.0.1', tunnels);
}

/** A SOCKS5 proxy (RFC 1928 CONNECT; RFC 1929 user/password when `auth` is set). */
export function startSocks5Proxy(opts: ProxyOptions = {}): Promise<TestProxy> {
  const tunnels: string[] = [];
  const server = net.createServer((client) => {
    client.on('error', () => client.destroy());
    const { read: reader, release } = byteReader(client);
    void (async () => {
      const [version, count] = await reader(2);
      const methods = await reader(count!);
      if (version !== 5) return client.destroy();
      const method = opts.auth ? 0x02 : 0x00;
      if (!methods.includes(method)) return client.end(Buffer.from([5, 0xff]));
      client.write(Buffer.from([5, method]));
      if (opts.auth) {
        const [, userLength] = await reader(2);
        const user = (await reader(userLength!)).toString();
        const [passwordLength] = await reader(1);
        const password = (await reader(passwordLength!)).toString();
        const ok = user === opts.auth.user && password === opts.auth.password;
        client.write(Buffer.from([1, ok ? 0 : 1]));
        if (!ok) return client.end();
      }
      const [, command, , type] = await reader(4);
      let host: string;
      if (type === 1) host = [...(await reader(4))].join('.');
      else if (type === 3) host = (await reader((await reader(1))[0]!)).toString();
      else host = (await reader(16)).toString('hex').replace(/(.{4})(?!$)/g, '$1:');
      const port = (await reader(2)).readUInt16BE(0);
      const reply = (code: number): Buffer => Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]);
      if (command !== 1) return client.end(reply(7));
      tunnels.push(`${host}:${port}`);
      const upstream = net.connect(port, resolve(opts.hosts, host), () => {
        const early = release();
        client.write(reply(0));
        if (early.length > 0) upstream.write(early);
        pipe(client, upstream);
      });
      upstream.once('error', () => client.end(reply(5)));
    })().catch(() => client.destroy());
  });
  return tracked(server, 'socks5', opts.host ?? '127.0.0.1', tunnels);
}

/** Reads exact byte counts from a socket during a handshake; `release` stops reading and returns what is left over. */
function byteReader(socket: net.Socket): { read: (n: number) => Promise<Buffer>; release: () => Buffer } {
  let buffered = Buffer.alloc(0);
  let waiting: { n: number; done: (b: Buffer) => void; fail: (e: Error) => void } | undefined;
  const settle = (): void => {
    if (!waiting || buffered.length < waiting.n) return;
    const { n, done } = waiting;
    waiting = undefined;
    const chunk = buffered.subarray(0, n);
    buffered = buffered.subarray(n);
    done(chunk);
  };
  const onData = (d: Buffer): void => {
    buffered = Buffer.concat([buffered, d]);
    settle();
  };
  socket.on('data', onData);
  socket.once('close', () => waiting?.fail(new Error('closed')));
  return {
    read: (n) =>
      new Promise((done, fail) => {
        waiting = { n, done, fail };
        settle();
      }),
    release: () => {
      socket.pause();
      socket.off('data', onData);
      return buffered;
    },
  };
}

/** Forwards every TCP connection on `host` to `target` (e.g. 127.0.0.2 → the API server). */
export function startForwarder(target: { host: string; port: number }, host = '127.0.0.1'): Promise<TestProxy> {
  const tunnels: string[] = [];
  const server = net.createServer((client) => {
    tunnels.push(`${target.host}:${target.port}`);
    const upstream = net.connect(target.port, target.host);
    pipe(client, upstream);
  });
  return tracked(server, 'tcp', host, tunnels);
}
