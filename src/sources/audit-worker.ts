// The entry of the audit scan thread: it reads whole logs for one query and posts what it finds
// (src/sources/audit-scan-worker.ts). Bundled on its own (scripts/audit-worker-source.mjs) and
// embedded in the CLI bundle as text.
import { parentPort, workerData } from 'node:worker_threads';
import { isScanJob, scanForParent } from './audit-scan-worker.js';

if (isScanJob(workerData) && parentPort) void scanForParent(workerData, parentPort);
