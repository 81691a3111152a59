// Kubeconfig files (written as JSON, which is valid YAML for every reader)
// and a small HTTPS client that authenticates with one of them.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';

/**
 * @param {string} path where to write
 * @param {{server: string, caCert: string, user: string,
 *          clientCert?: string, clientKey?: string, token?: string}} spec
 */
export async function writeKubeconfig(path, { server, caCert, user, clientCert, clientKey, token }) {
  const credentials = token ? { token } : { 'client-certificate': clientCert, 'client-key': clientKey };
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server, 'certificate-authority': caCert } }],
    users: [{ name: user, user: credentials }],
    contexts: [{ name: user, context: { cluster: 'local', user } }],
    'current-context': user,
  };
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return path;
}

/** TLS options and token for a kubeconfig this module wrote. */
function credentialsOf(kubeconfigPath) {
  const config = JSON.parse(readFileSync(kubeconfigPath, 'utf8'));
  const { server, 'certificate-authority': ca } = config.clusters[0].cluster;
  const user = config.users[0].user;
  const url = new URL(server);
  return {
    url,
    tls: {
      ca: readFileSync(ca),
      ...(user['client-certificate'] && {
        cert: readFileSync(user['client-certificate']),
        key: readFileSync(user['client-key']),
      }),
    },
    token: user.token,
  };
}

/**
 * One request to the API server as the identity of `kubeconfig`.
 * Never throws on HTTP errors: callers look at `status`.
 * @param {string} kubeconfig path of a kubeconfig written by writeKubeconfig
 * @param {string} method
 * @param {string} path e.g. /api/v1/namespaces
 * @param {{body?: unknown, contentType?: string, timeoutMs?: number, headers?: Record<string, string>}} [options]
 * @returns {Promise<{status: number, body: any}>} body parsed as JSON when it is JSON
 */
export function apiRequest(
  kubeconfig,
  method,
  path,
  { body, contentType = 'application/json', timeoutMs = 15000, headers = {} } = {},
) {
  const { url, tls, token } = credentialsOf(kubeconfig);
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        ...tls,
        agent: false,
        timeout: timeoutMs,
        headers: {
          accept: 'application/json',
          ...(payload !== undefined && { 'content-type': contentType }),
          ...(token && { authorization: `Bearer ${token}` }),
          ...headers,
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed = text;
          try {
            parsed = JSON.parse(text);
          } catch {}
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}
