// Writes that change who can read a Secret: creates, updates, patches and deletes of the
// Secret itself and of RBAC objects (roles and their bindings). Reads stay the business of
// prefilter.ts and native-event.ts; this module only adds the write side, for callers that
// ask for it (runAudit's onWrite), so a plain `audit` never pays for it.
import { hasVerb, isGkeMethod, isResourceValue, NEEDLE, startsWithAt } from './prefilter.js';
import { readFromAuditEvent } from './native-event.js';
import { readFromGkeEntry } from './gke-entry.js';
import { asObject, asString, nonEmpty, type JsonObject } from './json-fields.js';
import { BACKSLASH, DOT, QUOTE } from './bytes.js';
import type { RecordFormat } from './report-types.js';
import type { SecretRead } from './secret-read.js';

export const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection'] as const;
export type WriteVerb = (typeof WRITE_VERBS)[number];

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
export const RBAC_RESOURCES = ['rolebindings', 'clusterrolebindings', 'roles', 'clusterroles'] as const;
export type WrittenResource = 'secrets' | (typeof RBAC_RESOURCES)[number];

/** One logged stage of a write, reduced like a read: who, when, from where, the outcome; never a body. */
export interface ObjectWrite extends Omit<SecretRead, 'verb' | 'scope'> {
  verb: WriteVerb;
  resource: WrittenResource;
}

/**
 * What the line scanner also looks for when writes are asked for: every RBAC event holds it, in
 * apiGroup and requestURI (native, and escaped inside EKS/AKS strings) or in a GKE resourceName
 * (`rbac.authorization.k8s.io/v1/namespaces/NS/rolebindings/NAME`). Long and rare, so
 * Buffer.indexOf skips through lines without it.
 */
export const RBAC_NEEDLE = Buffer.from('rbac.authorization');
const GKE_RBAC_METHOD = Buffer.from('.authorization.rbac.v1.');
const WRITE_VERB_BYTES = WRITE_VERBS.map((v) => Buffer.from(v));
const DELETECOLLECTION = Buffer.from('deletecollection');

export function isWriteVerb(verb: unknown): verb is WriteVerb {
  return (WRITE_VERBS as readonly unknown[]).includes(verb);
}

/**
 * Could the record in buf[start, end) be a write of a Secret or of an RBAC object? A superset test on bytes.
 * With `secretName`, Secret writes must mention it (objectRef.name, the URI, a GKE resourceName) or be a
 * deletecollection: writes of other Secrets, common (Helm, cert-manager), are then never parsed.
 */
export function mayWrite(buf: Buffer, start: number, end: number, secretName: Uint8Array | null = null): boolean {
  const line = buf.subarray(start, end);
  if (line.indexOf(RBAC_NEEDLE) !== -1) return hasVerb(line, WRITE_VERB_BYTES) || hasGkeRbacWrite(line);
  for (let at = line.indexOf(NEEDLE); at !== -1; at = line.indexOf(NEEDLE, at + NEEDLE.length)) {
    const secretWrite =
      isGkeMethod(line, at, line.length, WRITE_VERB_BYTES) ||
      (isResourceValue(line, at, 0, line.length) && hasVerb(line, WRITE_VERB_BYTES));
    if (secretWrite)
      return secretName === null || line.indexOf(secretName) !== -1 || line.indexOf(DELETECOLLECTION) !== -1;
    if (isResourceValue(line, at, 0, line.length)) return false;
  }
  return false;
}

/** `…authorization.rbac.v1.RESOURCE.VERB"` with a write verb (GKE methodName). */
function hasGkeRbacWrite(line: Buffer): boolean {
  const at = line.indexOf(GKE_RBAC_METHOD);
  if (at === -1) return false;
  const dot = line.indexOf(DOT, at + GKE_RBAC_METHOD.length);
  if (dot === -1) return false;
  return WRITE_VERB_BYTES.some((verb) => {
    const close = dot + 1 + verb.length;
    return startsWithAt(line, dot + 1, line.length, verb) && (line[close] === QUOTE || line[close] === BACKSLASH);
  });
}

function writtenResource(resource: unknown, group: string | null): WrittenResource | null {
  if (resource === 'secrets') return group === null ? 'secrets' : null;
  return group === RBAC_GROUP && (RBAC_RESOURCES as readonly unknown[]).includes(resource)
    ? (resource as WrittenResource)
    : null;
}

/** Who, when, from where and with what outcome, read the way the read parsers read it (one parser for those). */
function requestFacts(read: SecretRead | null): Omit<ObjectWrite, 'verb' | 'resource' | 'namespace' | 'name'> | null {
  if (!read) return null;
  const { verb: _verb, scope: _scope, namespace: _ns, name: _name, ...facts } = read;
  return facts;
}

/** A native audit Event (also as carried by EKS and AKS) as an ObjectWrite, or null. */
export function writeFromAuditEvent(
  event: JsonObject,
  format: RecordFormat,
  fallbackTime: number | null = null,
): ObjectWrite | null {
  const verb = event['verb'];
  if (!isWriteVerb(verb)) return null;
  const ref = asObject(event['objectRef']);
  if (!ref || nonEmpty(ref['subresource']) !== null) return null;
  const resource = writtenResource(ref['resource'], nonEmpty(ref['apiGroup']));
  if (resource === null) return null;
  // The read parser takes the same event, posing as a get of Secrets, for the facts every request shares.
  const facts = requestFacts(
    readFromAuditEvent({ ...event, verb: 'get', objectRef: { resource: 'secrets' } }, format, fallbackTime),
  );
  if (!facts) return null;
  return { ...facts, verb, resource, namespace: nonEmpty(ref['namespace']), name: nonEmpty(ref['name']) };
}

/**
 * A GKE Cloud Audit Logs entry as an ObjectWrite, or null: methodName
 * `io.k8s.core.v1.secrets.update` or `io.k8s.authorization.rbac.v1.rolebindings.delete`,
 * resourceName `core/v1/namespaces/NS/secrets/NAME`, `rbac.authorization.k8s.io/v1/clusterroles/NAME`.
 */
export function writeFromGkeEntry(entry: JsonObject): ObjectWrite | null {
  const proto = asObject(entry['protoPayload']);
  if (!proto) return null;
  const method = asString(proto['methodName'])?.split('.') ?? [];
  if (method[0] !== 'io' || method[1] !== 'k8s') return null;
  const core = method.length === 6 && method[2] === 'core' && method[3] === 'v1';
  const rbac = method.length === 7 && method[2] === 'authorization' && method[3] === 'rbac';
  const resource = writtenResource(method[method.length - 2], core ? null : rbac ? RBAC_GROUP : '?');
  const verb = method[method.length - 1];
  if (resource === null || !isWriteVerb(verb)) return null;
  const facts = requestFacts(
    readFromGkeEntry({
      ...entry,
      protoPayload: { ...proto, methodName: 'io.k8s.core.v1.secrets.get', resourceName: '' },
    }),
  );
  if (!facts) return null;
  const path = (asString(proto['resourceName']) ?? '').split('/');
  const nsAt = path.indexOf('namespaces');
  const resourceAt = path.indexOf(resource, nsAt + 1);
  return {
    ...facts,
    verb,
    resource,
    namespace: nsAt !== -1 ? nonEmpty(path[nsAt + 1]) : null,
    name: resourceAt !== -1 ? nonEmpty(path[resourceAt + 1]) : null,
  };
}
