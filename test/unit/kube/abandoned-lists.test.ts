// Lists abandoned by their caller (ListOptions.signal): settled at once, cancelled on the wire, said so at -v 6.
import { mkdtempSync, readFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeCA, makeCert } from '../../cluster/pki.mjs';
import { KubeClient } from '../../../src/kube/client.js';

let ca: { cert: string; key: string };
let serving: { cert: string; key: string };
let client: { cert: string; key: string };
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'r3-'));
  ca = await makeCA(dir, 'test-ca');
  serving = await makeCert(dir, ca, { name: 'server', commonName: 'server', server: { dns: [], ips: ['127.0.0.1'] } });
  client = await makeCert(dir, ca, { name: 'alice', commonName: 'alice' });
}, 30_000);

type Res = ServerResponse | http2.Http2ServerResponse;
async function serve(h2: boolean, handler: (url: string, res: Res) => void) {
  const paths: string[] = [];
  const options = {
    key: readFileSync(serving.key),
    cert: readFileSync(serving.cert),
    ca: readFileSync(ca.cert),
    requestCert: true,
    rejectUnauthorized: true,
  };
  const h = (req: IncomingMessage | http2.Http2ServerRequest, res: Res) => {
    paths.push(req.url ?? '');
    handler(req.url ?? '', res);
  };
  const server = h2 ? http2.createSecureServer({ ...options, allowHTTP1: true }, h) : https.createServer(options, h);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    paths,
    close: () =>
      new Promise<void>((r) => {
        (server as https.Server).closeAllConnections?.();
        server.close(() => r());
      }),
  };
}
function clientOf(url: string, log: string[] = []): KubeClient {
  return new KubeClient(
    {
      target: { contextName: 't', clusterName: 't', userName: 'alice', server: url, namespace: 'default', sources: [] },
      cluster: { name: 't', cluster: { server: url, 'certificate-authority': ca.cert } },
      user: { name: 'alice', user: { 'client-certificate': client.cert, 'client-key': client.key } },
      inCluster: false,
    },
    { timeoutMs: 20000, verbosity: 6, log: (l) => log.push(l), env: {} },
  );
}

describe('abandoned lists', () => {
  for (const h2 of [true, false]) {
    it(`h2=${h2}: an abort during a 429 Retry-After backoff settles the list at once`, async () => {
      const abort = new AbortController();
      const server = await serve(h2, (_url, res) => {
        (res as ServerResponse).writeHead(429, { 'retry-after': '5', 'content-type': 'application/json' });
        res.end('{"kind":"Status","code":429}');
        setTimeout(() => abort.abort(), 50);
      });
      const kube = clientOf(server.url);
      try {
        const t0 = Date.now();
        const err = await kube
          .list('/apis/rbac.authorization.k8s.io/v1/rolebindings', { signal: abort.signal })
          .catch((e: unknown) => e);
        const ms = Date.now() - t0;
        expect(err).toMatchObject({ name: 'AbortError' });
        expect(ms, 'settled this long after the abort').toBeLessThan(1000);
      } finally {
        kube.close();
        await server.close();
      }
    }, 20_000);

    it(`h2=${h2}: an abort after the headers, mid-body, settles the list and frees the connection`, async () => {
      const abort = new AbortController();
      const server = await serve(h2, (url, res) => {
        if (url.startsWith('/version')) return void res.end('{"gitVersion":"v1"}');
        (res as ServerResponse).writeHead(200, { 'content-type': 'application/json' });
        (res as ServerResponse).write('{"kind":"List","metadata":{},"items":[');
        setTimeout(() => abort.abort(), 50);
      });
      const log: string[] = [];
      const kube = clientOf(server.url, log);
      try {
        const t0 = Date.now();
        const err = await kube
          .list('/apis/rbac.authorization.k8s.io/v1/rolebindings', { signal: abort.signal })
          .catch((e: unknown) => e);
        expect(err).toMatchObject({ name: 'AbortError' });
        expect(Date.now() - t0).toBeLessThan(1000);
        expect(server.paths.filter((p) => p.includes('rolebindings'))).toHaveLength(1);
        await kube.get('/version');
        expect(log.join('\n')).toContain('cancelled: no longer needed');
      } finally {
        kube.close();
        await server.close();
      }
    }, 20_000);

    it(`h2=${h2}: abort between pages (readWhen pending): rejects, the next page is never asked for`, async () => {
      const abort = new AbortController();
      let resolveWanted!: () => void;
      const wanted = new Promise<void>((r) => (resolveWanted = r));
      const server = await serve(h2, (_url, res) => {
        (res as ServerResponse).writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'List', metadata: { continue: 'tok' }, items: [{ metadata: { name: 'a' } }] }));
      });
      const kube = clientOf(server.url);
      try {
        const listed = kube.list('/apis/rbac.authorization.k8s.io/v1/rolebindings', {
          signal: abort.signal,
          readWhen: wanted,
        });
        await new Promise((r) => setTimeout(r, 200));
        abort.abort();
        resolveWanted();
        expect(await listed.catch((e: unknown) => e)).toMatchObject({ name: 'AbortError' });
        expect(server.paths).toHaveLength(1);
      } finally {
        kube.close();
        await server.close();
      }
    }, 20_000);

    it(`h2=${h2}: abort after page 1 was taken, while page 2 is in flight`, async () => {
      const abort = new AbortController();
      const server = await serve(h2, (url, res) => {
        (res as ServerResponse).writeHead(200, { 'content-type': 'application/json' });
        if (!url.includes('continue')) {
          res.end(
            JSON.stringify({ kind: 'List', metadata: { continue: 'tok' }, items: [{ metadata: { name: 'a' } }] }),
          );
          return;
        }
        (res as ServerResponse).write('{"kind":"List","metadata":{},"items":[');
        setTimeout(() => abort.abort(), 50);
      });
      const kube = clientOf(server.url);
      try {
        const t0 = Date.now();
        const err = await kube.list('/x', { signal: abort.signal }).catch((e: unknown) => e);
        expect(err).toMatchObject({ name: 'AbortError' });
        expect(Date.now() - t0).toBeLessThan(1000);
        expect(server.paths).toHaveLength(2);
      } finally {
        kube.close();
        await server.close();
      }
    }, 20_000);
  }
});

describe('review3: trace of a cancel before the headers', () => {
  for (const h2 of [true, false]) {
    it(`h2=${h2}`, async () => {
      const abort = new AbortController();
      const server = await serve(h2, () => setTimeout(() => abort.abort(), 30));
      const log: string[] = [];
      const kube = clientOf(server.url, log);
      try {
        const err = await kube.list('/x', { signal: abort.signal }).catch((e: unknown) => e);
        expect(err).toMatchObject({ name: 'AbortError' });
        console.log(`TRACE h2=${h2}: ${log.join(' | ')}`);
        expect(log.join('\n')).toContain('cancelled: no longer needed');
      } finally {
        kube.close();
        await server.close();
      }
    });
  }
});
