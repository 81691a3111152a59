// The entry of an audit worker thread: reads the batches of records it is sent and counts their
// requests in the tallies of its partitions (the main thread routes every stage of a request to
// the same partition). Bundled on its own (scripts/audit-worker-source.mjs) and embedded in the
// CLI bundle as text.
import { parentPort } from 'node:worker_threads';
import { PartitionTallies, type TallyMessage } from '../audit/request-tally.js';

const tallies = new PartitionTallies();

// one reply per message, in order
parentPort?.on('message', (message: TallyMessage) => parentPort!.postMessage(tallies.answer(message)));
