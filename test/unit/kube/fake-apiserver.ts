// A tiny HTTP stand-in for an API server, for unit tests of the client's
// error handling (the real server is exercised by the e2e suite).
import http from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { KubeClient } from '../../../src/kube/client.js';
import type { ResolvedKubeconfig } from '../../../src/kube/kubeconfig.js';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export async function fakeApiServer(
  handler: Handler,
): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export function resolvedFor(server: string): ResolvedKubeconfig {
  return {
    target: {
      contextName: 'test',
      clusterName: 'test',
      userName: 'tester',
      server,
      namespace: 'default',
      sources: ['/tmp/kubeconfig'],
    },
    cluster: { name: 'test', cluster: { server } },
    user: { name: 'tester', user: { token: 'unit-test-token' } },
    inCluster: false,
  };
}

export function clientFor(server: string, timeoutMs = 2000, log: string[] = []): KubeClient {
  return new KubeClient(resolvedFor(server), { timeoutMs, verbosity: 6, log: (l) => log.push(l) });
}

export function status(res: http.ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code }));
}

/** A kubeconfig file (token user) pointing at `server`, optionally with a context namespace. */
export function kubeconfigFor(server: string, namespace = ''): string {
  const file = join(mkdtempSync(join(tmpdir(), 'kc-')), 'config');
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
current-context: test
clusters: [{name: test, cluster: {server: "${server}"}}]
users: [{name: tester, user: {token: t}}]
contexts: [{name: test, context: {cluster: test, user: tester${namespace ? `, namespace: ${namespace}` : ''}}}]
`,
  );
  return file;
}
