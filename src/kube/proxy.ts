import net from 'node:net';
import { CliError } from '../errors.js';

/** The proxy a request to the API server goes through, and where that choice came from. */
export interface ProxyRoute {
  url: URL;
  source: 'kubeconfig proxy-url' | 'HTTPS_PROXY' | 'HTTP_PROXY';
}

const PROXY_SCHEMES = new Set(['http:', 'https:', 'socks5:', 'socks5h:']);
export const PROXY_DEFAULT_PORTS: Record<string, number> = {
  'http:': 80,
  'https:': 443,
  'socks5:': 1080,
  'socks5h:': 1080,
};

/**
 * Picks the proxy for the API server as client-go does: the cluster's
 * `proxy-url` is used for every request (NO_PROXY and loopback included);
 * without it, HTTPS_PROXY (https servers) or HTTP_PROXY (http servers) unless
 * NO_PROXY matches or the server is localhost or a loopback address.
 */
export function proxyRoute(server: URL, proxyUrl: string | undefined, env: NodeJS.ProcessEnv): ProxyRoute | undefined {
  if (proxyUrl) return { url: parseKubeconfigProxy(proxyUrl), source: 'kubeconfig proxy-url' };
  const https = server.protocol === 'https:';
  const raw = https ? envAny(env, 'HTTPS_PROXY', 'https_proxy') : envAny(env, 'HTTP_PROXY', 'http_proxy');
  const url = raw ? parseEnvProxy(raw) : undefined;
  if (!url || !useProxy(server, envAny(env, 'NO_PROXY', 'no_proxy') ?? '')) return undefined;
  return { url, source: https ? 'HTTPS_PROXY' : 'HTTP_PROXY' };
}

/** kubeconfig `proxy-url`: http, https or socks5, or the kubeconfig is wrong (as clientcmd says). */
function parseKubeconfigProxy(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(
      `invalid proxy-url in the kubeconfig: not a URL (expected http://, https:// or socks5://HOST:PORT)`,
    );
  }
  if (!PROXY_SCHEMES.has(url.protocol)) {
    throw new CliError(
      `invalid proxy-url in the kubeconfig: unsupported scheme "${url.protocol.replace(/:$/, '')}", must be http, https or socks5`,
    );
  }
  return url;
}

/** An environment proxy may omit the scheme (`proxy:3128` means http); a value that does not parse is ignored, as in Go. */
function parseEnvProxy(raw: string): URL | undefined {
  for (const candidate of [raw, `http://${raw}`]) {
    try {
      const url = new URL(candidate);
      if (PROXY_SCHEMES.has(url.protocol) && url.hostname !== '') return url;
    } catch {
      // try the next form
    }
  }
  return undefined;
}

function envAny(env: NodeJS.ProcessEnv, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = env[name];
    if (value) return value;
  }
  return undefined;
}

/**
 * Whether NO_PROXY lets a request to `server` use the environment's proxy
 * (Go's httpproxy rules): `*` matches all; CIDRs and IPs match IP hosts;
 * `example.com` matches it and its subdomains, `.example.com` (or
 * `*.example.com`) subdomains only; an entry may carry a port.
 */
export function useProxy(server: URL, noProxy: string): boolean {
  const host = bareHost(server.hostname).toLowerCase();
  const port = server.port || (server.protocol === 'https:' ? '443' : '80');
  const ip = net.isIP(host) ? host : undefined;
  if (host === 'localhost' || (ip && isLoopback(ip))) return false;
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return false;
    if (entry.includes('/')) {
      if (ip && inCidr(ip, entry)) return false;
      continue;
    }
    const { host: entryHost, port: entryPort } = splitHostPort(entry);
    if (entryHost === '' || (entryPort !== undefined && entryPort !== port)) continue;
    if (net.isIP(entryHost)) {
      if (ip && sameIp(ip, entryHost)) return false;
      continue;
    }
    const suffix = entryHost.startsWith('*.') ? entryHost.slice(1) : entryHost;
    if (suffix.startsWith('.') ? host.endsWith(suffix) : host === suffix || host.endsWith(`.${suffix}`)) return false;
  }
  return true;
}

const bareHost = (host: string): string => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);

function splitHostPort(entry: string): { host: string; port?: string } {
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { host: bracketed[1]!, ...(bracketed[2] ? { port: bracketed[2] } : {}) };
  if (net.isIPv6(entry)) return { host: entry };
  const withPort = /^(.*):(\d+)$/.exec(entry);
  return withPort ? { host: withPort[1]!, port: withPort[2]! } : { host: entry };
}

function isLoopback(ip: string): boolean {
  return matches(ip, (list) => {
    list.addSubnet('127.0.0.0', 8, 'ipv4');
    list.addAddress('::1', 'ipv6');
  });
}

const sameIp = (ip: string, other: string): boolean => matches(ip, (list) => list.addAddress(other, family(other)));

function inCidr(ip: string, cidr: string): boolean {
  const [base = '', bitsText = ''] = cidr.split('/');
  const bits = Number(bitsText);
  if (!net.isIP(base) || !/^\d+$/.test(bitsText) || bits > (net.isIPv4(base) ? 32 : 128)) return false;
  return matches(ip, (list) => list.addSubnet(base, bits, family(base)));
}

const family = (ip: string): 'ipv4' | 'ipv6' => (net.isIPv4(ip) ? 'ipv4' : 'ipv6');

/** node's BlockList compares addresses properly (IPv6 spellings, prefixes). */
function matches(ip: string, fill: (list: net.BlockList) => void): boolean {
  const list = new net.BlockList();
  fill(list);
  return list.check(ip, family(ip));
}

/** The proxy URL as it may be shown: without user and password. */
export function redactedProxy(url: URL): string {
  return `${url.protocol}//${url.host}`;
}
