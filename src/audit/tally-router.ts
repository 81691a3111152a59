import type { ResolvedQuery } from './query.js';
import type { SecretRead } from './secret-read.js';
import { compactBatch, readBatch, type BatchResult, type RecordBatch } from './record-batch.js';
import { RequestTally, type TallyPartial } from './request-tally.js';

/**
 * Threads that read batches of records and count what they read, each into its own
 * RequestTally (one per partition): a thread counts and aggregates its share, and the
 * run merges their small partials. Batches of one partition are read in the order sent.
 */
export interface RecordPool {
  /** Partitions requests are split over: as many as the threads it may start. */
  readonly size: number;
  /** Starts a run on `threads` threads (at most size): every partition's tally starts empty, for this query. */
  start(query: ResolvedQuery, threads: number): void;
  read(partition: number, batch: RecordBatch): Promise<BatchResult>;
  /** Ends the run: what each partition counted. */
  finish(): Promise<TallyPartial[]>;
}

/** The scan a batch came from: it takes in what the batch held besides reads, and gets its buffer back. */
export interface BatchOwner {
  absorb(result: BatchResult): void;
  recycle(partition: number, batch: RecordBatch): void;
}

interface Sent {
  partition: number;
  batch: RecordBatch;
  owner: BatchOwner;
  result?: Promise<BatchResult>;
}

/** Batches being read at once, per partition; more only holds more memory. */
const IN_FLIGHT = 2;
/**
 * Below this share of the input in candidate records, the splitting is the work and reading
 * the candidates a small part of it: they are read and counted here, as threads would only
 * add memory (a Node thread is ~35 MB) and hand-offs that cost most on a busy machine.
 */
const DENSE = 1 / 8;

/**
 * Sends the batches of every input of a run to the pool, or reads them here. The choice
 * is made at the first full batch: until then batches are held (copied to their own
 * size). Threads start when candidates are a large share of what was split (a log of
 * Secret reads); otherwise, and for a run that never fills a batch (a few small logs),
 * every batch is read here, in one tally.
 */
export class TallyRouter {
  private started = false;
  /** The run's one tally, when it is counted here (sparse candidates, or never a full batch). */
  private here: RequestTally | null = null;
  private held: Sent[] = [];
  private heldBytes = 0;
  private readonly inFlight: Sent[] = [];
  private scannedBytes = 0;
  private candidateBytes = 0;

  constructor(
    private readonly query: ResolvedQuery,
    private readonly pool: RecordPool,
    /** Bytes held back at most before threads are started anyway. */
    private readonly holdBytes: number,
  ) {}

  get partitions(): number {
    return this.pool.size;
  }

  /** Whether the run is counted here: records are then best read at once, not batched. */
  get countingHere(): boolean {
    return this.here !== null;
  }

  /** A read found here, once countingHere. */
  add(read: SecretRead, recovered: boolean): void {
    this.here!.add(read, recovered);
  }

  /** Bytes of input split so far (for the share of candidates). */
  scanned(bytes: number): void {
    this.scannedBytes += bytes;
  }

  /** A batch of `partition`; `full` when its builder filled it (not an input's last, partial one). */
  submit(partition: number, batch: RecordBatch, owner: BatchOwner, full: boolean): void {
    this.candidateBytes += batch.data.byteLength;
    if (!this.started) {
      if (!full && this.heldBytes + batch.data.byteLength <= this.holdBytes) {
        this.held.push({ partition, batch: compactBatch(batch), owner });
        this.heldBytes += batch.data.byteLength;
        owner.recycle(partition, batch);
        return;
      }
      this.started = true;
      if (this.candidateBytes < DENSE * this.scannedBytes) this.here = new RequestTally(this.query);
      else this.pool.start(this.query, this.pool.size);
      for (const sent of this.held.splice(0)) this.send(sent);
    }
    this.send({ partition, batch, owner });
  }

  /** Waits until at most `max` batches per partition are being read, handing their results to their scans in order. */
  async settle(max = IN_FLIGHT): Promise<void> {
    while (this.inFlight.length > max * this.partitions) {
      const { partition, batch, owner, result } = this.inFlight.shift()!;
      owner.absorb(await result!);
      owner.recycle(partition, batch);
    }
  }

  /** What every tally counted, once every batch is read. */
  async finish(): Promise<TallyPartial[]> {
    await this.settle(0);
    if (this.started && !this.here) return this.pool.finish();
    this.here ??= new RequestTally(this.query);
    for (const sent of this.held.splice(0)) this.send(sent);
    return [this.here.finish()];
  }

  private send(sent: Sent): void {
    if (this.here) {
      sent.owner.absorb(readBatch(sent.batch, this.here));
      sent.owner.recycle(sent.partition, sent.batch);
      return;
    }
    sent.result = this.pool.read(sent.partition, sent.batch);
    // awaited in order by settle(); a failure is reported there, not as an unhandled rejection
    sent.result.catch(() => undefined);
    this.inFlight.push(sent);
  }
}
