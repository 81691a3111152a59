// The entry of an audit worker thread: reads the batches of records it is sent and counts their
// requests in its own tally (the main thread routes every stage of a request to the same thread).
// Bundled on its own (scripts/audit-worker-source.mjs) and embedded in the CLI bundle as text.
import { parentPort } from 'node:worker_threads';
import { readBatch } from '../audit/record-batch.js';
import { RequestTally } from '../audit/request-tally.js';
import type { PoolMessage } from './audit-workers.js';

let tally: RequestTally | null = null;

// one reply per message, in order
parentPort?.on('message', (message: PoolMessage) => {
  switch (message.kind) {
    case 'start':
      tally = new RequestTally(message.query);
      parentPort!.postMessage(null);
      break;
    case 'batch':
      parentPort!.postMessage(readBatch(message.batch, tally!));
      break;
    case 'finish':
      parentPort!.postMessage(tally!.finish());
      tally = null;
      break;
  }
});
