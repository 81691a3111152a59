// What a scan of the logs counted, as plain data: the one thread's over all the logs, or a counting
// thread's over its segment of them, which segments.ts joins into the one thread's.
import type { AggregatorState } from './aggregate.js';
import type { InputScanResult } from './input-scan.js';
import type { AuditSkipped } from './report-types.js';
import type { SegmentRequests } from './request-counter.js';

export interface AuditCount {
  counted: AggregatorState;
  /** Stages of counted requests that arrived after they were counted. */
  lateStages: number;
  /** Events recovered from truncated records. */
  recovered: number;
  skipped: AuditSkipped;
  /** One per input, in the order read. */
  inputs: InputScanResult[];
  /** A segment's: the requests it did not count, and what it knows of those it did. */
  requests?: SegmentRequests;
}
