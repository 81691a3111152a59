import { kubectlName } from '../output/names.js';
import type { Report, View } from '../output/report.js';
import type { Journal } from '../rotate/journal.js';
import type { Plan } from '../rotate/plan.js';
import type { Prepared } from '../rotate/run-inspect.js';
import type { Proposal, ResumeResult, RetirePlan } from '../rotate/run.js';
import { undoReason } from '../rotate/usage.js';
import { rotationRows, rowName, summaryOf, type RotationRow } from '../rotate/report.js';

const STATE_COLORS: Record<string, 'green' | 'red' | 'yellow' | 'gray'> = {
  'rolled-out': 'green',
  updated: 'green',
  failed: 'red',
  reverted: 'yellow',
  skipped: 'yellow',
  planned: 'gray',
};

export const ROTATION_VIEW: View<RotationRow> = {
  columns: [
    { header: 'Consumer', value: rowName },
    { header: 'Uses', value: (r) => r.uses.join(', ') || '-' },
    { header: 'Action', value: (r) => r.action },
    { header: 'State', value: (r) => r.state, color: (r) => STATE_COLORS[r.state] },
    { header: 'Message', value: (r) => r.message ?? '' },
  ],
  name: (r) => kubectlName(r.kind, r.name),
  empty: 'No consumers use this Secret.',
};

/** The lines above the consumer table of a plan: what will be created or written, and kept. */
export function planHeader(prepared: Prepared, dryRun: boolean): string[] {
  const { plan, merged, newVersion, journal } = prepared;
  const lines = [
    `Rotation plan for Secret ${plan.logical} in namespace ${plan.namespace} (${plan.mode}${dryRun ? ', dry run: nothing changes' : ''}):`,
  ];
  const keys = [
    merged.added.length ? `added ${merged.added.join(', ')}` : '',
    merged.changed.length ? `changed ${merged.changed.join(', ')}` : '',
    merged.unchanged.length ? `same value ${merged.unchanged.join(', ')}` : '',
    merged.carried.length ? `carried over ${merged.carried.join(', ')}` : '',
    merged.removed.length ? `removed ${merged.removed.join(', ')}` : '',
  ].filter((k) => k !== '');
  if (newVersion) {
    lines.push(
      `  new Secret: ${plan.to} (version ${journal.version}, type ${newVersion.type}${newVersion.immutable ? ', immutable' : ', mutable'}), replacing ${plan.from}`,
    );
  } else {
    lines.push(
      `  update ${plan.from} in place (a copy of the old values goes to ${plan.logical}-previous for rollback)`,
    );
  }
  lines.push(`  keys: ${keys.join('; ')}`);
  if (plan.mode === 'blue-green') {
    lines.push(
      `  when every rollout is healthy: ${plan.to} current, ${plan.from} previous; unused versions beyond --keep ${journal.keep} are deleted`,
    );
  }
  lines.push(
    `  on failure: ${plan.mode === 'blue-green' ? `consumers go back to ${plan.from}` : 'the old values are written back and the restarted consumers restarted again'}`,
  );
  return lines;
}

/** The plan shown before asking for confirmation: the header, then one line per consumer. */
export function planLines(prepared: Prepared): string[] {
  const lines = planHeader(prepared, false);
  for (const row of rotationRows(undefined, prepared.plan)) {
    lines.push(
      `  ${row.action === 'skip' ? 'NOT ROTATED' : row.action} ${row.kind}/${row.name}${row.uses.length ? ` (${row.uses.join(', ')})` : ''}: ${row.message ?? ''}`,
    );
  }
  if (prepared.plan.consumers.length === 0) lines.push('  no workload uses it: only the Secret changes');
  return lines;
}

export function retireLines(plan: RetirePlan): string[] {
  const lines = [`current version: ${plan.current ?? '(none)'}`];
  for (const v of plan.inUse) lines.push(`  keep ${v.name}: ${keptBecause(plan, v.name)}`);
  for (const v of plan.retire)
    lines.push(
      `  delete ${v.name}${v.version > 0 ? ` (version ${v.version}${v.stage ? `, ${v.stage}` : ''})` : ' (in-place backup)'}`,
    );
  if (plan.retire.length === 0) lines.push('  nothing to delete');
  return lines;
}

/** Why --retire keeps a version: its users, the old revisions that name it, or a scan it cannot trust. */
function keptBecause(plan: RetirePlan, name: string): string {
  const users = plan.usedBy[name] ?? [];
  const undo = plan.undoNeeds[name] ?? [];
  const why = [
    ...(users.length ? [`still in use (${users.join(', ')})`] : []),
    ...(undo.length ? [undoReason(undo)] : []),
  ];
  return why.length ? why.join('; ') : `cannot see every user (${plan.gaps.join('; ')})`;
}

export type RotationReport = Report<RotationRow>;

/** --dry-run: the plan (its warnings were printed on stderr as they came). */
export function planReport({ prepared, complete, warnings }: Proposal): RotationReport {
  return {
    kind: 'RotationReport',
    metadata: { ...summaryOf(prepared.journal, true), complete, warnings },
    items: rotationRows(undefined, prepared.plan),
  };
}

/** What a rotation did; `plan` (known when this process planned it) adds the consumers it skipped. */
export function outcomeReport(
  journal: Journal,
  plan: Plan | undefined,
  { complete, warnings }: Pick<Proposal, 'complete' | 'warnings'>,
): RotationReport {
  return {
    kind: 'RotationReport',
    metadata: { ...summaryOf(journal, false), complete, warnings },
    items: rotationRows(journal, plan),
  };
}

/** --resume with nothing interrupted to finish. */
export function nothingToResumeReport(namespace: string, name: string, result: ResumeResult): RotationReport {
  return {
    kind: 'RotationReport',
    metadata: { namespace, name, result: result.abandoned ? 'aborted' : 'nothing-to-resume', notes: result.notes },
    items: [],
  };
}

/** --retire: what was (or, planned, would be) deleted and what is kept. */
export function retireReport(
  namespace: string,
  plan: RetirePlan,
  { dryRun, deleted, result }: { dryRun: boolean; deleted: string[]; result: 'planned' | 'retired' },
): RotationReport {
  return {
    kind: 'RotationReport',
    metadata: {
      namespace,
      name: plan.logical,
      operation: 'retire',
      dryRun,
      result,
      current: plan.current,
      deleted,
      keptInUse: plan.inUse.map((v) => v.name),
      keptForUndo: plan.undoNeeds,
      ...(plan.gaps.length ? { complete: false, warnings: plan.gaps } : {}),
    },
    items: [],
  };
}
