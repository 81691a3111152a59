// Could read (who-can), mounted where (exposure) and did read (audit), gathered at
// once: the cluster reads run while the logs are scanned. Through the functions it is
// given; no I/O of its own.
import type { AuditReport, SecretRead } from '../audit/run.js';
import type { ExposureReport } from '../exposure/report.js';
import type { WhoCanResult } from '../whocan/run.js';
import { joinAccess, type AccessSubject, type ExpectedReaders } from './join.js';
import { AccessLedger } from './ledger.js';

export interface AccessDeps {
  /** who-can with control-plane rows included (the join judges them `expected`). */
  whoCan(): Promise<WhoCanResult>;
  /** Consumers of the Secret; undefined when not asked for. */
  exposure?: () => Promise<ExposureReport>;
  /** Scans the audit logs for this Secret, handing on each request once; absent without --log. */
  audit?: (onRequest: (read: SecretRead) => void) => Promise<AuditReport>;
  timelineLimit?: number;
}

export interface Access {
  whoCan: WhoCanResult;
  exposure: ExposureReport | undefined;
  audit: AuditReport | undefined;
  ledger: AccessLedger;
  subjects: AccessSubject[];
}

export async function gatherAccess(deps: AccessDeps): Promise<Access> {
  const ledger = new AccessLedger(deps.timelineLimit);
  const [whoCan, exposure, audit] = await Promise.all([
    deps.whoCan(),
    deps.exposure?.(),
    deps.audit?.((read) => ledger.add(read)),
  ]);
  const expected = expectedReaders(whoCan, exposure);
  return { whoCan, exposure, audit, ledger, subjects: joinAccess({ rows: whoCan.rows, ledger, expected }) };
}

/** The consumers' ServiceAccounts and the nodes that run them (from exposure, else who-can's own consumer scan). */
export function expectedReaders(whoCan: WhoCanResult, exposure: ExposureReport | undefined): ExpectedReaders {
  const serviceAccounts = new Map<string, string>();
  const nodes = new Map<string, string[]>();
  const onNode = (node: string, consumer: string): void => {
    const list = nodes.get(node) ?? [];
    if (!list.includes(consumer)) list.push(consumer);
    nodes.set(node, list);
  };
  for (const c of exposure?.items ?? []) {
    if (c.role !== 'consumes') continue;
    const label = `${c.kind}/${c.name}`;
    if (c.serviceAccount) serviceAccounts.set(`${c.namespace}/${c.serviceAccount}`, label);
    for (const node of c.nodes ?? []) onNode(node, label);
  }
  for (const node of whoCan.metadata.consumers.nodes) if (!nodes.has(node)) onNode(node, 'a consumer pod');
  return { serviceAccounts, nodes };
}
