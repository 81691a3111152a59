import fs from 'node:fs';
import type https from 'node:https';
import { CliError } from '../errors.js';
import type { ResolvedKubeconfig } from './kubeconfig.js';

/**
 * The TLS options and headers of a kubeconfig user that needs no plugin: client certificates,
 * a bearer token (inline or from a file), basic auth, impersonation. What client-node's
 * applyToHTTPSOptions would set for such a user, without loading client-node (a fixed cost of
 * every command, ~50 ms CPU), and with kubectl's rules where client-node has none (impersonated
 * groups, uid and extras; trimmed tokens; an empty password). Undefined when the user has an exec
 * plugin or an auth-provider: those need client-node.
 */
export function staticAuthOptions(resolved: ResolvedKubeconfig): https.RequestOptions | undefined {
  const user = (resolved.user.user ?? {}) as Record<string, unknown>;
  if (user.exec || user['auth-provider']) return undefined;
  const cluster = (resolved.cluster.cluster ?? {}) as Record<string, unknown>;
  const read = (field: string, path: string): Buffer => readKubeconfigFile(field, path, resolved.user.name);
  const headers: Record<string, string | string[]> = {};
  const opts: https.RequestOptions = { headers };
  if (cluster['insecure-skip-tls-verify'] === true) opts.rejectUnauthorized = false;
  const serverName = text(cluster['tls-server-name']);
  if (serverName) opts.servername = serverName;
  const ca = fileOrData(cluster, 'certificate-authority', read);
  if (ca) opts.ca = ca;
  const cert = fileOrData(user, 'client-certificate', read);
  if (cert) opts.cert = cert;
  const key = fileOrData(user, 'client-key', read);
  if (key) opts.key = key;
  Object.assign(headers, impersonation(user, resolved.user.name));
  const hasToken = Boolean(text(user.token) ?? text(user['token-file']) ?? text(user.tokenFile));
  if (hasToken && (text(user.username) || text(user.password)))
    throw new CliError(
      `user "${resolved.user.name}" in the kubeconfig has more than one authentication method (token, basic auth): only one is allowed`,
    );
  const tokenFile = text(user['token-file']);
  const token = text(user.token) ?? (tokenFile ? read('token-file', tokenFile).toString('utf8') : undefined);
  if (token?.trim()) headers.Authorization = `Bearer ${token.trim()}`;
  const username = text(user.username);
  if (username) opts.auth = `${username}:${text(user.password) ?? ''}`;
  return opts;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function fileOrData(
  entry: Record<string, unknown>,
  field: string,
  read: (field: string, path: string) => Buffer,
): Buffer | undefined {
  const file = text(entry[field]);
  if (file) return read(field, file);
  const data = text(entry[`${field}-data`]);
  return data ? Buffer.from(data, 'base64') : undefined;
}

/** A file the kubeconfig names, or an error that says which field of which user (never its content). */
export function readKubeconfigFile(field: string, path: string, userName: string): Buffer {
  try {
    return fs.readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code;
    throw new CliError(`cannot read ${field} ${path} of user "${userName}" in the kubeconfig: ${why ?? 'unreadable'}`, {
      cause: err,
    });
  }
}

/** kubeconfig `as`, `as-groups`, `as-uid`, `as-user-extra`, as client-go sends them. */
function impersonation(user: Record<string, unknown>, userName: string): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  const as = text(user.as);
  const groups = Array.isArray(user['as-groups']) ? user['as-groups'].filter((g) => typeof g === 'string') : [];
  const uid = text(user['as-uid']);
  const extra = (user['as-user-extra'] ?? {}) as Record<string, unknown>;
  if (!as && (groups.length > 0 || uid || Object.keys(extra).length > 0))
    throw new CliError(`user "${userName}" in the kubeconfig impersonates groups, a uid or extras without a user (as)`);
  if (as) headers['Impersonate-User'] = as;
  if (groups.length > 0) headers['Impersonate-Group'] = groups;
  if (uid) headers['Impersonate-Uid'] = uid;
  for (const [k, v] of Object.entries(extra)) {
    const values = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
    if (values.length > 0) headers[`Impersonate-Extra-${headerKeyEscape(k)}`] = values;
  }
  return headers;
}

/** client-go's escaping of extra keys: anything that is not an HTTP token character, percent-encoded. */
const headerKeyEscape = (key: string): string =>
  [...Buffer.from(key, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9!#$&'*+\-.^_`|~]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
