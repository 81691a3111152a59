import type { ReadScope, ReadVerb, RecordFormat } from './report-types.js';
import { STAGE_RANK, type SecretRead } from './secret-read.js';
import { fieldSelectedName } from './field-selector.js';
import {
  asNumber,
  asObject,
  asString,
  firstString,
  nonEmpty,
  parseTimestamp,
  stringArray,
  type JsonObject,
} from './json-fields.js';

const POD_NAME = 'authentication.kubernetes.io/pod-name';
const NODE_NAME = 'authentication.kubernetes.io/node-name';
const CREDENTIAL_ID = 'authentication.kubernetes.io/credential-id';
const DECISION = 'authorization.k8s.io/decision';

export function isReadVerb(verb: unknown): verb is ReadVerb {
  return verb === 'get' || verb === 'list' || verb === 'watch';
}

/**
 * A Kubernetes audit Event (audit.k8s.io v1 or v1beta1, also as carried by EKS and AKS)
 * as a SecretRead, or null when it does not read Secrets. Request and response bodies
 * are never looked at.
 */
export function readFromAuditEvent(
  event: JsonObject,
  format: RecordFormat,
  fallbackTime: number | null = null,
): SecretRead | null {
  const verb = event['verb'];
  if (!isReadVerb(verb)) return null;
  const ref = asObject(event['objectRef']);
  if (!ref || ref['resource'] !== 'secrets' || nonEmpty(ref['subresource']) !== null) return null;
  // Secrets live in the core group; another group's "secrets" resource is not them.
  if (nonEmpty(ref['apiGroup']) !== null) return null;

  const namespace = nonEmpty(ref['namespace']);
  const uri = asString(event['requestURI']);
  const selected = verb === 'get' ? null : fieldSelectedName(uri);
  const name = nonEmpty(ref['name']) ?? selected;
  const user = asObject(event['user']);
  const extra = asObject(user?.['extra']);
  const status = asObject(event['responseStatus']);
  const code = asNumber(status?.['code']) ?? null;
  const decision = asObject(event['annotations'])?.[DECISION];
  const stage = asString(event['stage']);
  const metadata = asObject(event['metadata']);
  const impersonated = asObject(event['impersonatedUser']);

  return {
    auditID: nonEmpty(event['auditID']),
    stageRank: (stage !== undefined ? STAGE_RANK[stage] : undefined) ?? 2,
    verb,
    namespace,
    name,
    scope: scopeOf(verb, namespace, name, selected !== null || uri === undefined),
    user: asString(user?.['username']) ?? '',
    impersonatedUser: nonEmpty(impersonated?.['username']),
    pod: extra ? firstString(extra[POD_NAME]) : null,
    node: extra ? firstString(extra[NODE_NAME]) : null,
    credentialId: extra ? firstString(extra[CREDENTIAL_ID]) : null,
    groups: stringArray(user?.['groups']),
    impersonatedGroups: stringArray(impersonated?.['groups']),
    sourceIPs: stringArray(event['sourceIPs']),
    userAgent: nonEmpty(event['userAgent']),
    code,
    denied: code === 403 || decision === 'forbid',
    time:
      parseTimestamp(event['requestReceivedTimestamp']) ??
      parseTimestamp(event['timestamp']) ??
      parseTimestamp(event['stageTimestamp']) ??
      parseTimestamp(metadata?.['creationTimestamp']) ??
      fallbackTime,
    format,
  };
}

/**
 * How a read reached Secrets. A list/watch with a name got it from a field selector
 * (the API server copies fieldSelector=metadata.name into objectRef.name), except on the
 * legacy /watch/namespaces/NS/secrets/NAME path, whose URI has no selector.
 */
export function scopeOf(
  verb: ReadVerb,
  namespace: string | null,
  name: string | null,
  selectedByField: boolean,
): ReadScope {
  if (verb === 'get') return 'named';
  if (name !== null) return selectedByField ? 'field-selected' : 'named';
  return namespace !== null ? 'namespace-wide' : 'cluster-wide';
}
