import type { RotationMode } from './constants.js';
import { unchangedMessage, type ConsumerState, type Journal, type Step } from './journal.js';
import type { Plan } from './plan.js';
import { workloadRef } from './types.js';
import { shellLine } from '../util/shell.js';

/** One row of a RotationReport: a consumer and what happened to it. */
export interface RotationRow {
  kind: string;
  name: string;
  /** env, envFrom, volume, volume (subPath), projected, imagePullSecret, ... */
  uses: string[];
  /** repoint | restart | wait | none | skip (cannot be rotated automatically) */
  action: string;
  state: ConsumerState | 'skipped';
  message?: string;
}

export type RotationResult = 'planned' | 'rotated' | 'rolled-back' | 'aborted' | 'failed' | 'nothing-to-resume';

export interface RotationSummary {
  namespace: string;
  /** The logical name. */
  name: string;
  mode: RotationMode;
  dryRun: boolean;
  result: RotationResult;
  from: string;
  to: string;
  rotationId?: string;
  keys?: Journal['keys'];
  startedAt?: string;
  finishedAt?: string;
  failure?: { target?: string; message: string };
  steps?: Array<Pick<Step, 'n' | 'action' | 'status'> & { target?: string; note?: string }>;
}

/** The result of a journal: rotated, rolled back, aborted, or failed (left for --resume). */
export function resultOf(journal: Journal): RotationResult {
  switch (journal.state) {
    case 'done':
      return 'rotated';
    case 'rolled-back':
      return 'rolled-back';
    case 'aborted':
      return 'aborted';
    default:
      return 'failed';
  }
}

/** Rows from the journal's consumers, plus what the plan could not rotate (when the plan is known). */
export function rotationRows(journal: Journal | undefined, plan: Plan | undefined): RotationRow[] {
  const rows: RotationRow[] = [];
  if (journal) {
    for (const c of journal.consumers) {
      // The consumer that failed the gate stays "failed" even once it is reverted with the others.
      const culprit = journal.failure?.target === workloadRef(c.kind, c.name) ? journal.failure : undefined;
      const state = culprit ? 'failed' : c.state;
      const message = culprit ? culprit.message : c.message;
      rows.push({ kind: c.kind, name: c.name, uses: c.uses, action: c.action, state, ...(message ? { message } : {}) });
    }
  } else if (plan) {
    for (const c of plan.consumers) {
      const message =
        c.action === 'none'
          ? unchangedMessage(c.kind)
          : c.wait
            ? `waits for its rollout${c.unhealthy ? ` (not healthy now: ${c.unhealthy}; a rollback does not wait for it)` : ''}`
            : c.kind === 'CronJob'
              ? 'the next Job uses it'
              : 'switched by a patch';
      rows.push({ kind: c.kind, name: c.name, uses: c.uses, action: c.action, state: 'planned', message });
    }
  }
  for (const u of plan?.unrotatable ?? [])
    rows.push({ kind: u.kind, name: u.name, uses: u.uses ?? [], action: 'skip', state: 'skipped', message: u.reason });
  return rows;
}

export function summaryOf(journal: Journal, dryRun: boolean): RotationSummary {
  return {
    namespace: journal.namespace,
    name: journal.logical,
    mode: journal.mode,
    dryRun,
    result: dryRun ? 'planned' : resultOf(journal),
    from: journal.from,
    to: journal.to,
    rotationId: journal.id,
    keys: journal.keys,
    startedAt: journal.startedAt,
    ...(dryRun ? {} : { finishedAt: journal.updatedAt }),
    ...(journal.failure ? { failure: journal.failure } : {}),
    ...(dryRun
      ? {}
      : {
          steps: journal.steps.map((s) => ({
            n: s.n,
            action: s.action,
            status: s.status,
            ...(s.target ? { target: s.target } : {}),
            ...(s.note ? { note: s.note } : {}),
          })),
        }),
  };
}

/**
 * The command that finishes or rolls back an interrupted rotation, with the flags that chose the cluster and the
 * identity it ran with: pasted later, after a context switch, it must resume that rotation, not look at another cluster.
 */
export function resumeCommand(logical: string, namespace: string, flags: readonly string[] = []): string {
  return `"${shellLine(['kubectl', 'secrets', 'rotate', logical, '-n', namespace, '--resume', ...flags])}"`;
}

/** One sentence on how it ended, for the end of the table output (`flags`: see resumeCommand). */
export function outcomeLine(journal: Journal, plan: Plan | undefined, flags: readonly string[] = []): string {
  const changed = journal.consumers.filter((c) => c.action === 'repoint' || c.action === 'restart').length;
  const skipped = plan?.unrotatable.length ?? 0;
  // Said plainly: whoever revokes the old credential next would break them.
  const still = journal.mode === 'blue-green' ? 'still on the old values' : 'may still use the old values';
  const skippedText = skipped > 0 ? `; ${skipped} not rotated automatically, ${still}: see SKIP rows` : '';
  const failure = journal.failure
    ? `${journal.failure.target ? `${journal.failure.target}: ` : ''}${journal.failure.message}`
    : '';
  switch (journal.state) {
    case 'done':
      return journal.mode === 'blue-green'
        ? `rotated ${journal.logical}: ${journal.from} → ${journal.to} (${changed} consumer${changed === 1 ? '' : 's'} switched${skippedText})`
        : `rotated ${journal.to} in place (${changed} consumer${changed === 1 ? '' : 's'} restarted${skippedText})`;
    case 'rolled-back':
      return journal.mode === 'blue-green'
        ? `rotation failed and was rolled back: consumers are on ${journal.from}; ${journal.to} is staged failed (${failure})`
        : `rotation failed and was rolled back: ${journal.to} has its old values again (${failure})`;
    case 'aborted':
      return `rotation aborted, nothing changed (${failure})`;
    case 'rolling-back': {
      const stuck = journal.steps.find((s) => s.status === 'failed');
      const why = stuck ? `${stuck.target ? `${stuck.target}: ` : ''}${stuck.note ?? stuck.action}` : 'interrupted';
      return `rotation failed (${failure}) and its rollback did not finish (${why}): fix it, then run ${resumeCommand(journal.logical, journal.namespace, flags)}`;
    }
    default:
      return `rotation failed and was left as is for inspection (${failure}): ${resumeCommand(journal.logical, journal.namespace, flags)} checks again, then finishes or rolls back`;
  }
}

export const rowName = (row: RotationRow): string => workloadRef(row.kind, row.name);
