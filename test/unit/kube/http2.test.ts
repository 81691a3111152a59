// HTTP/2 as client-go speaks it: parallel requests share one TLS connection when the
// server offers h2 (ALPN), and everything stays on HTTP/1.1 when it does not or when
// DISABLE_HTTP2 is set. The real API server is the e2e proof (kubeconfig-auth, proxy,
// faults, who-can); these servers count connections and protocols.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import type { KubeClient } from '../../../src/kube/client.js';
import { clientOf as tlsClientOf, serveTls, testPki, type TestPki } from './tls-server.js';
import { KubeConnectionError } from '../../../src/kube/errors.js';
import { REPO, runProcess } from '../../harness/runCli.js';

interface Served {
  url: string;
  connections: number;
  protocols: string[];
  headers: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

let pki: TestPki;

beforeAll(async () => {
  pki = await testPki();
}, 30_000);

/** A TLS server that requires a client certificate; h2 (with HTTP/1.1 for clients that ask for it) or HTTP/1.1 only. */
async function serve(h2: boolean, answer: (path: string) => { status: number; body: string }): Promise<Served> {
  const protocols: string[] = [];
  const headers: Array<Record<string, unknown>> = [];
  const server = await serveTls(pki, h2, (req, res) => {
    protocols.push(req.httpVersion);
    headers.push({ ...req.headers });
    const { status, body } = answer(req.url ?? '');
    // answer slowly, so that HTTP/1.1 would need a socket per parallel request
    setTimeout(() => {
      (res as ServerResponse).writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    }, 30);
  });
  return {
    url: server.url,
    get connections() {
      return server.connections();
    },
    protocols,
    headers,
    close: server.close,
  };
}

function clientOf(url: string, env: NodeJS.ProcessEnv = {}): KubeClient {
  return tlsClientOf(pki, url, { env, impersonate: { groups: ['g1', 'g2'] } });
}

const list = (items: unknown[]) => ({ status: 200, body: JSON.stringify({ kind: 'List', metadata: {}, items }) });

describe('HTTP/2', () => {
  it('sends parallel requests on one connection when the server speaks h2, with the same headers and answers', async () => {
    const server = await serve(true, (path) => list([{ metadata: { name: path } }]));
    const kube = clientOf(server.url);
    try {
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => kube.list(`/api/v1/namespaces/n${i}/pods`)),
      );
      expect(answers.map((a) => (a.items[0] as { metadata: { name: string } }).metadata.name)).toEqual(
        Array.from({ length: 8 }, (_, i) => `/api/v1/namespaces/n${i}/pods?limit=500`),
      );
      expect(server.connections).toBe(1);
      expect(server.protocols).toEqual(Array(8).fill('2.0'));
      expect(server.headers[0]).toMatchObject({ 'user-agent': 'kubectl-secrets', 'impersonate-group': 'g1, g2' });
      // a later request reuses the connection
      await kube.get('/version');
      expect(server.connections).toBe(1);
    } finally {
      kube.close();
      await server.close();
    }
  });

  it('an API error over h2 is the same KubeApiError, with the Status message', async () => {
    const server = await serve(true, () => ({
      status: 403,
      body: JSON.stringify({ kind: 'Status', reason: 'Forbidden', message: 'pods is forbidden: User "alice"' }),
    }));
    const kube = clientOf(server.url);
    try {
      const err = await kube.list('/api/v1/pods').catch((e: unknown) => e);
      expect(err).toMatchObject({ status: 403, reason: 'Forbidden', message: 'pods is forbidden: User "alice"' });
    } finally {
      kube.close();
      await server.close();
    }
  });

  it('asks for gzip, as client-go does, and reads a gzipped answer (or a broken one as a connection error)', async () => {
    const items = Array.from({ length: 5000 }, (_, i) => ({ metadata: { name: `rb-${i}`, namespace: 'app' } }));
    const plain = JSON.stringify({ kind: 'List', metadata: {}, items });
    const seen: Array<string | undefined> = [];
    const server = await serveTls(pki, true, (req, res) => {
      const encoding = req.headers['accept-encoding'];
      seen.push(Array.isArray(encoding) ? encoding.join(',') : encoding);
      const r = res as ServerResponse;
      if (req.url?.startsWith('/version')) {
        r.writeHead(200, { 'content-type': 'application/json' });
        r.end('{"gitVersion":"v1.37.2"}'); // small: the API server sends it plain
      } else if (req.url?.startsWith('/broken')) {
        r.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        r.end(gzipSync(plain).subarray(0, 200));
      } else {
        r.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        r.end(gzipSync(plain));
      }
    });
    const kube = clientOf(server.url);
    try {
      const [listed, version] = await Promise.all([kube.list('/api/v1/pods', { limit: 10_000 }), kube.get('/version')]);
      expect(listed.items).toEqual(items);
      expect(version).toEqual({ gitVersion: 'v1.37.2' });
      expect(seen.slice(0, 2)).toEqual(['gzip', 'gzip']);
      const err = await kube.get('/broken').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KubeConnectionError);
      expect((err as Error).message).toContain('the answer could not be inflated');
    } finally {
      kube.close();
      await server.close();
    }
  });

  it('an answer that cannot be inflated is cancelled: the server stops writing it', async () => {
    const answers: { closed: boolean; timer: NodeJS.Timeout }[] = [];
    const server = await serveTls(pki, true, (_req, res) => {
      const r = res as ServerResponse;
      r.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      r.write(Buffer.from('this is no gzip stream'));
      // a long answer: it would keep coming for ten seconds
      const answer = { closed: false, timer: setInterval(() => r.write(Buffer.alloc(1024, 'x')), 20) };
      setTimeout(() => clearInterval(answer.timer), 10_000).unref();
      r.on('close', () => {
        answer.closed = true;
        clearInterval(answer.timer);
      });
      answers.push(answer);
    });
    const kube = clientOf(server.url);
    try {
      const err = await kube.get('/api/v1/pods').catch((e: unknown) => e);
      expect((err as Error).message).toContain('the answer could not be inflated');
      await new Promise((r) => setTimeout(r, 300));
      expect(answers.length).toBeGreaterThan(0);
      expect(answers.map((a) => a.closed)).toEqual(answers.map(() => true));
    } finally {
      for (const a of answers) clearInterval(a.timer);
      kube.close();
      await server.close();
    }
  });

  it('an abandoned list (its signal aborted) is cancelled, not retried; the connection serves the next request', async () => {
    for (const h2 of [true, false]) {
      const abort = new AbortController();
      // abandoned once the server has it (it answers 30 ms later)
      const server = await serve(h2, (path) => {
        if (path.includes('rolebindings')) setImmediate(() => abort.abort());
        return list([]);
      });
      const kube = clientOf(server.url);
      try {
        const listed = kube.list('/apis/rbac.authorization.k8s.io/v1/rolebindings', { signal: abort.signal });
        const err = await listed.catch((e: unknown) => e);
        expect(err, `h2 ${h2}`).toMatchObject({ name: 'AbortError' });
        await kube.get('/version');
        expect(server.headers).toHaveLength(2); // the abandoned list was not sent again
        if (h2) expect(server.connections).toBe(1);
      } finally {
        kube.close();
        await server.close();
      }
    }
  });

  it('stays on HTTP/1.1 with a server that does not offer h2', async () => {
    const server = await serve(false, () => list([]));
    const kube = clientOf(server.url);
    try {
      await Promise.all(Array.from({ length: 4 }, () => kube.list('/api/v1/pods')));
      expect(server.protocols).toEqual(Array(4).fill('1.1'));
      expect(server.headers[0]).toMatchObject({ 'impersonate-group': 'g1, g2' });
    } finally {
      kube.close();
      await server.close();
    }
  });

  it('DISABLE_HTTP2 keeps HTTP/1.1, as in client-go', async () => {
    const server = await serve(true, () => list([]));
    const kube = clientOf(server.url, { DISABLE_HTTP2: '1' });
    try {
      await Promise.all(Array.from({ length: 3 }, () => kube.list('/api/v1/pods')));
      expect(server.protocols).toEqual(Array(3).fill('1.1'));
    } finally {
      kube.close();
      await server.close();
    }
  });

  it('a request in flight on a new connection keeps the process alive after the old one went away (GOAWAY)', async () => {
    // /a: the server sends GOAWAY while answering it; /b, asked meanwhile, goes on a new connection and
    // is answered last. Only a process of its own shows it: nothing but that request keeps it alive.
    const server = http2.createSecureServer({
      key: readFileSync(pki.serving.key),
      cert: readFileSync(pki.serving.cert),
    });
    server.on('stream', (stream, headers) => {
      const answer = (): void => {
        stream.respond({ ':status': 200, 'content-type': 'application/json' });
        stream.end(JSON.stringify({ path: headers[':path'] }));
      };
      if (headers[':path'] === '/a') {
        setTimeout(() => stream.session?.goaway(0, stream.id), 50);
        setTimeout(answer, 300);
      } else setTimeout(answer, 900);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dir = mkdtempSync(join(tmpdir(), 'h2-goaway-'));
    writeFileSync(
      join(dir, 'client.ts'),
      `import { KubeClient } from ${JSON.stringify(join(REPO, 'src/kube/client.ts'))};
const kube = new KubeClient(
  {
    target: { contextName: 't', clusterName: 't', userName: 'u', server: ${JSON.stringify(url)}, namespace: 'default', sources: [] },
    cluster: { name: 't', cluster: { server: ${JSON.stringify(url)}, 'certificate-authority': ${JSON.stringify(pki.ca.cert)} } },
    user: { name: 'u', user: { token: 'x' } },
    inCluster: false,
  },
  { timeoutMs: 5000, verbosity: 0, log: () => undefined, env: {} },
);
const a = kube.get('/a');
await new Promise((r) => setTimeout(r, 150));
const b = kube.get('/b');
console.log(JSON.stringify([await a, await b]));
kube.close();
`,
    );
    await build({
      entryPoints: [join(dir, 'client.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: join(dir, 'client.mjs'),
      logLevel: 'silent',
    });
    try {
      // not spawnSync: the server answers from this process
      const run = await runProcess(process.execPath, [join(dir, 'client.mjs')]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual([{ path: '/a' }, { path: '/b' }]);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  }, 60_000);

  it('a server that is gone is a connection error, as on HTTP/1.1', async () => {
    const server = await serve(true, () => list([]));
    const url = server.url;
    await server.close();
    const kube = clientOf(url);
    try {
      const err = await kube.get('/version').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KubeConnectionError);
      expect((err as KubeConnectionError).code).toBe('ECONNREFUSED');
    } finally {
      kube.close();
    }
  });
});
