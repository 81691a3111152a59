// exposure --fail-on run by a namespace-scoped identity (a CI ServiceAccount with edit/admin in its namespace): it may
// list everything in its namespace, but not StorageClasses, which are cluster-scoped and which no default role grants.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../harness/runCli.js';
import { fakeApiServer, kubeconfigFor } from '../kube/fake-apiserver.js';

const NS = 'shop';
const SECRET = {
  metadata: { name: 'db', namespace: NS, creationTimestamp: '2026-11-01T00:00:00Z' },
  type: 'Opaque',
  data: { password: Buffer.from('x').toString('base64') },
};
let gatewayApi = false;
let forbidLocalGateways = false;
let server: Awaited<ReturnType<typeof fakeApiServer>>;
let kubeconfig: string;

function answers(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url!, 'http://x');
  res.setHeader('Content-Type', 'application/json');
  const forbid = () => {
    res.statusCode = 403;
    res.end(JSON.stringify({ kind: 'Status', code: 403, reason: 'Forbidden', message: 'forbidden' }));
  };
  if (url.pathname === '/version') return void res.end(JSON.stringify({ gitVersion: 'v1.37.2' }));
  if (url.pathname === '/apis/storage.k8s.io/v1/storageclasses') return forbid();
  // The Gateway API is installed: its discovery is open to everyone, but Gateways may be listed only in the namespace.
  if (gatewayApi && url.pathname === '/apis/gateway.networking.k8s.io/v1')
    return void res.end(JSON.stringify({ resources: [{ name: 'gateways', namespaced: true }] }));
  if (url.pathname === '/apis/gateway.networking.k8s.io/v1/gateways') return forbid();
  if (forbidLocalGateways && url.pathname === `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/gateways`)
    return forbid();
  if (url.pathname === `/api/v1/namespaces/${NS}/secrets/db`) return void res.end(JSON.stringify(SECRET));
  if (url.pathname === `/api/v1/namespaces/${NS}/secrets`)
    return void res.end(JSON.stringify({ items: [SECRET], metadata: {} }));
  if (!url.pathname.includes(`/namespaces/${NS}/`) && url.pathname !== '/api/v1/namespaces') {
    // CRD discovery: not served
    if (url.pathname.startsWith('/apis/') && url.pathname.split('/').length === 4) {
      res.statusCode = 404;
      return void res.end(JSON.stringify({ kind: 'Status', code: 404, reason: 'NotFound' }));
    }
  }
  res.end(JSON.stringify({ items: [], metadata: {} }));
}

beforeAll(async () => {
  server = await fakeApiServer(answers);
  kubeconfig = kubeconfigFor(server.url, NS);
});
afterAll(() => server.close());

describe('exposure --fail-on by a namespace-scoped identity', () => {
  it('a Secret with no finding and nothing in the namespace hidden passes the gate', async () => {
    const r = await runCli(['exposure', 'db', '-n', NS, '--fail-on=high'], { kubeconfig });
    expect(r.stderr).toContain('storageclasses');
    expect(r.code, r.stderr).toBe(0);
  });

  it('with the Gateway API installed (Gateways listed in the namespace, not cluster-wide) it passes too', async () => {
    gatewayApi = true;
    try {
      const r = await runCli(['exposure', 'db', '-n', NS, '--fail-on=high'], { kubeconfig });
      expect(r.stderr).toContain('Gateways in other namespaces');
      expect(r.code, r.stderr).toBe(0);
    } finally {
      gatewayApi = false;
    }
  });

  it('a namespaced list refused in the namespace itself still fails the gate (exit 5)', async () => {
    gatewayApi = true;
    forbidLocalGateways = true;
    try {
      const r = await runCli(['exposure', 'db', '-n', NS, '--fail-on=high'], { kubeconfig });
      expect(r.code, r.stderr).toBe(5);
    } finally {
      gatewayApi = false;
      forbidLocalGateways = false;
    }
  });
});
