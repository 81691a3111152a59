import type { ManagerKind } from '../consumers/owner.js';
import { analyzeExposure, stateOf, summarize } from './analyze.js';
import { inputsByNamespace, secretKey, type ExposureInputs } from './collect.js';
import {
  SEVERITIES,
  severityRank,
  worstOf,
  type Consumer,
  type Risk,
  type RiskId,
  type Severity,
  type SecretSummary,
  type Worst,
} from './types.js';

export interface Findings {
  high: number;
  medium: number;
  low: number;
}

/** `kind: ExposureReport`: the consumers of one Secret (or of one name in every namespace with -A). */
export interface ExposureReport {
  kind: 'ExposureReport';
  metadata: {
    complete: boolean;
    warnings: string[];
    /** The Secrets asked about: existence, type, keys (names and sizes), manager. */
    secrets: SecretSummary[];
    /** False when the Secret could not be read: missing-key and missing-secret checks were skipped. */
    keysKnown: boolean;
    worstRisk: Worst;
    findings: Findings;
  };
  items: Consumer[];
}

export type InventoryStatus = 'in-use' | 'unused' | 'missing' | 'system';

/** One row of `kind: SecretInventory`. */
export interface InventoryRow {
  namespace: string;
  name: string;
  /** null when Secrets could not be read (existence unknown). */
  exists: boolean | null;
  type?: string;
  immutable?: boolean;
  /** Number of keys, null when unknown. */
  keys: number | null;
  keyNames?: string[];
  consumers: number;
  consumerNames: string[];
  /** SecretProviderClasses that write this Secret. */
  producers: string[];
  worstRisk: Worst;
  risks: RiskId[];
  findings: Findings;
  manager?: ManagerKind;
  managedBy?: string;
  hint?: string;
  status: InventoryStatus;
}

export interface SecretInventory {
  kind: 'SecretInventory';
  metadata: {
    complete: boolean;
    warnings: string[];
    namespace: string | null;
    keysKnown: boolean;
    counts: { secrets: number; inUse: number; unused: number; missing: number; system: number };
    worstRisk: Worst;
    findings: Findings;
  };
  items: InventoryRow[];
}

export interface Gaps {
  /** Lists refused or failed: the answer may undercount (complete = false). */
  warnings: string[];
  /** Other notes that do not make the answer partial (e.g. key checks skipped). */
  notes: string[];
  complete: boolean;
}

export function exposureReport(
  inputs: ExposureInputs,
  question: { namespace?: string; name: string },
  gaps: Gaps,
): ExposureReport {
  const analysis = analyzeExposure(inputs, question);
  const items = [...analysis.consumers.values()].flat();
  const named = [...(analysis.facts?.values() ?? [])].filter((f) => f.name === question.name).map((f) => f.namespace);
  const namespaces =
    question.namespace !== undefined
      ? [question.namespace]
      : [...new Set([...[...analysis.consumers.keys()].map((k) => k.split('/')[0]!), ...named])].sort();
  const secrets = namespaces.map((ns) =>
    summarize(ns, question.name, stateOf(analysis.facts, secretKey(ns, question.name))),
  );
  const own = secrets.flatMap((s) => s.risks ?? []);
  const findings = sumFindings([countFindings(items), countRisks(own)]);
  return {
    kind: 'ExposureReport',
    metadata: {
      complete: gaps.complete,
      warnings: [...gaps.warnings, ...gaps.notes],
      secrets,
      keysKnown: analysis.facts !== undefined && secrets.every((s) => s.keysKnown),
      worstRisk: worstOf([...items.map((c) => c.worstRisk), ...own.map((r) => r.severity)]),
      findings,
    },
    items,
  };
}

const SYSTEM_MANAGERS: ReadonlySet<ManagerKind> = new Set(['helm-release-record', 'bootstrap-token']);

export function secretInventory(inputs: ExposureInputs, namespace: string | undefined, gaps: Gaps): SecretInventory {
  // All namespaces: one at a time, so that the detail of each consumer (its references, risks) is held for one
  // namespace only; 50,000 bare pods would otherwise be 200,000 evaluated consumers at once.
  const rows =
    namespace !== undefined
      ? inventoryRows(inputs, namespace)
      : inputsByNamespace(inputs).flatMap(([ns, part]) => inventoryRows(part, ns));
  rows.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  const count = (s: InventoryStatus) => rows.filter((r) => r.status === s).length;
  return {
    kind: 'SecretInventory',
    metadata: {
      complete: gaps.complete,
      warnings: [...gaps.warnings, ...gaps.notes],
      namespace: namespace ?? null,
      keysKnown: inputs.secrets !== undefined && rows.every((r) => r.exists !== true || r.keys !== null),
      counts: {
        secrets: rows.length,
        inUse: count('in-use'),
        unused: count('unused'),
        missing: count('missing'),
        system: count('system'),
      },
      worstRisk: worstOf(rows.map((r) => r.worstRisk)),
      findings: sumFindings(rows.map((r) => r.findings)),
    },
    items: rows,
  };
}

/** One row per Secret of the namespace that exists or is named by a consumer. */
function inventoryRows(inputs: ExposureInputs, namespace: string): InventoryRow[] {
  const analysis = analyzeExposure(inputs, { namespace });
  const inScope = [...(analysis.facts?.values() ?? [])].filter((f) => f.namespace === namespace);
  const keys = new Set([...inScope.map((f) => secretKey(f.namespace, f.name)), ...analysis.consumers.keys()]);
  const rows: InventoryRow[] = [];
  for (const key of keys) {
    const slash = key.indexOf('/');
    const [ns, name] = [key.slice(0, slash), key.slice(slash + 1)];
    const summary = summarize(ns, name, stateOf(analysis.facts, key));
    const all = analysis.consumers.get(key) ?? [];
    const consumers = all.filter((c) => c.role === 'consumes');
    const producers = all.filter((c) => c.role === 'produces').map((c) => `${c.kind}/${c.name}`);
    const risks = [...(summary.risks ?? []), ...consumers.flatMap((c) => c.uses.flatMap((u) => u.risks))];
    const distinct = [
      ...new Set(risks.sort((a, b) => severityRank(b.severity) - severityRank(a.severity)).map((r) => r.id)),
    ];
    const status: InventoryStatus =
      consumers.length > 0
        ? summary.exists === false
          ? 'missing'
          : 'in-use'
        : summary.manager && SYSTEM_MANAGERS.has(summary.manager.manager)
          ? 'system'
          : 'unused';
    rows.push({
      namespace: ns,
      name,
      exists: summary.exists,
      ...(summary.type !== undefined ? { type: summary.type } : {}),
      ...(summary.immutable ? { immutable: true } : {}),
      keys: summary.keys ? summary.keys.length : null,
      ...(summary.keys ? { keyNames: summary.keys.map((k) => k.name) } : {}),
      consumers: consumers.length,
      consumerNames: consumers.map((c) => `${c.kind}/${c.name}`),
      producers,
      worstRisk: worstOf(risks.map((r) => r.severity)),
      risks: distinct,
      findings: sumFindings([countFindings(consumers), countRisks(summary.risks ?? [])]),
      ...(summary.manager
        ? {
            manager: summary.manager.manager,
            ...(summary.manager.by ? { managedBy: summary.manager.by } : {}),
            hint: summary.manager.hint,
          }
        : {}),
      status,
    });
  }
  return rows;
}

function countFindings(consumers: readonly Consumer[]): Findings {
  return countRisks(consumers.flatMap((c) => c.uses.flatMap((u) => u.risks)));
}

function countRisks(risks: readonly Risk[]): Findings {
  const f: Findings = { high: 0, medium: 0, low: 0 };
  for (const r of risks) f[r.severity]++;
  return f;
}

function sumFindings(list: readonly Findings[]): Findings {
  return list.reduce((a, f) => ({ high: a.high + f.high, medium: a.medium + f.medium, low: a.low + f.low }), {
    high: 0,
    medium: 0,
    low: 0,
  });
}

/** How many findings are at or above a severity (for --fail-on). */
export function findingsAtOrAbove(findings: Findings, threshold: Severity): number {
  const rank = severityRank(threshold);
  return SEVERITIES.filter((s) => severityRank(s) >= rank).reduce((n, s) => n + findings[s], 0);
}
