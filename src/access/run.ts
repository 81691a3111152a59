// Could read (who-can), mounted where (exposure) and did read (audit), gathered at
// once: the cluster reads run while the logs are scanned. Through the functions it is
// given; no I/O of its own.
import type { AuditReport, ObjectWrite, SecretRead } from '../audit/run.js';
import type { ExposureReport } from '../exposure/report.js';
import type { WhoCanResult } from '../whocan/run.js';
import { joinAccess, type AccessSubject, type ExpectedReaders } from './join.js';
import { AccessLedger } from './ledger.js';
import { WriteLog } from './write-log.js';

export interface AccessDeps {
  /** who-can with control-plane rows included (the join judges them `expected`). */
  whoCan(): Promise<WhoCanResult>;
  /** Consumers of the Secret; undefined when not asked for. */
  exposure?: () => Promise<ExposureReport>;
  /**
   * Scans the audit logs for this Secret, handing on each request once; absent without --log.
   * With onWrite, also each write of the Secret and of RBAC objects (for the timeline).
   */
  audit?: (
    onRequest: (read: SecretRead) => void,
    onWrite?: (write: ObjectWrite) => void,
    /** Aborted when the cluster side failed: the scan may stop. */
    signal?: AbortSignal,
  ) => Promise<AuditReport>;
  /** Collect writes of the Secret and of RBAC objects too (investigate's timeline). */
  writes?: boolean;
  timelineLimit?: number;
}

export interface Access {
  whoCan: WhoCanResult;
  exposure: ExposureReport | undefined;
  audit: AuditReport | undefined;
  ledger: AccessLedger;
  /** Writes of the Secret and of RBAC objects in the window (none unless asked for). */
  writes: WriteLog;
  readonly subjects: AccessSubject[];
}

export async function gatherAccess(deps: AccessDeps): Promise<Access> {
  const ledger = new AccessLedger(deps.timelineLimit);
  const writes = new WriteLog(deps.timelineLimit);
  const onWrite = deps.writes ? (write: ObjectWrite) => writes.add(write) : undefined;
  // A failed cluster read fails the answer: the scan need not go on reading (gigabytes, maybe).
  const stop = new AbortController();
  const stopScanOnFailure = <T>(work: Promise<T>): Promise<T> =>
    work.catch((err: unknown) => {
      stop.abort(err);
      throw err;
    });
  const [whoCan, exposure, audit] = await Promise.all([
    stopScanOnFailure(deps.whoCan()),
    deps.exposure ? stopScanOnFailure(deps.exposure()) : undefined,
    deps.audit?.((read) => ledger.add(read), onWrite, stop.signal),
  ]);
  // as gathered, whatever a command does with the result afterwards
  const { rows } = whoCan;
  const expected = expectedReaders(whoCan, exposure);
  let subjects: AccessSubject[] | undefined;
  return {
    whoCan,
    exposure,
    audit,
    ledger,
    writes,
    // joined when first asked for: who-can prints its rows and never asks (~5,000 chain steps at 10,000 bindings)
    get subjects() {
      return (subjects ??= joinAccess({ rows, ledger, expected, complete: whoCan.metadata.complete }));
    },
  };
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
