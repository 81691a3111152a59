// One measurement in its own process, so that its peak RSS is its own.
//   node child.mjs ENGINE RBAC.json MODE LOG    MODE: audit | who-can | least-privilege
import { readFileSync } from 'node:fs';

const [engine, rbacFile, mode, logFile] = process.argv.slice(2);
const { runAudit, openAuditLogs, runLeastPrivilege, whoCan } = await import(engine);
const snapshot = JSON.parse(readFileSync(rbacFile, 'utf8'));
const SINCE = '2025-06-01T00:00:00Z';
const NOW = new Date('2025-06-08T00:00:00Z');
const started = performance.now();
let result;
if (mode === 'audit') {
  const report = await runAudit(await openAuditLogs([logFile]), { since: SINCE, now: NOW, includeSystem: true });
  result = { requests: report.totals.requests };
} else if (mode === 'who-can') {
  const answer = whoCan({
    secret: { namespace: 'prod', name: 'db-password' },
    rbac: snapshot.rbac,
    serviceAccounts: snapshot.serviceAccounts,
    pods: [],
    workloads: [],
  });
  result = { rows: answer.rows.length };
} else {
  const r = await runLeastPrivilege(
    await openAuditLogs([logFile]),
    { namespace: undefined, since: SINCE, now: NOW, includeSystem: false, suggest: true },
    { load: async () => snapshot },
  );
  result = {
    items: r.items.length,
    findings: r.metadata.summary.findings,
    judged: r.metadata.summary.judged,
    readsChecked: r.metadata.suggestion.readsChecked,
    removed: r.metadata.suggestion.removed.length,
    objects: r.suggestion.objects.length,
  };
}
result.ms = performance.now() - started;
result.maxRssMB = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify(result));
