// Runs in its own process so that its peak RSS is the engine's alone.
//   node child.mjs ENGINE_BUNDLE scan FILE...   -> the audit engine over the files
//   node child.mjs ENGINE_BUNDLE zlib FILE.gz   -> Node's gunzip alone, nothing scanned
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';

const [engine, mode, ...files] = process.argv.slice(2);
const started = performance.now();
let result;
if (mode === 'zlib') {
  let bytes = 0;
  for await (const chunk of createReadStream(files[0], { highWaterMark: 1 << 20 }).pipe(
    createGunzip({ chunkSize: 1 << 20 }),
  ))
    bytes += chunk.length;
  result = { bytes };
} else {
  const { runAudit, openAuditLogs, auditWorkerPool } = await import(engine);
  // KUBECTL_SECRETS_AUDIT_THREADS=0: everything on one thread (the engine before worker threads)
  const pool = auditWorkerPool?.();
  const report = await runAudit(await openAuditLogs(files), { includeSystem: true, pool });
  await pool?.close();
  result = {
    bytes: report.totals.bytes,
    requests: report.totals.requests,
    denied: report.totals.denied,
    parsedLines: report.totals.parsedLines,
    lines: report.totals.lines,
  };
}
result.ms = performance.now() - started;
// CPU time of every thread: a figure less disturbed than wall time when the machine is shared
const cpu = process.cpuUsage();
result.cpuMs = (cpu.user + cpu.system) / 1000;
// the calling thread's share (Node >= 23.9); the rest is the worker threads'
const main = process.threadCpuUsage?.();
if (main) result.mainCpuMs = (main.user + main.system) / 1000;
result.maxRssMB = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify(result));
