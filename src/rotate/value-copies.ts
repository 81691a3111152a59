// Copies of a Secret's values kept in its metadata, where anyone who may read
// metadata (controllers, `kubectl get -o yaml` with list rights on metadata)
// sees them: kubectl's last-applied-configuration, and any annotation or label
// that holds a value. A rotation must not leave old values there. Pure.

/** `kubectl apply` stores the whole applied object here, values included. */
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Values shorter than this are not looked for inside other strings: "app" or
 * "true" would match unrelated labels. last-applied-configuration is judged by
 * its content instead, whatever the value's length.
 */
export const MIN_COPY_BYTES = 6;

export interface ValueCopies {
  annotations: string[];
  labels: string[];
}

interface Meta {
  annotations?: Record<string, string> | null;
  labels?: Record<string, string> | null;
}

/** Annotation and label keys whose values hold a copy of one of `data`'s values (base64, as the API stores them). */
export function valueCopies(meta: Meta, data: Readonly<Record<string, string>>): ValueCopies {
  const patterns = copyPatterns(data);
  const holds = (text: string): boolean => patterns.some((p) => text.includes(p));
  const annotations = Object.entries(meta.annotations ?? {})
    .filter(([key, text]) => (key === LAST_APPLIED ? appliedHoldsData(text) || holds(text) : holds(text)))
    .map(([key]) => key);
  const labels = Object.entries(meta.labels ?? {})
    .filter(([, text]) => holds(text))
    .map(([key]) => key);
  return { annotations: annotations.sort(), labels: labels.sort() };
}

export const hasCopies = (c: ValueCopies): boolean => c.annotations.length + c.labels.length > 0;

/** `annotation a, label b`, for progress lines and notes. */
export function describeCopies(c: ValueCopies): string {
  return [...c.annotations.map((k) => `annotation ${k}`), ...c.labels.map((k) => `label ${k}`)].join(', ');
}

/** The metadata without the entries that hold copies. */
export function withoutCopies<M extends Meta>(meta: M, c: ValueCopies): M {
  const drop = (
    entries: Record<string, string> | null | undefined,
    keys: string[],
  ): Record<string, string> | undefined => {
    if (!entries) return undefined;
    return Object.fromEntries(Object.entries(entries).filter(([k]) => !keys.includes(k)));
  };
  const annotations = drop(meta.annotations, c.annotations);
  const labels = drop(meta.labels, c.labels);
  return { ...meta, ...(annotations ? { annotations } : {}), ...(labels ? { labels } : {}) };
}

/** Whether an applied configuration carries `data` or `stringData` (unparseable: assume it does). */
function appliedHoldsData(text: string): boolean {
  try {
    const applied = JSON.parse(text) as { data?: unknown; stringData?: unknown } | null;
    const nonEmpty = (v: unknown): boolean => !!v && typeof v === 'object' && Object.keys(v).length > 0;
    return nonEmpty(applied?.data) || nonEmpty(applied?.stringData);
  } catch {
    return true;
  }
}

/** Each value as it may be copied: its base64, its text, and its text as JSON escapes it. */
function copyPatterns(data: Readonly<Record<string, string>>): string[] {
  const out = new Set<string>();
  for (const b64 of Object.values(data)) {
    const bytes = Buffer.from(b64, 'base64');
    if (bytes.length < MIN_COPY_BYTES) continue;
    out.add(b64);
    out.add(bytes.toString('base64'));
    const text = bytes.toString('utf8');
    if (!text.includes('\uFFFD')) {
      out.add(text);
      out.add(JSON.stringify(text).slice(1, -1));
    }
  }
  return [...out];
}
