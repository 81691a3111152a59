// Wires the access join (src/access) to the cluster and the audit logs: shared by
// `investigate` and `who-can --log`, so both read the cluster and the logs the same way.
import type { IO } from './io.js';
import { withProgress } from './audit-view.js';
import { asLogError } from './audit-logs.js';
import { gatherAccess, type AccessDeps } from '../access/run.js';
import { incidentReport, type IncidentReport } from '../investigate/report.js';
import { loadSecretHistory } from '../kube/secret-metadata.js';
import { READ_VERBS, type WhoCanRow } from '../whocan/report.js';
import { auditDocument } from '../audit/document.js';
import { runAuditScan } from '../sources/audit-scan-thread.js';
import { anyInputUnread, resolveQuery, type AuditInput, type AuditQuery, type AuditReport } from '../audit/run.js';
import type { ExposureReport } from '../exposure/report.js';
import { runExposure } from '../exposure/run.js';
import type { Kube } from '../kube/client.js';
import { loadExposureSources } from '../kube/exposure-sources.js';
import { loadClusterSnapshot, roleBindingsCreated } from '../kube/rbac.js';
import { indirectNamespaces, type WhoCanOptions } from '../whocan/analyze.js';
import { runWhoCan, type WhoCanDeps } from '../whocan/run.js';
import { prepareTextComparison } from '../util/compare.js';
import type { ClusterSnapshot } from '../whocan/snapshot.js';

export interface AccessWiring {
  deps: AccessDeps;
  /** The RBAC snapshot who-can loaded (bindings, for exact next steps). */
  snapshot(): ClusterSnapshot | undefined;
}

export interface WiringOptions {
  whoCan: WhoCanOptions & { verify?: boolean };
  /** SubjectAccessReviews for who-can --verify. */
  review?: WhoCanDeps['review'];
  exposure: boolean;
  /** Audit inputs and the query (name and namespace are set here); absent without --log. */
  audit?: { inputs: AuditInput[]; query: AuditQuery; io: IO; verbosity?: number };
}

export function accessWiring(
  kube: Kube,
  secret: { namespace: string; name: string },
  options: WiringOptions,
): AccessWiring {
  let snapshot: ClusterSnapshot | undefined;
  const deps: AccessDeps = {
    whoCan: () =>
      runWhoCan(
        secret,
        { verify: false, ...options.whoCan },
        {
          load: async () =>
            (snapshot = await loadClusterSnapshot(kube, secret.namespace, secret.name, {
              indirect: options.whoCan.indirect,
              scope: (partial) => indirectNamespaces({ secret, ...partial }, options.whoCan),
              // the rows are sorted by compareText: its collation (~7 ms of ICU) is set up while the API server
              // writes the lists, not before the requests leave nor after the lists arrive
              whileWaiting: prepareTextComparison,
            })),
          review: options.review ?? (async () => []),
        },
      ),
  };
  if (options.exposure) deps.exposure = () => exposureOf(kube, secret);
  const audit = options.audit;
  if (audit) {
    const query = { ...audit.query, name: secret.name, namespace: secret.namespace };
    deps.audit = (onRequest, onWrite, signal) =>
      withProgress(audit.io, audit.inputs, (onProgress) =>
        // on a worker thread where it can: this one analyses the cluster meanwhile
        runAuditScan(
          audit.inputs,
          { ...query, onRequest, onProgress, ...(onWrite ? { onWrite } : {}) },
          undefined,
          signal,
        ),
      ).then(({ report, onThread, threadCpuMs }) => {
        if (onThread && (audit.verbosity ?? 0) >= 4)
          audit.io.stderr.write(
            `audit: logs read on a worker thread${threadCpuMs != null ? ` (${threadCpuMs} ms CPU there)` : ''}\n`,
          );
        return report;
      }, asLogError);
  }
  return { deps, snapshot: () => snapshot };
}

async function exposureOf(kube: Kube, secret: { namespace: string; name: string }): Promise<ExposureReport> {
  const scope = { namespace: secret.namespace, name: secret.name, metadataOnly: false, showHashes: false };
  const result = await runExposure((s) => loadExposureSources(kube, s), scope);
  if (result.kind !== 'ExposureReport') throw new Error('exposure of one Secret answered with an inventory');
  return result.report;
}

/** The window the logs were read for, the inputs, and the scan's warnings (skipped lines), as reports show them. */
export function auditFacts(report: AuditReport, query: AuditQuery, secret: { namespace: string; name: string }) {
  const resolved = resolveQuery({ ...query, ...secret });
  const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
  const { warnings, complete } = auditDocument(report, resolved, null).metadata;
  return {
    window: { since: iso(resolved.sinceMs), until: iso(resolved.untilMs), logsBegin: logsBegin(report) },
    logs: report.inputs.map((i) => i.path),
    warnings,
    complete,
    /** A log not read to its end (a truncated .gz): what its lost part held is unknown. */
    unread: anyInputUnread(report),
  };
}

/**
 * Where the logs begin: the earliest input's start (RFC3339), or the earliest request they hold when earlier (an input's
 * start is told from its first records, the newest in a log of lines written newest first: `gcloud logging read
 * --format=json | jq -c '.[]'`); null when no input's start is known.
 */
function logsBegin(report: AuditReport): string | null {
  const starts = report.inputs.map((i) => i.startsAt).filter((t) => t !== null);
  if (starts.length === 0) return null;
  const seen = report.rows.map((r) => r.firstSeen).filter((t) => t !== null);
  return [...starts, ...seen].reduce((a, b) => (Date.parse(b) < Date.parse(a) ? b : a));
}

export interface Investigation {
  report: IncidentReport;
  /** who-can's rows behind the subjects (control-plane rows only with includeSystem), for the access graph. */
  rows: WhoCanRow[];
}

/** One Secret's incident report: who-can, exposure and the audit scan at once, then the join. */
export async function investigateSecret(
  kube: Kube,
  secret: { namespace: string; name: string },
  options: {
    inputs: AuditInput[] | undefined;
    query: AuditQuery & { now: Date };
    includeSystem: boolean;
    io: IO;
    verbosity?: number;
    /** --context, --cluster, --kubeconfig as given: the next steps name the cluster. */
    clusterFlags?: readonly string[];
  },
): Promise<Investigation> {
  const { inputs, query } = options;
  const wiring = accessWiring(kube, secret, {
    whoCan: { verbs: READ_VERBS, indirect: true, allPaths: false, includeSystem: true },
    exposure: true,
    ...(inputs ? { audit: { inputs, query, io: options.io, verbosity: options.verbosity ?? 0 } } : {}),
  });
  const [access, history, bindingsCreated] = await Promise.all([
    gatherAccess({ ...wiring.deps, writes: true }),
    loadSecretHistory(kube, secret.namespace, secret.name),
    // only a log can show a reader never read, and only a binding older than the window is judged by that
    inputs ? roleBindingsCreated(kube, secret.namespace) : null,
  ]);
  const facts = access.audit ? auditFacts(access.audit, query, secret) : undefined;
  const snapshot = wiring.snapshot();
  const report = incidentReport({
    secret,
    access,
    history,
    bindings: snapshot ? [...snapshot.rbac.roleBindings, ...snapshot.rbac.clusterRoleBindings] : [],
    roleBindingsCreated: bindingsCreated,
    now: query.now,
    window: facts?.window ?? null,
    logs: facts?.logs ?? null,
    includeSystem: options.includeSystem,
    auditWarnings: facts?.warnings ?? [],
    auditComplete: facts?.complete ?? true,
    logsUnread: facts?.unread ?? false,
    clusterFlags: options.clusterFlags ?? [],
  });
  return {
    report,
    rows: options.includeSystem ? access.whoCan.rows : access.whoCan.rows.filter((r) => !r.controlPlane),
  };
}
