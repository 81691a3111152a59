import type { SecretRead } from './secret-read.js';
import { matchesQuery, matchesRequest, type ResolvedQuery } from './query.js';
import { RequestCounter } from './request-counter.js';
import { Aggregator, type AggregatePartial } from './aggregate.js';
import { readBatch, type BatchResult, type RecordBatch } from './record-batch.js';

/** What a RequestTally counted, as plain data (it may come from another thread). */
export interface TallyPartial extends AggregatePartial {
  /** Stages of counted requests logged after they were counted. */
  lateStages: number;
  truncatedRecovered: number;
}

/**
 * Counts the reads of one run: each stage filtered by the query, each request once
 * (RequestCounter), and its rows built (Aggregator). A run may keep several, on
 * several threads, as long as every stage of a request goes to the same one (the
 * caller routes by auditID); their partials merge into one report.
 */
export class RequestTally {
  private readonly aggregator: Aggregator;
  private readonly counter: RequestCounter;

  constructor(
    private readonly query: ResolvedQuery,
    onRequest?: (read: SecretRead) => void,
  ) {
    this.aggregator = new Aggregator(query);
    // Stages are filtered on what they all share, requests once their stages are merged.
    this.counter = new RequestCounter((read, stages) => {
      if (!matchesRequest(read, query)) return false;
      this.aggregator.add(read, stages);
      onRequest?.(read);
      return true;
    });
  }

  add(read: SecretRead, recovered: boolean): void {
    if (matchesQuery(read, this.query)) this.counter.add(read, recovered);
  }

  /** Hands on the requests never seen to finish, and says what was counted. */
  finish(): TallyPartial {
    this.counter.finish();
    return {
      ...this.aggregator.partial(),
      lateStages: this.counter.lateStages,
      truncatedRecovered: this.counter.recovered,
    };
  }
}

/** One report's rows and totals from the partials of every tally of a run. */
export function mergeTallies(query: ResolvedQuery, partials: TallyPartial[]) {
  const aggregator = new Aggregator(query);
  let lateStages = 0;
  let truncatedRecovered = 0;
  for (const partial of partials) {
    aggregator.merge(partial);
    lateStages += partial.lateStages;
    truncatedRecovered += partial.truncatedRecovered;
  }
  return { rows: aggregator.result(), totals: aggregator.totals, lateStages, truncatedRecovered };
}

/** What a thread counting partitions of a run is told; each message gets one reply, in order. */
export type TallyMessage =
  | { kind: 'start'; query: ResolvedQuery; partitions: number[] }
  | { kind: 'batch'; partition: number; batch: RecordBatch }
  | { kind: 'finish' };

/** The tallies of the partitions one thread counts (a worker's, or this thread's when none could start). */
export class PartitionTallies {
  private tallies = new Map<number, RequestTally>();

  /** The reply to a message: null to start, a BatchResult to a batch, the partials (in partition order) to finish. */
  answer(message: TallyMessage): BatchResult | TallyPartial[] | null {
    switch (message.kind) {
      case 'start':
        this.tallies = new Map(message.partitions.map((p) => [p, new RequestTally(message.query)]));
        return null;
      case 'batch':
        return readBatch(message.batch, this.tallies.get(message.partition)!);
      case 'finish':
        return [...this.tallies.values()].map((tally) => tally.finish());
    }
  }
}
