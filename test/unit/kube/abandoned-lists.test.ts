// Lists abandoned by their caller (ListOptions.signal): settled at once, cancelled on the wire, said so at -v 6.
import type { ServerResponse } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import type { KubeClient } from '../../../src/kube/client.js';
import { clientOf as tlsClientOf, serveTls, testPki, type TestPki, type TestResponse } from './tls-server.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await testPki();
}, 30_000);

async function serve(h2: boolean, handler: (url: string, res: TestResponse) => void) {
  const paths: string[] = [];
  const server = await serveTls(pki, h2, (req, res) => {
    paths.push(req.url ?? '');
    handler(req.url ?? '', res);
  });
  return { url: server.url, paths, close: server.close };
}

/** A client that logs what -v 6 says. */
function clientOf(url: string, log: string[] = []): KubeClient {
  return tlsClientOf(pki, url, { timeoutMs: 20000, verbosity: 6, log: (l) => log.push(l) });
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

describe('a request abandoned before its answer began', () => {
  for (const h2 of [true, false]) {
    it(`h2=${h2}: -v 6 says it was cancelled`, async () => {
      const abort = new AbortController();
      const server = await serve(h2, () => setTimeout(() => abort.abort(), 30));
      const log: string[] = [];
      const kube = clientOf(server.url, log);
      try {
        const err = await kube.list('/x', { signal: abort.signal }).catch((e: unknown) => e);
        expect(err).toMatchObject({ name: 'AbortError' });
        expect(log.join('\n')).toContain('cancelled: no longer needed');
      } finally {
        kube.close();
        await server.close();
      }
    });
  }
});
