import { UsageError } from '../errors.js';
import { isNamespaceName, isSecretName, NAMESPACE_RULE } from '../util/k8s-names.js';

/** -n as given: a namespace is a DNS label (`..` or `a/b` would change the request path: `-n ..` listed every namespace). */
export function checkNamespaceArg(namespace: string | undefined): void {
  if (namespace !== undefined && namespace !== '' && !isNamespaceName(namespace)) {
    throw new UsageError(`invalid namespace "${namespace}": ${NAMESPACE_RULE}`);
  }
}

/**
 * The optional NAME argument of exposure and audit: a Secret name, `secret/` or `secrets/` prefix allowed.
 * An empty one (`exposure "$NAME"` with NAME unset) is refused, not read as no name (every Secret).
 */
export function secretNameArg(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const name = raw.replace(/^secrets?\//, '');
  checkSecretName(name, raw);
  return name;
}

/** A Secret's name (rotate's NAME): "", "." or ".." would name the collection (`rotate "$UNSET"` read every Secret). */
export function checkSecretName(name: string, raw = name): void {
  if (!isSecretName(name)) {
    throw new UsageError(`invalid Secret name "${raw}": use a lowercase DNS subdomain name such as db-creds`);
  }
}
