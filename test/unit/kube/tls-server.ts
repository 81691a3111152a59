// A TLS test server that requires a client certificate, h2 (with HTTP/1.1 for clients that ask for it) or
// HTTP/1.1 only, and a KubeClient of the user its certificate names.
import { mkdtempSync, readFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCA, makeCert } from '../../cluster/pki.mjs';
import { KubeClient, type ClientOptions } from '../../../src/kube/client.js';

interface Pem {
  cert: string;
  key: string;
}

export interface TestPki {
  ca: Pem;
  serving: Pem;
  client: Pem;
}

/** A CA, a serving certificate for 127.0.0.1 and a client certificate of "alice". */
export async function testPki(): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), 'tls-server-'));
  const ca = await makeCA(dir, 'test-ca');
  const serving = await makeCert(dir, ca, {
    name: 'server',
    commonName: 'server',
    server: { dns: [], ips: ['127.0.0.1'] },
  });
  const client = await makeCert(dir, ca, { name: 'alice', commonName: 'alice' });
  return { ca, serving, client };
}

export type TestRequest = http2.Http2ServerRequest | IncomingMessage;
export type TestResponse = http2.Http2ServerResponse | ServerResponse;

export interface TestServer {
  url: string;
  /** TLS connections accepted. */
  connections(): number;
  close(): Promise<void>;
}

export async function serveTls(
  pki: TestPki,
  h2: boolean,
  handler: (req: TestRequest, res: TestResponse) => void,
): Promise<TestServer> {
  const options = {
    key: readFileSync(pki.serving.key),
    cert: readFileSync(pki.serving.cert),
    ca: readFileSync(pki.ca.cert),
    requestCert: true,
    rejectUnauthorized: true,
  };
  const server = h2
    ? http2.createSecureServer({ ...options, allowHTTP1: true }, handler)
    : https.createServer(options, handler);
  let connections = 0;
  server.on('secureConnection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((r) => {
        (server as https.Server).closeAllConnections?.();
        server.close(() => r());
      }),
  };
}

export function clientOf(pki: TestPki, url: string, options: Partial<ClientOptions> = {}): KubeClient {
  return new KubeClient(
    {
      target: { contextName: 't', clusterName: 't', userName: 'alice', server: url, namespace: 'default', sources: [] },
      cluster: { name: 't', cluster: { server: url, 'certificate-authority': pki.ca.cert } },
      user: { name: 'alice', user: { 'client-certificate': pki.client.cert, 'client-key': pki.client.key } },
      inCluster: false,
    },
    { timeoutMs: 5000, verbosity: 0, log: () => undefined, env: {}, ...options },
  );
}
