/** The verbs that return a Secret's value. */
export const READ_VERBS = ['get', 'list', 'watch'] as const;
export type ReadVerb = (typeof READ_VERBS)[number];

/**
 * How a read reached a Secret: `named` (get, or a legacy watch path with a name),
 * `field-selected` (list/watch with fieldSelector=metadata.name=NAME),
 * `namespace-wide` (list/watch of every Secret in a namespace),
 * `cluster-wide` (list/watch across all namespaces).
 */
export const READ_SCOPES = ['named', 'field-selected', 'namespace-wide', 'cluster-wide'] as const;
export type ReadScope = (typeof READ_SCOPES)[number];

export const GROUP_BY = ['subject', 'secret', 'verb', 'source', 'user-agent'] as const;
export type AuditGroupBy = (typeof GROUP_BY)[number];

/** Event formats recognised per record; an input reports one of these, or mixed/unknown/empty. */
export type RecordFormat = 'k8s-v1' | 'k8s-v1beta1' | 'gke' | 'eks' | 'aks';
export type InputFormat = RecordFormat | 'mixed' | 'unknown' | 'empty';

export type SubjectKind = 'user' | 'serviceaccount' | 'node' | 'control-plane';

export interface AuditRow {
  /** The value grouped by: a subject ("alice", "admin as bob"), a secret ("ns/name", "ns/*", "*\/*"), a verb, a source IP or a user agent. */
  key: string;
  /** Only on the one row that sums up kubelets and control-plane components (when system reads are not listed one by one). */
  system?: { kubelets: number; controlPlane: number };
  /** Only when grouped by subject. */
  subject?: { user: string; impersonatedUser: string | null; kind: SubjectKind };
  /** Distinct requests (each auditID once), denied ones included. */
  count: number;
  denied: number;
  /** RFC3339 (UTC, millisecond precision) of the first and last request; null when no event carried a time. */
  firstSeen: string | null;
  lastSeen: string | null;
  verbs: ReadVerb[];
  scopes: ReadScope[];
  /** Distinct subjects as displayed ("user", "user as impersonated"). */
  subjects: string[];
  /** Distinct targets: "ns/name" for named and field-selected reads, "ns/*" namespace-wide, "*\/*" cluster-wide. */
  secrets: string[];
  sourceIPs: string[];
  userAgents: string[];
  /** ServiceAccount token reads: "ns/pod" from user.extra authentication.kubernetes.io/pod-name. */
  pods: string[];
  /** Node names from user.extra authentication.kubernetes.io/node-name. */
  nodes: string[];
}

export type SkipReason = 'malformed' | 'truncated' | 'non-utf8' | 'huge' | 'incomplete-last-line';

export interface SkippedLine {
  file: string;
  /** 1-based line number (in the decompressed text for .gz inputs). */
  line: number;
  reason: SkipReason;
}

export interface AuditSkipped {
  malformed: number;
  truncated: number;
  nonUtf8: number;
  huge: number;
  /** The last line of an input without a final newline that did not parse: a log still being written. */
  incompleteLastLine: number;
  emptyFiles: number;
  /** The first few skipped lines, in input order. */
  firstLineNumbers: SkippedLine[];
}

export interface AuditInputSummary {
  path: string;
  format: InputFormat;
  /** Lines in the (decompressed) input; for a pretty-printed JSON document, its text lines. */
  lines: number;
  /** Bytes read, after decompression. */
  bytes: number;
  compressed: boolean;
  /** Why the input could not be read to its end (null when it was): the answer is partial. */
  readError: InputReadFailure | null;
  /**
   * RFC3339 (UTC, millisecond precision) of the earliest of its first records (those read to tell its format) and,
   * of a JSON document (an export, which may be newest first), of its last record: where the log begins. null when
   * they carry no time.
   */
  startsAt: string | null;
  /**
   * Events of Secrets that carry a request or response body (logged at Request or RequestResponse level): the body
   * holds the Secret's values, so the log itself does. Never read further.
   */
  secretBodies: number;
}

export interface InputReadFailure {
  /** The warning's text after the input's name. */
  reason: string;
  /** Bytes read (after decompression) before the failure. */
  bytesRead: number;
  /** For gzip: about where in the compressed bytes inflating stopped; null otherwise. */
  compressedOffset: number | null;
}

export interface AuditTotals {
  /** Distinct secret-read requests that matched the query, denied ones included. */
  requests: number;
  /** Requests not denied (404s and requests whose outcome was never logged included). */
  reads: number;
  denied: number;
  /** Not denied but failed (HTTP status 400 or more, e.g. 404 NotFound). */
  failed: number;
  /** Only a RequestReceived stage was logged: the outcome is unknown. */
  noResponse: number;
  /** Requests by kubelets and control-plane components (listed in `rows` only with includeSystem). */
  system: number;
  /** Audit events (stages) that made up the matched requests. */
  events: number;
  /** Events cut short by their exporter (EKS CloudWatch 256 KB limit) that were still read from their leading fields. */
  truncatedRecovered: number;
  /** Lines handed to the JSON parser after the byte-level prefilter. */
  parsedLines: number;
  lines: number;
  bytes: number;
}

/** What `kubectl secrets audit` hands to its printers. Never contains request or response bodies. */
export interface AuditReport {
  groupBy: AuditGroupBy;
  rows: AuditRow[];
  totals: AuditTotals;
  skipped: AuditSkipped;
  inputs: AuditInputSummary[];
  warnings: string[];
}
