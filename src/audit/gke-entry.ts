import type { SecretRead } from './secret-read.js';
import { isReadVerb, scopeOf } from './native-event.js';
import { asNumber, asObject, asString, nonEmpty, parseTimestamp, type JsonObject } from './json-fields.js';

const PERMISSION_DENIED = 7;
const NOT_FOUND = 5;
const DECISION = 'authorization.k8s.io/decision';

/**
 * A GKE Cloud Audit Logs entry (protoPayload.serviceName k8s.io) as a SecretRead, or null.
 * methodName `io.k8s.core.v1.secrets.get`, resourceName `core/v1/namespaces/NS/secrets/NAME`,
 * principal in authenticationInfo.principalEmail; a denial is status.code 7 (PERMISSION_DENIED).
 */
export function readFromGkeEntry(entry: JsonObject): SecretRead | null {
  const proto = asObject(entry['protoPayload']);
  if (!proto) return null;
  const method = asString(proto['methodName'])?.split('.') ?? [];
  // io . k8s . core . v1 . secrets . get
  if (
    method.length !== 6 ||
    method[0] !== 'io' ||
    method[1] !== 'k8s' ||
    method[2] !== 'core' ||
    method[4] !== 'secrets'
  )
    return null;
  const verb = method[5];
  if (!isReadVerb(verb)) return null;

  const path = (asString(proto['resourceName']) ?? '').split('/');
  const nsAt = path.indexOf('namespaces');
  const namespace = nsAt !== -1 ? nonEmpty(path[nsAt + 1]) : null;
  const secretsAt = path.indexOf('secrets', nsAt + 1);
  const name = secretsAt !== -1 ? nonEmpty(path[secretsAt + 1]) : null;

  const status = asObject(proto['status']);
  const grpc = asNumber(status?.['code']) ?? 0;
  const httpCode = asNumber(asObject(proto['response'])?.['code']);
  const authorization = Array.isArray(proto['authorizationInfo']) ? proto['authorizationInfo'] : [];
  const refused = authorization.some((a) => asObject(a)?.['granted'] === false);
  const decision = asObject(entry['labels'])?.[DECISION];
  const denied =
    grpc === PERMISSION_DENIED ||
    status?.['message'] === 'PERMISSION_DENIED' ||
    httpCode === 403 ||
    decision === 'forbid' ||
    refused;
  const operation = asObject(entry['operation']);
  const metadata = asObject(proto['requestMetadata']);
  const callerIp = nonEmpty(metadata?.['callerIp']);

  return {
    auditID: nonEmpty(operation?.['id']) ?? nonEmpty(entry['insertId']),
    // a long watch is logged when it starts (first) and when it ends (last)
    stageRank: operation?.['first'] === true && operation['last'] !== true ? 1 : 2,
    verb,
    namespace,
    name,
    scope: scopeOf(verb, namespace, name, true),
    user: asString(asObject(proto['authenticationInfo'])?.['principalEmail']) ?? '',
    impersonatedUser: null,
    pod: null,
    node: null,
    sourceIPs: callerIp ? [callerIp] : [],
    userAgent: nonEmpty(metadata?.['callerSuppliedUserAgent']),
    code: httpCode ?? (denied ? 403 : grpc === NOT_FOUND ? 404 : grpc === 0 ? 200 : 500),
    denied,
    time: gkeEntryTime(entry),
    format: 'gke',
  };
}

/** When a GKE entry's request happened (epoch ms), else when Cloud Logging received it. */
export function gkeEntryTime(entry: JsonObject): number | null {
  return parseTimestamp(entry['timestamp']) ?? parseTimestamp(entry['receiveTimestamp']);
}
