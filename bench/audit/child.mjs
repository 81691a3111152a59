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
  const { runAudit, openAuditLogs } = await import(engine);
  const report = await runAudit(await openAuditLogs(files), { includeSystem: true });
  result = {
    bytes: report.totals.bytes,
    requests: report.totals.requests,
    denied: report.totals.denied,
    parsedLines: report.totals.parsedLines,
    lines: report.totals.lines,
  };
}
result.ms = performance.now() - started;
result.maxRssMB = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify(result));
