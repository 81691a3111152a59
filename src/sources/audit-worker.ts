// The entry of an audit worker thread: reads the batches of records it is sent.
// Bundled on its own (scripts/audit-worker-source.mjs) and embedded in the CLI bundle as text.
import { parentPort } from 'node:worker_threads';
import { readBatch, type RecordBatch } from '../audit/record-batch.js';

parentPort?.on('message', (batch: RecordBatch) => {
  parentPort!.postMessage(readBatch(batch));
});
