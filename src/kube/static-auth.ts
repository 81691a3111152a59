import fs from 'node:fs';
import type https from 'node:https';
import type { ResolvedKubeconfig } from './kubeconfig.js';

/**
 * The TLS options and headers of a kubeconfig user that needs no plugin: client certificates,
 * a bearer token (inline or from a file), basic auth, `as`. What client-node's applyToHTTPSOptions
 * would set for such a user, without loading client-node (a fixed cost of every command, ~50 ms CPU).
 * Undefined when the user has an exec plugin or an auth-provider: those need client-node.
 */
export function staticAuthOptions(resolved: ResolvedKubeconfig): https.RequestOptions | undefined {
  const user = (resolved.user.user ?? {}) as Record<string, unknown>;
  if (user.exec || user['auth-provider']) return undefined;
  const cluster = (resolved.cluster.cluster ?? {}) as Record<string, unknown>;
  const headers: Record<string, string> = {};
  const opts: https.RequestOptions = { headers };
  if (cluster['insecure-skip-tls-verify'] === true) opts.rejectUnauthorized = false;
  const serverName = text(cluster['tls-server-name']);
  if (serverName) opts.servername = serverName;
  const ca = fileOrData(cluster['certificate-authority'], cluster['certificate-authority-data']);
  if (ca) opts.ca = ca;
  const cert = fileOrData(user['client-certificate'], user['client-certificate-data']);
  if (cert) opts.cert = cert;
  const key = fileOrData(user['client-key'], user['client-key-data']);
  if (key) opts.key = key;
  const as = text(user.as);
  if (as) headers['Impersonate-User'] = as;
  const tokenFile = text(user['token-file']);
  const token = text(user.token) ?? (tokenFile ? fs.readFileSync(tokenFile, 'utf8') : undefined);
  if (token) headers.Authorization = `Bearer ${token}`;
  const username = text(user.username);
  if (username) opts.auth = `${username}:${String(user.password)}`;
  return opts;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function fileOrData(file: unknown, data: unknown): Buffer | undefined {
  if (text(file)) return fs.readFileSync(file as string);
  if (text(data)) return Buffer.from(data as string, 'base64');
  return undefined;
}
