// Parallel requests over TLS share one secure context: each new socket would otherwise parse
// the CA, the client certificate and its key again (a fixed cost of every command's first lists).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CliError } from '../../../src/errors.js';
import { KubeClient } from '../../../src/kube/client.js';

let dir = '';
let server: https.Server;
let url = '';
const clientNames: string[] = [];

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tls-ctx-'));
  const ext = join(dir, 'san.ext');
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1\n');
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...newKey, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=test-ca', '-days', '2']);
  for (const [name, cn] of [
    ['server', '127.0.0.1'],
    ['client', 'alice'],
  ] as const) {
    openssl(['req', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    openssl([
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      ...(name === 'server' ? ['-extfile', ext] : []),
    ]);
  }
  const read = (f: string) => readFileSync(join(dir, f));
  server = https.createServer(
    {
      key: read('server.key'),
      cert: read('server.crt'),
      ca: read('ca.crt'),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      clientNames.push((req.socket as tls.TLSSocket).getPeerCertificate().subject?.CN ?? '');
      // answer slowly, so that parallel requests need sockets of their own
      setTimeout(() => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: {}, items: [] }));
      }, 50);
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 30_000);

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** A client of the test server as user alice, with these kubeconfig cluster and user fields. */
function clientOfAlice(cluster: Record<string, unknown>, user: Record<string, unknown>): KubeClient {
  return new KubeClient(
    {
      target: { contextName: 't', clusterName: 't', userName: 'alice', server: url, namespace: 'default', sources: [] },
      cluster: { name: 't', cluster: { server: url, ...cluster } },
      user: { name: 'alice', user },
      inCluster: false,
    },
    { timeoutMs: 5000, verbosity: 0, log: () => undefined },
  );
}

describe('TLS with client certificates', () => {
  it('parallel requests open several sockets but build one secure context, and present the client certificate', async () => {
    const client = clientOfAlice(
      { 'certificate-authority': join(dir, 'ca.crt') },
      { 'client-certificate': join(dir, 'client.crt'), 'client-key': join(dir, 'client.key') },
    );
    const contexts = vi.spyOn(tls, 'createSecureContext');
    try {
      await Promise.all(Array.from({ length: 6 }, (_, i) => client.list(`/api/v1/namespaces/ns-${i}/pods`)));
      expect(clientNames).toEqual(Array(6).fill('alice'));
      expect(contexts).toHaveBeenCalledTimes(1);
    } finally {
      contexts.mockRestore();
      client.close();
    }
  });

  it('a client certificate that is not PEM is an error that names the user, not an internal error', async () => {
    const client = clientOfAlice({}, { 'client-certificate-data': 'Zm9v', 'client-key-data': 'YmFy' });
    try {
      const err = await client.list('/api/v1/pods').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CliError);
      expect((err as Error).message).toMatch(/^the client certificate, key or CA of user "alice" in the kubeconfig/);
    } finally {
      client.close();
    }
  });
});
