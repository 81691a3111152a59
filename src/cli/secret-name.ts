import { UsageError } from '../errors.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** -n as given: a namespace is a DNS label (`..` or `a/b` would change the request path: `-n ..` listed every namespace). */
export function checkNamespaceArg(namespace: string | undefined): void {
  if (namespace !== undefined && namespace !== '' && (!DNS_LABEL.test(namespace) || namespace.length > 63)) {
    throw new UsageError(`invalid namespace "${namespace}": a lowercase DNS label such as prod`);
  }
}

/**
 * The optional NAME argument of exposure and audit: a Secret name, `secret/` or `secrets/` prefix allowed.
 * An empty one (`exposure "$NAME"` with NAME unset) is refused, not read as no name (every Secret).
 */
export function secretNameArg(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  checkSecretName(raw.replace(/^secrets?\//, ''), raw);
  return raw.replace(/^secrets?\//, '');
}

/** A Secret's name (rotate's NAME): "", "." or ".." would name the collection (`rotate "$UNSET"` read every Secret). */
export function checkSecretName(name: string, raw = name): void {
  if (!DNS_SUBDOMAIN.test(name) || name.length > 253) {
    throw new UsageError(`invalid Secret name "${raw}": use a lowercase DNS subdomain name such as db-creds`);
  }
}
