import net from 'node:net';

/** A URL's hostname as sockets take it: an IPv6 address without its brackets. */
export function unbracketed(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, '$1');
}

/** As Go does: SNI is tls-server-name, else the server's host name (never an IP); the certificate is checked against it. */
export function sni(host: string, servername: string | undefined): { host: string; servername?: string } {
  const name = servername ?? (net.isIP(host) ? undefined : host);
  return { host, ...(name ? { servername: name } : {}) };
}
