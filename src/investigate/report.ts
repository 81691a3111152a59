// kind: IncidentReport (docs/output.md): one Secret's could read × did read × mounted
// where × what to do now, from the gathered parts. Pure: the clock is passed in.
import type { Access } from '../access/run.js';
import { VERDICTS, type AccessSubject, type Verdict } from '../access/join.js';
import { inTimeOrder, type TimelineRead } from '../access/ledger.js';
import type { Consumer, SecretSummary } from '../exposure/types.js';
import { LABEL_NAME, LABEL_STAGE, LABEL_VERSION } from '../rotate/constants.js';
import type { Binding } from '../whocan/types.js';
import { nextSteps, type NextStep } from './next-steps.js';
import { changeEntries, type ChangeEntry } from './changes.js';
import { grantingObjects } from '../access/write-log.js';

/** What a Secret's metadata says about its history: never its data (PartialObjectMetadata). */
export interface SecretHistory {
  creationTimestamp: string | null;
  /** The latest managedFields time: the last write, and who made it (field manager). */
  lastChange: { time: string; manager: string; operation: string } | null;
  resourceVersion: string | null;
  labels: Record<string, string>;
}

export interface IncidentWindow {
  since: string | null;
  until: string | null;
  logsBegin: string | null;
}

export interface IncidentSummary {
  secret: {
    namespace: string;
    name: string;
    exists: boolean | null;
    type: string | null;
    immutable: boolean;
    /** Key names and decoded sizes; null when the Secret could not be read. */
    keys: Array<{ name: string; size: number }> | null;
    manager: { manager: string; by: string | null; hint: string } | null;
    created: string | null;
    lastChange: SecretHistory['lastChange'];
    resourceVersion: string | null;
    /** Set on versions made by `kubectl secrets rotate`. */
    rotation: { name: string; version: string | null; stage: string | null } | null;
  };
  couldRead: { subjects: number; direct: number; indirect: number; everyone: string[] };
  /** null without audit logs. */
  didRead: { subjects: number; requests: number; reads: number; denied: number } | null;
  mounted: { workloads: number; pods: number; nodes: number };
  verdicts: Record<AccessSubject['verdict'], number>;
}

export interface IncidentConsumer {
  kind: string;
  namespace: string;
  name: string;
  serviceAccount: string | null;
  nodes: string[];
  replicas: Consumer['replicas'] | null;
  uses: string[];
}

export interface ReadEntry extends TimelineRead {
  kind: 'read' | 'denied' | 'failed';
}

/** A read or denial of the Secret, or a change of the Secret or of RBAC that grants it (changes.ts). */
export type IncidentTimelineEntry = ReadEntry | ChangeEntry;

export const isChange = (t: IncidentTimelineEntry): t is ChangeEntry => 'object' in t;

export interface IncidentReport {
  kind: 'IncidentReport';
  metadata: {
    complete: boolean;
    warnings: string[];
    secret: { namespace: string; name: string };
    generatedAt: string;
    /** logsBegin: where the logs begin (the earliest input's startsAt, or the earliest request they hold when earlier). */
    window: IncidentWindow | null;
    logs: string[] | null;
    /** Control-plane subjects left out of `subjects` (see --include-system). */
    hiddenControlPlane: number;
    /** Timeline entries left out once it reached its limit (of reads, and of changes). */
    timelineDropped: number;
    /** Of those, changes (of the objects the timeline lists; the rest are reads). */
    timelineDroppedChanges: number;
  };
  summary: IncidentSummary;
  subjects: AccessSubject[];
  consumers: IncidentConsumer[];
  timeline: IncidentTimelineEntry[];
  nextSteps: NextStep[];
}

export interface IncidentInput {
  secret: { namespace: string; name: string };
  access: Access;
  history: SecretHistory | undefined | null;
  /** Role bindings and cluster role bindings as listed (to name the exact subject to remove). */
  bindings: readonly Binding[];
  /** When the RoleBindings of the Secret's namespace were created (name → RFC3339); null when unknown. */
  roleBindingsCreated?: ReadonlyMap<string, string> | null;
  now: Date;
  window: IncidentWindow | null;
  logs: string[] | null;
  includeSystem: boolean;
  /** Warnings of the audit scan (skipped lines and the like), already worded. */
  auditWarnings: string[];
  /** The scan's answer is whole (no line skipped, every input read): its warnings may still say a log holds values. */
  auditComplete: boolean;
  /** A log could not be read to its end (a truncated .gz): a read may lie in the part lost. */
  logsUnread?: boolean;
  /** kubectl's flags that chose the cluster (--context, --cluster, --kubeconfig): the next steps name it. */
  clusterFlags?: readonly string[];
}

export const NO_LOG_WARNING =
  'no --log: "did read" needs the API server\'s audit logs; showing who could read it and where it is mounted only (next steps show the audit policy that logs Secret reads)';

export function incidentReport(input: IncidentInput): IncidentReport {
  const { access, secret } = input;
  const summary = summaryOf(input);
  const subjects = input.includeSystem ? access.subjects : access.subjects.filter((s) => !s.controlPlane);
  const consumers = (access.exposure?.items ?? []).filter((c) => c.role === 'consumes').map(consumerOf);
  const reads: IncidentTimelineEntry[] = access.ledger.timeline().map((t) => ({ ...t, kind: t.outcome }));
  const granting = grantingObjects(access.whoCan.rows);
  const listed = access.writes.listed(granting);
  const changes = changeEntries(listed.writes, granting);
  const timeline = inTimeOrder([...reads, ...changes]).filter((t) => input.includeSystem || !t.controlPlane);
  const warnings = [
    ...access.whoCan.metadata.warnings,
    ...(access.exposure?.metadata.warnings ?? []),
    ...input.auditWarnings,
    ...(input.logs === null ? [NO_LOG_WARNING] : []),
  ];
  if (input.history === null)
    warnings.push(`cannot list secrets in namespace ${secret.namespace} (forbidden): age and last change unknown`);
  const complete =
    access.whoCan.metadata.complete && (access.exposure?.metadata.complete ?? true) && input.auditComplete;
  return {
    kind: 'IncidentReport',
    metadata: {
      complete,
      warnings: distinctWarnings(warnings),
      secret,
      generatedAt: input.now.toISOString(),
      window: input.window,
      logs: input.logs,
      hiddenControlPlane: access.subjects.length - subjects.length,
      timelineDropped: access.ledger.timelineDropped + listed.dropped,
      timelineDroppedChanges: listed.dropped,
    },
    summary,
    subjects,
    consumers,
    timeline,
    nextSteps: nextSteps({
      secret,
      exists: summary.secret.exists,
      subjects,
      consumers,
      bindings: input.bindings,
      manager: summary.secret.manager,
      auditLogs: input.logs !== null,
      logsUnread: input.logsUnread ?? false,
      windowStart: windowStart(input.window),
      bindingCreated: (namespace, name) =>
        namespace === secret.namespace ? input.roleBindingsCreated?.get(name) : undefined,
      consumerPods: access.whoCan.metadata.consumers.pods.map((p) => `${secret.namespace}/${p}`),
      consumersKnown: access.exposure?.metadata.complete ?? true,
      loggedGroups: (id) => access.ledger.groupsOf(id),
      clusterFlags: input.clusterFlags ?? [],
      rotation: summary.secret.rotation,
    }),
  };
}

/**
 * Where the window the logs were read for begins: where they begin, or --since when later. Unknown when where
 * they begin is (their first records carry no time): --since alone does not say they reach back that far.
 */
function windowStart(window: IncidentWindow | null): number | null {
  if (!window?.logsBegin) return null;
  const begin = Date.parse(window.logsBegin);
  return window.since === null ? begin : Math.max(begin, Date.parse(window.since));
}

/**
 * Each warning once: who-can and exposure both warn about a list they could not read, who-can's with what that
 * means added (`...: the answer may be incomplete`); the longer one stands for both.
 */
function distinctWarnings(warnings: readonly string[]): string[] {
  const unique = [...new Set(warnings)];
  return unique.filter((w) => !unique.some((other) => other.startsWith(`${w}: `)));
}

function summaryOf(input: IncidentInput): IncidentSummary {
  const { access, secret, history } = input;
  const facts: SecretSummary | undefined = access.exposure?.metadata.secrets.find(
    (s) => s.namespace === secret.namespace && s.name === secret.name,
  );
  const labels = history?.labels ?? {};
  const people = access.subjects.filter((s) => !s.controlPlane || input.includeSystem);
  const could = people.filter((s) => s.canRead);
  const readers = access.subjects.filter((s) => s.kind !== 'Group' && s.reads > 0);
  const consumers = (access.exposure?.items ?? []).filter((c) => c.role === 'consumes');
  const verdicts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const s of people) verdicts[s.verdict]++;
  return {
    secret: {
      ...secret,
      exists: facts?.exists ?? (history === undefined ? false : history === null ? null : true),
      type: facts?.type ?? null,
      immutable: facts?.immutable === true,
      keys: facts?.keys ? facts.keys.map((k) => ({ name: k.name, size: k.size })) : null,
      manager: facts?.manager
        ? { manager: facts.manager.manager, by: facts.manager.by ?? null, hint: facts.manager.hint }
        : null,
      created: history?.creationTimestamp ?? null,
      lastChange: history?.lastChange ?? null,
      resourceVersion: history?.resourceVersion ?? null,
      rotation: labels[LABEL_NAME]
        ? { name: labels[LABEL_NAME], version: labels[LABEL_VERSION] ?? null, stage: labels[LABEL_STAGE] ?? null }
        : null,
    },
    couldRead: {
      subjects: could.length,
      direct: could.filter((s) => s.direct).length,
      indirect: could.filter((s) => !s.direct).length,
      everyone: could.filter((s) => s.everyone).map((s) => s.name),
    },
    didRead:
      input.logs === null
        ? null
        : {
            subjects: readers.length,
            requests: access.ledger.requests,
            reads: access.audit ? access.audit.totals.reads - access.audit.totals.failed : 0,
            denied: access.audit?.totals.denied ?? 0,
          },
    mounted: {
      workloads: consumers.length,
      pods: access.whoCan.metadata.consumers.pods.length,
      nodes: new Set([...consumers.flatMap((c) => c.nodes ?? []), ...access.whoCan.metadata.consumers.nodes]).size,
    },
    verdicts,
  };
}

function consumerOf(c: Consumer): IncidentConsumer {
  return {
    kind: c.kind,
    namespace: c.namespace,
    name: c.name,
    serviceAccount: c.serviceAccount ?? null,
    nodes: c.nodes ?? [],
    replicas: c.replicas ?? null,
    uses: [...new Set(c.uses.map((u) => u.via))],
  };
}
