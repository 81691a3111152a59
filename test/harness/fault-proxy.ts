// A fault-injecting HTTPS proxy in front of the real API server. It terminates
// TLS with a certificate of the cluster's CA, forwards every request upstream as
// the admin, and, for requests matching a rule, answers 429 (with Retry-After),
// 500 or 503 itself, resets the connection, or answers late (slower than the
// client's --request-timeout). Every request and every fault is recorded.
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, request as httpsRequest, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeKubeconfig } from '../cluster/kubeconfig.mjs';
import { makeCert } from '../cluster/pki.mjs';
import type { Cluster } from './cluster.js';

export type FaultKind = '429' | '500' | '503' | 'reset' | 'slow';

export interface FaultRule {
  kind: FaultKind;
  /** Matched against "METHOD /path?query". */
  match: RegExp;
  /** How many matching requests get the fault (then they pass); Infinity for all. */
  times: number;
  /** For `slow`: how long before the answer is forwarded. */
  delayMs?: number;
}

export interface FaultProxy {
  /** A kubeconfig whose server is the proxy (same CA, admin credentials). */
  kubeconfig: string;
  /** Every request seen, "METHOD /path?query", in order. */
  requests: string[];
  /** Every fault given: "kind METHOD /path". */
  faults: string[];
  set(rules: FaultRule[]): void;
  close(): Promise<void>;
}

interface AdminKubeconfig {
  clusters: Array<{ cluster: { server: string; 'certificate-authority': string } }>;
  users: Array<{ user: { 'client-certificate': string; 'client-key': string } }>;
}

export async function startFaultProxy(cluster: Cluster): Promise<FaultProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'fault-proxy-'));
  const serving = await makeCert(
    dir,
    { cert: cluster.caCert, key: cluster.caKey },
    {
      name: 'proxy',
      commonName: 'fault-proxy',
      server: { dns: ['localhost'], ips: ['127.0.0.1'] },
    },
  );
  const admin = JSON.parse(readFileSync(cluster.kubeconfig, 'utf8')) as AdminKubeconfig;
  const upstream = new URL(admin.clusters[0]!.cluster.server);
  const tls = {
    ca: readFileSync(admin.clusters[0]!.cluster['certificate-authority']),
    cert: readFileSync(admin.users[0]!.user['client-certificate']),
    key: readFileSync(admin.users[0]!.user['client-key']),
  };
  let rules: FaultRule[] = [];
  const requests: string[] = [];
  const faults: string[] = [];

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    const headers = { ...req.headers, host: upstream.host };
    const up = httpsRequest(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers, ...tls },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    up.end(body);
  };

  const server: Server = createServer(
    { cert: readFileSync(serving.cert), key: readFileSync(serving.key) },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const line = `${req.method} ${req.url}`;
        requests.push(line);
        const rule = rules.find((r) => r.times > 0 && r.match.test(line));
        if (!rule) return forward(req, res, Buffer.concat(chunks));
        rule.times--;
        faults.push(`${rule.kind} ${line}`);
        const status = (code: number, reason: string, extra: Record<string, string> = {}) => {
          const body = JSON.stringify({
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            message: `injected ${code}`,
            reason,
            code,
          });
          res.writeHead(code, { 'Content-Type': 'application/json', ...extra });
          res.end(body);
        };
        switch (rule.kind) {
          case '429':
            return status(429, 'TooManyRequests', { 'Retry-After': '1' });
          case '500':
            return status(500, 'InternalError');
          case '503':
            return status(503, 'ServiceUnavailable');
          case 'reset':
            return req.socket.destroy();
          case 'slow': {
            const timer = setTimeout(() => forward(req, res, Buffer.concat(chunks)), rule.delayMs ?? 5_000);
            res.on('close', () => clearTimeout(timer));
            return;
          }
        }
      });
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const kubeconfig = await writeKubeconfig(join(dir, 'proxy.kubeconfig'), {
    server: `https://127.0.0.1:${port}`,
    caCert: cluster.caCert,
    user: 'proxy-admin',
    clientCert: admin.users[0]!.user['client-certificate'],
    clientKey: admin.users[0]!.user['client-key'],
  });
  return {
    kubeconfig,
    requests,
    faults,
    set(next) {
      rules = next.map((r) => ({ ...r }));
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
