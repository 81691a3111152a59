// kubeconfig's `disable-compression: true` (a cluster field, kubectl 1.26+: client-go then sets
// DisableCompression and Go's transport sends no Accept-Encoding) is for API servers on fast networks, where
// gzipping large lists costs more than it saves. The HTTP/2 client now asks for gzip on every request: it must
// not where the kubeconfig says so, as kubectl does not.
import type { ServerResponse } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../../src/kube/client.js';
import { serveTls, testPki, type TestPki } from './tls-server.js';

let pki: TestPki;

beforeAll(async () => {
  pki = await testPki();
}, 30_000);

describe('HTTP/2 and kubeconfig disable-compression', () => {
  it('sends no Accept-Encoding: gzip for a cluster with disable-compression: true', async () => {
    const seen: Array<string | undefined> = [];
    const server = await serveTls(pki, true, (req, res) => {
      const encoding = req.headers['accept-encoding'];
      seen.push(Array.isArray(encoding) ? encoding.join(',') : encoding);
      (res as ServerResponse).writeHead(200, { 'content-type': 'application/json' });
      res.end('{"gitVersion":"v1.37.2"}');
    });
    const url = server.url;
    const kube = new KubeClient(
      {
        target: {
          contextName: 't',
          clusterName: 't',
          userName: 'alice',
          server: url,
          namespace: 'default',
          sources: [],
        },
        cluster: {
          name: 't',
          cluster: { server: url, 'certificate-authority': pki.ca.cert, 'disable-compression': true },
        },
        user: { name: 'alice', user: { 'client-certificate': pki.client.cert, 'client-key': pki.client.key } },
        inCluster: false,
      },
      { timeoutMs: 5000, verbosity: 0, log: () => undefined, env: {} },
    );
    try {
      expect(await kube.get('/version')).toEqual({ gitVersion: 'v1.37.2' });
      expect(seen).toEqual([undefined]);
    } finally {
      kube.close();
      await server.close();
    }
  });
});
