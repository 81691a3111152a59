import type { RecordFormat } from './report-types.js';
import { asObject, asString, epochNumber, type JsonObject } from './json-fields.js';
import { completeMembersOf, looksTruncated } from './truncated-json.js';

/** What one parsed JSON record holds, once its exporter's envelope is taken off. */
export type Unwrapped =
  | { kind: 'event'; format: RecordFormat; event: JsonObject; fallbackTime: number | null; recovered: boolean }
  | { kind: 'gke'; entry: JsonObject }
  | { kind: 'category'; category: string }
  | { kind: 'unknown' }
  | { kind: 'skip'; reason: 'malformed' | 'truncated' };

/** Keys of wrapper objects whose array elements are the records: AKS/Event Hubs, CloudWatch, EventList. */
export const WRAPPER_KEYS = ['records', 'events', 'logEvents', 'items'] as const;

/**
 * Yields the audit events inside a parsed record: a native Event, a GKE LogEntry,
 * an AKS diagnostic record (event in properties.log, a string or an object), a
 * CloudWatch event (event JSON in `message`), or a wrapper holding many of them
 * ({"records":[…]}, {"events":[…]}, {"logEvents":[…]}, an EventList, or an array).
 */
export function* unwrapRecord(value: unknown, nesting = 0): Generator<Unwrapped> {
  if (Array.isArray(value)) {
    if (nesting > 2) return;
    for (const item of value) yield* unwrapRecord(item, nesting + 1);
    return;
  }
  const record = asObject(value);
  if (!record) {
    yield { kind: 'unknown' };
    return;
  }
  if (record['protoPayload'] !== undefined) {
    yield { kind: 'gke', entry: record };
    return;
  }
  const properties = asObject(record['properties']);
  if (properties && (record['category'] !== undefined || properties['log'] !== undefined)) {
    const category = asString(record['category']);
    if (category) yield { kind: 'category', category };
    yield* fromEmbedded(properties['log'], 'aks', null);
    return;
  }
  const message = record['message'];
  if (typeof message === 'string' && record['auditID'] === undefined) {
    yield* fromEmbedded(message, 'eks', epochNumber(record['timestamp']) ?? null);
    return;
  }
  if (record['auditID'] !== undefined || record['kind'] === 'Event') {
    yield { kind: 'event', format: nativeFormat(record), event: record, fallbackTime: null, recovered: false };
    return;
  }
  for (const key of WRAPPER_KEYS) {
    if (Array.isArray(record[key]) && nesting <= 2) {
      for (const item of record[key]) yield* unwrapRecord(item, nesting + 1);
      return;
    }
  }
  yield { kind: 'unknown' };
}

function nativeFormat(event: JsonObject): RecordFormat {
  return event['apiVersion'] === 'audit.k8s.io/v1beta1' ? 'k8s-v1beta1' : 'k8s-v1';
}

/** An event carried as JSON text (AKS properties.log, CloudWatch message) or as an object. */
function* fromEmbedded(log: unknown, format: RecordFormat, fallbackTime: number | null): Generator<Unwrapped> {
  if (typeof log !== 'string') {
    const event = asObject(log);
    yield event ? { kind: 'event', format, event, fallbackTime, recovered: false } : { kind: 'unknown' };
    return;
  }
  const parsed = parseObject(log);
  if (parsed) {
    yield { kind: 'event', format, event: parsed, fallbackTime, recovered: false };
    return;
  }
  if (!looksTruncated(log)) {
    yield { kind: 'skip', reason: 'malformed' };
    return;
  }
  const members = completeMembersOf(log);
  const recovered = members === null ? undefined : parseObject(members);
  yield recovered
    ? { kind: 'event', format, event: recovered, fallbackTime, recovered: true }
    : { kind: 'skip', reason: 'truncated' };
}

function parseObject(text: string): JsonObject | undefined {
  try {
    return asObject(JSON.parse(text));
  } catch {
    return undefined;
  }
}
