// Proxies and TLS names as kubectl honours them, against the real API server.
// The kubeconfigs here name the API server kubernetes.default.svc (in its
// certificate, but resolvable only by the test proxies), so a request that
// does not go through the proxy fails: each test proves its proxy was used.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCA, makeCert } from '../cluster/pki.mjs';
import { applyYaml, freshNamespace, ownStderr, useCluster } from '../harness/cluster.js';
import { startConnectProxy, startForwarder, startSocks5Proxy, type TestProxy } from '../harness/proxies.js';
import { ensureBundle, runBuilt, runCli } from '../harness/runCli.js';

const HIDDEN_NAME = 'kubernetes.default.svc';
let ns: string;
let dir: string;
let port: number;
const proxies: TestProxy[] = [];

beforeAll(async () => {
  ns = await freshNamespace('proxy');
  dir = mkdtempSync(join(tmpdir(), 'proxy-'));
  port = Number(new URL(useCluster().server).port);
  await applyYaml('apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: not-shown}\n', ns);
});

afterAll(async () => {
  for (const p of proxies) await p.close();
});

async function started(proxy: Promise<TestProxy>): Promise<TestProxy> {
  const p = await proxy;
  proxies.push(p);
  return p;
}

const hosts = () => ({ [HIDDEN_NAME]: '127.0.0.1' });

/** The admin kubeconfig with its cluster entry changed. */
function kubeconfigWith(name: string, cluster: Record<string, unknown>): string {
  const doc = yaml.load(readFileSync(useCluster().kubeconfig, 'utf8')) as {
    clusters: Array<{ cluster: Record<string, unknown> }>;
  };
  doc.clusters[0]!.cluster = { ...doc.clusters[0]!.cluster, ...cluster };
  const file = join(dir, name);
  writeFileSync(file, yaml.dump(doc));
  return file;
}

const hiddenServer = () => `https://${HIDDEN_NAME}:${port}`;

const whoCan = (kubeconfig: string, env: Record<string, string> = {}) =>
  runCli(['who-can', 'db', '-n', ns, '--direct-only', '-o', 'name'], { kubeconfig, env });

function expectAnswered(r: { code: number; stdout: string; stderr: string }): void {
  expect(ownStderr(r.stderr)).toEqual([]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('group/system:masters');
}

describe('proxies', () => {
  it('without a proxy the server name cannot be reached (the premise of these tests)', async () => {
    const r = await whoCan(kubeconfigWith('direct', { server: hiddenServer() }));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: cannot resolve the API server host of https:\/\/kubernetes\.default\.svc:\d+/);
  });

  it('kubeconfig proxy-url: HTTP CONNECT proxy', async () => {
    const proxy = await started(startConnectProxy({ hosts: hosts() }));
    const r = await whoCan(kubeconfigWith('http-proxy', { server: hiddenServer(), 'proxy-url': proxy.url }));
    expectAnswered(r);
    expect(proxy.tunnels).toContain(`${HIDDEN_NAME}:${port}`);
  });

  it('kubeconfig proxy-url: HTTPS proxy (TLS to the proxy, then TLS to the API server inside)', async () => {
    const { caCert, caKey } = useCluster();
    const tls = await makeCert(
      dir,
      { cert: caCert, key: caKey },
      { name: 'proxy', commonName: 'test-proxy', server: { dns: ['localhost'], ips: ['127.0.0.1'] } },
    );
    const proxy = await started(
      startConnectProxy({
        hosts: hosts(),
        tls: { cert: readFileSync(tls.cert, 'utf8'), key: readFileSync(tls.key, 'utf8') },
      }),
    );
    expect(proxy.url).toMatch(/^https:/);
    const r = await whoCan(kubeconfigWith('https-proxy', { server: hiddenServer(), 'proxy-url': proxy.url }));
    expectAnswered(r);
    expect(proxy.tunnels).toContain(`${HIDDEN_NAME}:${port}`);
  });

  it("an HTTPS proxy signed by a CA of the machine's (a company CA) is trusted, as the API server would be", async () => {
    ensureBundle();
    const companyDir = mkdtempSync(join(dir, 'company-'));
    const company = await makeCA(companyDir, 'company-root');
    const tls = await makeCert(companyDir, company, {
      name: 'proxy',
      commonName: 'company-proxy',
      server: { dns: ['localhost'], ips: ['127.0.0.1'] },
    });
    const proxy = await started(
      startConnectProxy({
        hosts: hosts(),
        tls: { cert: readFileSync(tls.cert, 'utf8'), key: readFileSync(tls.key, 'utf8') },
      }),
    );
    const kubeconfig = kubeconfigWith('company-proxy', { server: hiddenServer(), 'proxy-url': proxy.url });
    const run = (env: Record<string, string>) =>
      runBuilt(['who-can', 'db', '-n', ns, '--direct-only', '-o', 'name'], { kubeconfig, env });
    expectAnswered(await run({ SSL_CERT_FILE: company.cert }));
    expect(proxy.tunnels).toContain(`${HIDDEN_NAME}:${port}`);
    const untrusted = await run({});
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(
      /^error: cannot reach the API server at .* through proxy .*: unable to verify the first certificate\n/,
    );
  });

  it('kubeconfig proxy-url: SOCKS5 proxy with user and password, from the built bundle', async () => {
    ensureBundle();
    const proxy = await started(startSocks5Proxy({ hosts: hosts(), auth: { user: 'ops', password: 'pa:ss' } }));
    const url = proxy.url.replace('socks5://', 'socks5://ops:pa%3Ass@');
    const kubeconfig = kubeconfigWith('socks-proxy', { server: hiddenServer(), 'proxy-url': url });
    const r = await runBuilt(['who-can', 'db', '-n', ns, '--direct-only', '-o', 'name'], { kubeconfig });
    expectAnswered(r);
    expect(proxy.tunnels.length).toBeGreaterThan(0);
    expect(new Set(proxy.tunnels)).toEqual(new Set([`${HIDDEN_NAME}:${port}`]));
  });

  it('HTTPS_PROXY from the environment; NO_PROXY turns it off for that host', async () => {
    const proxy = await started(startConnectProxy({ hosts: hosts() }));
    const kubeconfig = kubeconfigWith('env-proxy', { server: hiddenServer() });
    expectAnswered(await whoCan(kubeconfig, { HTTPS_PROXY: proxy.url }));
    expect(proxy.tunnels).toContain(`${HIDDEN_NAME}:${port}`);

    const before = proxy.tunnels.length;
    const bypassed = await whoCan(kubeconfig, { HTTPS_PROXY: proxy.url, NO_PROXY: `10.0.0.0/8,.svc:${port}` });
    expect(bypassed.code).toBe(1);
    expect(bypassed.stderr).toMatch(/^error: cannot resolve the API server host/);
    expect(proxy.tunnels.length).toBe(before);
  });

  it('socks5:// in HTTPS_PROXY works too', async () => {
    const proxy = await started(startSocks5Proxy({ hosts: hosts() }));
    expectAnswered(await whoCan(kubeconfigWith('env-socks', { server: hiddenServer() }), { https_proxy: proxy.url }));
    expect(proxy.tunnels).toContain(`${HIDDEN_NAME}:${port}`);
  });

  it('kubeconfig proxy-url beats HTTPS_PROXY and NO_PROXY', async () => {
    const proxy = await started(startSocks5Proxy({ hosts: hosts() }));
    const dead = await startConnectProxy();
    await dead.close();
    const kubeconfig = kubeconfigWith('both', { server: hiddenServer(), 'proxy-url': proxy.url });
    expectAnswered(await whoCan(kubeconfig, { HTTPS_PROXY: dead.url, NO_PROXY: '*' }));
    expect(proxy.tunnels.length).toBeGreaterThan(0);
  });

  it('a proxy that is down: one error line naming the proxy', async () => {
    const dead = await startConnectProxy();
    await dead.close();
    const r = await whoCan(kubeconfigWith('dead-proxy', { server: hiddenServer(), 'proxy-url': dead.url }));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `error: cannot reach the API server at ${hiddenServer()} (context "${contextName()}") through proxy ${dead.url} (kubeconfig proxy-url): connection refused\n`,
    );
  });
});

describe('tls-server-name', () => {
  // 127.0.0.2 reaches the API server through a forwarder, but is not in its serving certificate.
  let forwarded: string;
  beforeAll(async () => {
    const fwd = await started(startForwarder({ host: '127.0.0.1', port }, '127.0.0.2'));
    forwarded = fwd.url.replace('tcp://', 'https://');
  });

  it('an address outside the certificate fails TLS verification', async () => {
    const r = await whoCan(kubeconfigWith('no-tls-name', { server: forwarded }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: TLS error talking to https:\/\/127\.0\.0\.2:\d+ .*(altname|IP: 127\.0\.0\.2)/i);
  });

  it('succeeds with tls-server-name set to a name the certificate has', async () => {
    expectAnswered(await whoCan(kubeconfigWith('tls-name', { server: forwarded, 'tls-server-name': 'kubernetes' })));
  });

  it('a wrong tls-server-name fails verification', async () => {
    const r = await whoCan(
      kubeconfigWith('bad-tls-name', { server: forwarded, 'tls-server-name': 'not-in-cert.example' }),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: TLS error/);
  });

  it('tls-server-name and a proxy together', async () => {
    const proxy = await started(startConnectProxy({ hosts: { 'api.internal.invalid': '127.0.0.1' } }));
    const r = await whoCan(
      kubeconfigWith('tls-name-proxy', {
        server: `https://api.internal.invalid:${port}`,
        'proxy-url': proxy.url,
        'tls-server-name': 'kubernetes',
      }),
    );
    expectAnswered(r);
  });
});

function contextName(): string {
  return (yaml.load(readFileSync(useCluster().kubeconfig, 'utf8')) as { 'current-context': string })['current-context'];
}
