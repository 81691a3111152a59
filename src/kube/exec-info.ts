import fs from 'node:fs';

/** Where kubectl puts a cluster's settings for its exec plugin: the cluster extension of this name. */
const EXEC_EXTENSION = 'client.authentication.k8s.io/exec';

/**
 * KUBERNETES_EXEC_INFO, which kubectl gives every exec credential plugin: an ExecCredential whose spec says the
 * plugin cannot prompt (the tool gives it no standard input) and, when the user's exec asks for it
 * (`provideClusterInfo: true`), the cluster it authenticates to.
 */
export function execCredentialInfo(
  exec: Record<string, unknown>,
  cluster: Record<string, unknown>,
  readFile: (file: string) => Buffer = fs.readFileSync,
): string {
  const apiVersion = typeof exec.apiVersion === 'string' ? exec.apiVersion : 'client.authentication.k8s.io/v1';
  const spec: Record<string, unknown> = { interactive: false };
  if (exec.provideClusterInfo === true) spec.cluster = clusterInfo(cluster, readFile);
  return JSON.stringify({ apiVersion, kind: 'ExecCredential', spec });
}

function clusterInfo(cluster: Record<string, unknown>, readFile: (file: string) => Buffer): Record<string, unknown> {
  const info: Record<string, unknown> = { server: cluster.server };
  const copy = (key: string) => {
    if (cluster[key] !== undefined && cluster[key] !== '' && cluster[key] !== false) info[key] = cluster[key];
  };
  copy('tls-server-name');
  copy('insecure-skip-tls-verify');
  if (typeof cluster['certificate-authority-data'] === 'string' && cluster['certificate-authority-data'] !== '')
    info['certificate-authority-data'] = cluster['certificate-authority-data'];
  else if (typeof cluster['certificate-authority'] === 'string' && cluster['certificate-authority'] !== '') {
    try {
      info['certificate-authority-data'] = readFile(cluster['certificate-authority']).toString('base64');
    } catch {
      // unreadable: the connection's own TLS setup says so
    }
  }
  copy('proxy-url');
  copy('disable-compression');
  const extensions = Array.isArray(cluster.extensions) ? (cluster.extensions as Array<Record<string, unknown>>) : [];
  const config = extensions.find((e) => e?.name === EXEC_EXTENSION)?.extension;
  if (config !== undefined) info.config = config;
  return info;
}
