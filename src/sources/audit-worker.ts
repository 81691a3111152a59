// The entry of an audit worker thread, in one of two roles. By default it reads the batches of
// records it is sent and counts their requests in the tallies of its partitions (the main thread
// routes every stage of a request to the same partition). With a scan job as workerData it reads
// whole logs for one query and posts what it finds (src/sources/audit-scan-worker.ts). Bundled on
// its own (scripts/audit-worker-source.mjs) and embedded in the CLI bundle as text.
import { parentPort, workerData } from 'node:worker_threads';
import { PartitionTallies, type TallyMessage } from '../audit/request-tally.js';
import { isScanJob, scanForParent } from './audit-scan-worker.js';

if (isScanJob(workerData)) {
  void scanForParent(workerData, parentPort!);
} else {
  const tallies = new PartitionTallies();
  // one reply per message, in order
  parentPort?.on('message', (message: TallyMessage) => parentPort!.postMessage(tallies.answer(message)));
}
