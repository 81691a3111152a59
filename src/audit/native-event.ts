import type { ReadScope, ReadVerb, RecordFormat } from './report-types.js';
import { stageRank, type SecretRead } from './secret-read.js';
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

export const POD_NAME = 'authentication.kubernetes.io/pod-name';
export const NODE_NAME = 'authentication.kubernetes.io/node-name';
export const CREDENTIAL_ID = 'authentication.kubernetes.io/credential-id';
export const DECISION = 'authorization.k8s.io/decision';

export function isReadVerb(verb: unknown): verb is ReadVerb {
  return verb === 'get' || verb === 'list' || verb === 'watch';
}

/**
 * What a read is made of, taken from an audit Event: by property from a parsed event
 * (fieldsOfEvent), or straight from a line's bytes by the WebAssembly walk (wasm-event.ts). Each field is
 * already narrowed the way readFromFields needs it.
 */
export interface EventFields {
  auditID: string | null;
  stage: string | undefined;
  verb: string | undefined;
  /** objectRef is an object; its fields below are null/undefined otherwise. */
  hasObjectRef: boolean;
  resource: string | undefined;
  subresource: string | null;
  apiGroup: string | null;
  namespace: string | null;
  name: string | null;
  requestURI: string | undefined;
  /** user.username when a string. */
  username: string | undefined;
  impersonatedUsername: string | null;
  /** From user.extra, when it is an object. */
  pod: string | null;
  node: string | null;
  credentialId: string | null;
  groups: string[];
  impersonatedGroups: string[];
  sourceIPs: string[];
  userAgent: string | null;
  code: number | null;
  /** annotations["authorization.k8s.io/decision"] is "forbid". */
  forbidden: boolean;
  requestReceivedTimestamp: number | null;
  timestamp: number | null;
  stageTimestamp: number | null;
  creationTimestamp: number | null;
}

/** The fields of a parsed audit Event (audit.k8s.io v1 or v1beta1, also as carried by EKS and AKS). */
export function fieldsOfEvent(event: JsonObject): EventFields {
  const ref = asObject(event['objectRef']);
  const user = asObject(event['user']);
  const extra = asObject(user?.['extra']);
  const impersonated = asObject(event['impersonatedUser']);
  return {
    auditID: nonEmpty(event['auditID']),
    stage: asString(event['stage']),
    verb: asString(event['verb']),
    hasObjectRef: ref !== undefined,
    resource: asString(ref?.['resource']),
    subresource: nonEmpty(ref?.['subresource']),
    apiGroup: nonEmpty(ref?.['apiGroup']),
    namespace: nonEmpty(ref?.['namespace']),
    name: nonEmpty(ref?.['name']),
    requestURI: asString(event['requestURI']),
    username: asString(user?.['username']),
    impersonatedUsername: nonEmpty(impersonated?.['username']),
    pod: extra ? firstString(extra[POD_NAME]) : null,
    node: extra ? firstString(extra[NODE_NAME]) : null,
    credentialId: extra ? firstString(extra[CREDENTIAL_ID]) : null,
    groups: stringArray(user?.['groups']),
    impersonatedGroups: stringArray(impersonated?.['groups']),
    sourceIPs: stringArray(event['sourceIPs']),
    userAgent: nonEmpty(event['userAgent']),
    code: asNumber(asObject(event['responseStatus'])?.['code']) ?? null,
    forbidden: asObject(event['annotations'])?.[DECISION] === 'forbid',
    requestReceivedTimestamp: parseTimestamp(event['requestReceivedTimestamp']),
    timestamp: parseTimestamp(event['timestamp']),
    stageTimestamp: parseTimestamp(event['stageTimestamp']),
    creationTimestamp: parseTimestamp(asObject(event['metadata'])?.['creationTimestamp']),
  };
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
  if (!isReadVerb(event['verb'])) return null;
  return readFromFields(fieldsOfEvent(event), format, fallbackTime);
}

/** The SecretRead of an event's fields, or null when the event does not read Secrets. */
export function readFromFields(
  fields: EventFields,
  format: RecordFormat,
  fallbackTime: number | null = null,
): SecretRead | null {
  const { verb, stage } = fields;
  if (!isReadVerb(verb)) return null;
  if (!fields.hasObjectRef || fields.resource !== 'secrets' || fields.subresource !== null) return null;
  // Secrets live in the core group; another group's "secrets" resource is not them.
  if (fields.apiGroup !== null) return null;

  const { namespace, requestURI: uri, code } = fields;
  const selected = verb === 'get' ? null : fieldSelectedName(uri);
  const name = fields.name ?? selected;
  return {
    auditID: fields.auditID,
    stageRank: stageRank(stage),
    verb,
    namespace,
    name,
    scope: scopeOf(verb, namespace, name, selected !== null || uri === undefined),
    user: fields.username ?? '',
    impersonatedUser: fields.impersonatedUsername,
    pod: fields.pod,
    node: fields.node,
    credentialId: fields.credentialId,
    groups: fields.groups,
    impersonatedGroups: fields.impersonatedGroups,
    sourceIPs: fields.sourceIPs,
    userAgent: fields.userAgent,
    code,
    denied: code === 403 || fields.forbidden,
    time: eventTime(fields) ?? fallbackTime,
    format,
  };
}

/**
 * An event of core Secrets that carries a request or response body (logged at Request or RequestResponse level):
 * the body holds the Secret's values, so the log itself does.
 */
export function holdsSecretBody(event: JsonObject): boolean {
  const ref = asObject(event['objectRef']);
  return (
    ref?.['resource'] === 'secrets' &&
    nonEmpty(ref['apiGroup']) === null &&
    (asObject(event['requestObject']) !== undefined || asObject(event['responseObject']) !== undefined)
  );
}

export type EventTimes = Pick<
  EventFields,
  'requestReceivedTimestamp' | 'timestamp' | 'stageTimestamp' | 'creationTimestamp'
>;

/** When an event happened (epoch ms): the time of receipt, else the first of its other times it carries. */
export function eventTime(fields: EventTimes): number | null {
  return fields.requestReceivedTimestamp ?? fields.timestamp ?? fields.stageTimestamp ?? fields.creationTimestamp;
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
