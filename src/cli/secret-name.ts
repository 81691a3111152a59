import { UsageError } from '../errors.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * The optional NAME argument of exposure and audit: a Secret name, `secret/` or `secrets/` prefix allowed.
 * An empty one (`exposure "$NAME"` with NAME unset) is refused, not read as no name (every Secret).
 */
export function secretNameArg(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const name = raw.replace(/^secrets?\//, '');
  if (!DNS_SUBDOMAIN.test(name) || name.length > 253) {
    throw new UsageError(`invalid Secret name "${raw}": use a lowercase DNS subdomain name such as db-creds`);
  }
  return name;
}
