// Runs in its own process so that its peak RSS is the engine's alone.
//   node child.mjs ENGINE_BUNDLE scan FILE...   -> the audit engine over the files
//   node child.mjs ENGINE_BUNDLE zlib FILE.gz   -> Node's gunzip alone, nothing scanned
//   node child.mjs ENGINE_BUNDLE count WORKER FILE... -> as `audit` counts: on threads where it pays (WORKER: the worker code)
//   node child.mjs ENGINE_BUNDLE parse FILE     -> JSON.parse of every line alone: the ceiling of one thread that parses;
//                                                 and a walk over every quote of every line: the least a JS field extractor does;
//                                                 and the WebAssembly field walk of every line, fields made strings
import { createReadStream, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
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
} else if (mode === 'parse') {
  const text = readFileSync(files[0]);
  // CPU time of this thread, not wall time: it holds when the machine is busy
  const cpu = () => {
    const u = process.threadCpuUsage?.() ?? process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const parsing = cpu();
  let lines = 0;
  for (let s = 0; s < text.length;) {
    const nl = text.indexOf(10, s);
    const end = nl === -1 ? text.length : nl;
    if (end > s) JSON.parse(text.toString('utf8', s, end));
    lines++;
    s = end + 1;
  }
  const parseMs = cpu() - parsing;
  // The least a field extractor written in JS does: find every string of every line (each quote), nothing else.
  const walking = cpu();
  let quotes = 0;
  for (let s = 0; s < text.length;) {
    const nl = text.indexOf(10, s);
    const end = nl === -1 ? text.length : nl;
    const line = text.toString('utf8', s, end);
    for (let q = line.indexOf('"'); q !== -1; q = line.indexOf('"', q + 1)) quotes++;
    s = end + 1;
  }
  const quoteWalkMs = cpu() - walking;
  // What reads those lines now instead of JSON.parse: the WebAssembly field walk (src/audit/wasm-event.ts).
  const { createWasmEventReader } = await import(engine);
  const reader = createWasmEventReader();
  const reading = cpu();
  let taken = 0;
  for (let s = 0; s < text.length;) {
    const nl = text.indexOf(10, s);
    const end = nl === -1 ? text.length : nl;
    if (end > s && reader.read(text, s, end) !== undefined) taken++;
    s = end + 1;
  }
  result = { bytes: text.length, lines, parseMs, quoteWalkMs, quotes, walkMs: cpu() - reading, taken };
} else if (mode === 'count') {
  const { runAuditCount, openAuditLogs } = await import(engine);
  const [worker, ...logs] = files;
  const counted = await runAuditCount(
    await openAuditLogs(logs),
    { includeSystem: true },
    // one thread per core, however busy the bench keeps them (audit itself counts free cores)
    {
      threads: Math.min(availableParallelism(), 4),
      source: readFileSync(worker, 'utf8'),
    },
  );
  const report = counted.report;
  result = {
    bytes: report.totals.bytes,
    requests: report.totals.requests,
    threads: counted.threads,
    threadCpuMs: counted.threadCpuMs ?? [],
  };
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
const usage = process.resourceUsage();
result.cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000;
const main = process.threadCpuUsage?.();
result.mainThreadCpuMs = main ? (main.user + main.system) / 1000 : null;
result.maxRssMB = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify(result));
