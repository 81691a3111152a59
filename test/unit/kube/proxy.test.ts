import { afterEach, describe, expect, it } from 'vitest';
import { KubeClient } from '../../../src/kube/client.js';
import { toCliError } from '../../../src/kube/errors.js';
import { proxyRoute, useProxy } from '../../../src/kube/proxy.js';
import { startConnectProxy, startSocks5Proxy, type TestProxy } from '../../harness/proxies.js';
import { fakeApiServer, resolvedFor } from './fake-apiserver.js';

const route = (server: string, env: NodeJS.ProcessEnv, proxyUrl?: string) => proxyRoute(new URL(server), proxyUrl, env);

describe('proxyRoute: which proxy, as client-go picks it', () => {
  it('HTTPS_PROXY for https servers, HTTP_PROXY for http ones; upper case first', () => {
    const env = { HTTPS_PROXY: 'http://secure:3128', https_proxy: 'http://lower:1', HTTP_PROXY: 'http://plain:8080' };
    expect(route('https://api.example.com:6443', env)).toEqual({
      url: new URL('http://secure:3128'),
      source: 'HTTPS_PROXY',
    });
    expect(route('http://api.example.com', env)?.url.host).toBe('plain:8080');
    expect(route('https://api.example.com', { https_proxy: 'socks5://s:1080' })?.url.href).toBe('socks5://s:1080');
  });

  it('a proxy without a scheme is http; a value that does not parse is ignored', () => {
    expect(route('https://api.example.com', { HTTPS_PROXY: 'proxy.corp:3128' })?.url.href).toBe(
      'http://proxy.corp:3128/',
    );
    expect(route('https://api.example.com', { HTTPS_PROXY: '::::' })).toBeUndefined();
  });

  it('never proxies localhost or loopback addresses from the environment', () => {
    const env = { HTTPS_PROXY: 'http://p:3128' };
    for (const server of [
      'https://localhost:6443',
      'https://127.0.0.1:6443',
      'https://127.9.9.9',
      'https://[::1]:6443',
    ]) {
      expect(route(server, env), server).toBeUndefined();
    }
  });

  it('kubeconfig proxy-url beats the environment, NO_PROXY and loopback', () => {
    const env = { HTTPS_PROXY: 'http://env:3128', NO_PROXY: '*' };
    expect(route('https://127.0.0.1:6443', env, 'socks5://kc:1080')).toEqual({
      url: new URL('socks5://kc:1080'),
      source: 'kubeconfig proxy-url',
    });
  });

  it('kubeconfig proxy-url with another scheme is an error naming it', () => {
    expect(() => route('https://a', {}, 'ftp://p:21')).toThrow(
      'unsupported scheme "ftp", must be http, https or socks5',
    );
    expect(() => route('https://a', {}, 'not a url')).toThrow('invalid proxy-url in the kubeconfig');
  });
});

describe('NO_PROXY (Go httpproxy rules)', () => {
  const cases: Array<[string, string, boolean]> = [
    ['https://api.corp.example:6443', '*', false],
    ['https://api.corp.example:6443', 'corp.example', false],
    ['https://corp.example:6443', 'corp.example', false],
    ['https://corp.example:6443', '.corp.example', true],
    ['https://api.corp.example', '.corp.example', false],
    ['https://api.corp.example', '*.corp.example', false],
    ['https://notcorp.example', 'corp.example', true],
    ['https://API.Corp.Example', ' other.io , CORP.example ', false],
    ['https://api.corp.example:6443', 'corp.example:6443', false],
    ['https://api.corp.example:6443', 'corp.example:443', true],
    ['https://api.corp.example', 'corp.example:443', false],
    ['https://10.1.2.3:6443', '10.0.0.0/8', false],
    ['https://11.1.2.3:6443', '10.0.0.0/8', true],
    ['https://10.1.2.3:6443', '10.1.2.3', false],
    ['https://10.1.2.3:6443', '10.1.2.3:6443', false],
    ['https://10.1.2.3:6443', '10.1.2.3:443', true],
    ['https://[fd00::5]:6443', 'fd00::/8', false],
    ['https://[fd00::5]:6443', '[fd00::5]:6443', false],
    ['https://[fd00::5]:6443', 'fd00:0:0::5', false],
    ['https://api.corp.example', '10.0.0.0/8', true],
    ['https://10.1.2.3', 'corp.example,,', true],
  ];
  it.each(cases)('%s with NO_PROXY=%s → proxied: %s', (server, noProxy, proxied) => {
    expect(useProxy(new URL(server), noProxy)).toBe(proxied);
  });

  it('lower-case no_proxy counts when NO_PROXY is unset', () => {
    expect(route('https://api.corp.example', { https_proxy: 'http://p:1', no_proxy: 'corp.example' })).toBeUndefined();
  });
});

describe('KubeClient through a proxy (fake API server)', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0)) await close();
  });
  const started = <T extends { close: () => Promise<void> }>(thing: T): T => {
    cleanup.push(thing.close);
    return thing;
  };

  /** A server name only the proxy can resolve, so a direct connection cannot succeed. */
  async function viaProxy(
    start: (hosts: Record<string, string>) => Promise<TestProxy>,
    proxyUrl: (p: TestProxy) => string,
  ) {
    const api = started(await fakeApiServer((_req, res) => res.end(JSON.stringify({ kind: 'Namespace' }))));
    const port = new URL(api.url).port;
    const proxy = started(await start({ 'api.only-via-proxy.invalid': '127.0.0.1' }));
    const server = `http://api.only-via-proxy.invalid:${port}`;
    const resolved = resolvedFor(server);
    resolved.cluster = { name: 'test', cluster: { server, 'proxy-url': proxyUrl(proxy) } };
    const client = new KubeClient(resolved, { timeoutMs: 2000, verbosity: 0, log: () => undefined });
    cleanup.push(async () => client.close());
    return { client, proxy, api, port };
  }

  it('HTTP CONNECT proxy from proxy-url', async () => {
    const { client, proxy, api, port } = await viaProxy(
      (hosts) => startConnectProxy({ hosts }),
      (p) => p.url,
    );
    expect(await client.get('/api/v1/namespaces/default')).toEqual({ kind: 'Namespace' });
    expect(proxy.tunnels).toEqual([`api.only-via-proxy.invalid:${port}`]);
    expect(api.requests).toEqual(['GET /api/v1/namespaces/default']);
  });

  it('SOCKS5 proxy with user and password from proxy-url', async () => {
    const auth = { user: 'u', password: 'p@ss' };
    const { client, proxy, port } = await viaProxy(
      (hosts) => startSocks5Proxy({ hosts, auth }),
      (p) => p.url.replace('socks5://', 'socks5://u:p%40ss@'),
    );
    await client.get('/api/v1/namespaces/default');
    await client.get('/api/v1/namespaces/default');
    // One tunnel: the keep-alive connection is reused.
    expect(proxy.tunnels).toEqual([`api.only-via-proxy.invalid:${port}`]);
  });

  it('a proxy that refuses the credentials is named in the error, without the password', async () => {
    const auth = { user: 'u', password: 'right' };
    const { client } = await viaProxy(
      (hosts) => startConnectProxy({ hosts, auth }),
      (p) => p.url.replace('http://', 'http://u:wrong-secret@'),
    );
    const err = await client.get('/x').catch((e: unknown) => e);
    const line = toCliError(err, client.target)?.message ?? '';
    expect(line).toMatch(
      /^cannot reach the API server at http:\/\/api\.only-via-proxy\.invalid:\d+ \(context "test"\) through proxy http:\/\/127\.0\.0\.1:\d+ \(kubeconfig proxy-url\): CONNECT .* refused: 407/,
    );
    expect(line).not.toContain('wrong-secret');
  });

  it('a proxy that is down is named in the error', async () => {
    const { client, proxy } = await viaProxy(
      (hosts) => startSocks5Proxy({ hosts }),
      (p) => p.url,
    );
    await proxy.close();
    const err = await client.get('/x').catch((e: unknown) => e);
    expect(toCliError(err, client.target)?.message).toMatch(
      /through proxy socks5:\/\/127\.0\.0\.1:\d+ \(kubeconfig proxy-url\): connection refused/,
    );
  });
});
