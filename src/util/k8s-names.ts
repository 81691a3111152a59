// Kubernetes' rules for the names the tool puts in request paths: a name that breaks them (`..`, `a/b`, "")
// would change the path (`/namespaces/../secrets` is `/secrets`, every namespace's).

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A namespace's name: a DNS label. */
export function isNamespaceName(name: string): boolean {
  return DNS_LABEL.test(name) && name.length <= 63;
}

/** A Secret's name: a DNS subdomain. */
export function isSecretName(name: string): boolean {
  return DNS_SUBDOMAIN.test(name) && name.length <= 253;
}

export const NAMESPACE_RULE = 'a lowercase DNS label such as prod';
