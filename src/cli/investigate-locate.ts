// investigate --value-from-file: which Secrets and keys hold a leaked value, then an
// incident report for each. The value is compared in memory and zeroed when done.
import { investigateSecret, type Investigation } from './access-deps.js';
import { colorEnabled, warn, type IO } from './io.js';
import { incidentDocument, printIncident } from './investigate-view.js';
import type { AuditInput, AuditQuery } from '../audit/run.js';
import type { Kube } from '../kube/client.js';
import { scanSecrets, type ScannedSecret } from '../kube/locate.js';
import { matchSecretObject, type KeyMatch } from '../locate/match.js';
import { API_VERSION, type Column } from '../output/report.js';
import { renderTable } from '../output/table.js';
import { printDocument } from '../output/print.js';

export interface InvestigatePlan {
  name: string | undefined;
  valueFile: string | undefined;
  logs: string[];
  query: Omit<AuditQuery, 'now'> & { now: Date };
  includeSystem: boolean;
  output: string;
  noHeaders: boolean;
  /** --context, --cluster, --kubeconfig as given: the next steps name the cluster investigated. */
  clusterFlags: string[];
}

interface MatchRow extends KeyMatch {
  namespace: string;
  name: string;
  type: string;
}

const matchColumns: Column<MatchRow>[] = [
  { header: 'namespace', value: (m) => m.namespace },
  { header: 'secret', value: (m) => m.name },
  { header: 'type', value: (m) => m.type },
  { header: 'key', value: (m) => m.key },
  { header: 'match', value: (m) => m.how, color: () => 'red' },
  { header: 'how', value: (m) => m.detail ?? '' },
];

export async function locateAndInvestigate(
  kube: Kube,
  value: Buffer,
  plan: InvestigatePlan & { inputs: AuditInput[] | undefined; namespace: string | undefined },
  io: IO,
): Promise<number> {
  let scan;
  try {
    scan = await scanSecrets(kube, plan.namespace, (secret) => matchSecretObject(value, secret));
  } finally {
    value.fill(0);
  }
  const rows: MatchRow[] = scan.found.flatMap((s: ScannedSecret<KeyMatch>) =>
    s.matches.map((m) => ({ namespace: s.namespace, name: s.name, type: s.type, ...m })),
  );
  const where = plan.namespace === undefined ? 'all namespaces you may list' : `namespace ${plan.namespace}`;
  const warnings =
    scan.gaps.length > 0 ? [`cannot list secrets in namespaces ${scan.gaps.join(', ')} (forbidden): not searched`] : [];
  const found = scan.found.length;
  const holders = found === 0 ? 'no Secret holds' : found === 1 ? '1 Secret holds' : `${found} Secrets hold`;
  const summary = `${holders} the value (compared ${scan.compared} Secrets in ${where})`;
  if (plan.output === 'name') {
    for (const s of scan.found) io.stdout.write(`secret/${s.name} -n ${s.namespace}\n`);
    io.stderr.write(`${summary}\n`);
    for (const w of warnings) warn(io, w);
    return 0;
  }
  const investigations: Investigation[] = [];
  for (const s of scan.found) {
    investigations.push(
      await investigateSecret(
        kube,
        { namespace: s.namespace, name: s.name },
        {
          inputs: plan.inputs,
          query: plan.query,
          includeSystem: plan.includeSystem,
          io,
          clusterFlags: plan.clusterFlags,
        },
      ),
    );
  }
  if (plan.output === 'json' || plan.output === 'yaml') {
    const doc = {
      apiVersion: API_VERSION,
      kind: 'LeakedValueReport',
      metadata: {
        complete: warnings.length === 0,
        warnings,
        namespace: plan.namespace ?? null,
        compared: scan.compared,
      },
      matches: rows,
      incidents: investigations.map((i) => incidentDocument(i.report)),
    };
    printDocument(doc, plan.output, io);
    for (const w of warnings) warn(io, w);
    return 0;
  }
  // An empty answer goes to stderr, as kubectl's "No resources found".
  (rows.length > 0 ? io.stdout : io.stderr).write(`${summary}\n`);
  if (rows.length > 0)
    io.stdout.write(
      renderTable(matchColumns, rows, { wide: false, noHeaders: plan.noHeaders, color: colorEnabled(io) }),
    );
  for (const w of warnings) warn(io, w);
  for (const i of investigations) {
    io.stdout.write(plan.output === 'markdown' ? '\n---\n\n' : '\n');
    printIncident(i.report, i.rows, plan, io);
  }
  return 0;
}
