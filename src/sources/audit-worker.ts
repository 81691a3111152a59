// The entry of the audit worker thread: it reads whole logs for one query and posts what it finds
// (src/sources/audit-scan-worker.ts), or counts one segment of them
// (src/sources/audit-count-worker.ts). Bundled on its own (scripts/audit-worker-source.mjs) and
// embedded in the CLI bundle as text.
import { parentPort, workerData } from 'node:worker_threads';
import { isScanJob, scanForParent } from './audit-scan-worker.js';
import { countForParent, COUNT_JOB_FOLLOWS, isCountJob } from './audit-count-worker.js';

if (isScanJob(workerData) && parentPort) void scanForParent(workerData, parentPort);
// A counting worker starts before its job is known (while the calling thread cuts the segments): it comes as a message.
if (workerData === COUNT_JOB_FOLLOWS && parentPort) {
  const port = parentPort;
  port.once('message', (job: unknown) => {
    if (isCountJob(job)) void countForParent(job, port);
  });
}
