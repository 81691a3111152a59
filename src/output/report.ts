/** The API group and version of every document the tool prints with -o json|yaml. */
export const API_VERSION = 'kubectl-secrets.dev/v1alpha1';

/**
 * What a command hands to the printers: a versioned document whose `items`
 * are plain JSON rows. `metadata` holds the question asked and how complete
 * the answer is (partial, warnings). See docs/output.md for each kind.
 */
export interface Report<T> {
  kind: string;
  metadata: ReportMetadata;
  items: T[];
}

export interface ReportMetadata {
  /** False when a permission or API was missing and the answer may undercount. */
  complete?: boolean;
  warnings?: string[];
  [key: string]: unknown;
}

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Shown only with -o wide. */
  wide?: boolean;
  /** Optional colour for a cell on a terminal. */
  color?: (row: T) => Color | undefined;
}

export type Color = 'red' | 'yellow' | 'green' | 'cyan' | 'gray' | 'bold';

/** How a report looks as a table and as `-o name`. */
export interface View<T> {
  columns: Column<T>[];
  name: (row: T) => string;
  /** Printed on stderr when there are no rows, like kubectl's "No resources found". */
  empty: string;
}

export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml', 'name'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function toDocument<T>(report: Report<T>): {
  apiVersion: string;
  kind: string;
  metadata: ReportMetadata;
  items: T[];
} {
  return { apiVersion: API_VERSION, kind: report.kind, metadata: report.metadata, items: report.items };
}
