// The CAs trusted where the kubeconfig names none, for the API server and for an https proxy alike.
import tls from 'node:tls';

let roots: string[] | undefined;
/**
 * Node's bundled CAs and the system's (SSL_CERT_FILE, /etc/ssl, the macOS keychain, the Windows store), as client-go
 * trusts the system's: a company CA installed there may sign the API server or a proxy. Node before 22.15 has no way
 * to read the system's: undefined then (Node's bundled ones, as before).
 */
export function trustedRoots(): string[] | undefined {
  const { getCACertificates } = tls as { getCACertificates?: (type: 'default' | 'system') => string[] };
  if (!getCACertificates) return undefined;
  roots ??= [...new Set([...getCACertificates('default'), ...getCACertificates('system')])];
  return roots;
}
