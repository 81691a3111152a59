// The rotation journal: every step of a rotation with its status, stored as
// a JSON annotation in the cluster (never a value: names, states, times), so
// that `rotate --resume` can finish or roll back from any machine. Pure.
import { gunzipSync, gzipSync } from 'node:zlib';
import type { RotationMode } from './constants.js';
import type { MergedData } from './values.js';
import type { ConsumerAction, Plan } from './plan.js';
import { workloadRef, type ConsumerKind } from './types.js';

export type StepAction =
  /** blue/green: the new version is created, born with this journal. */
  | 'create-version'
  /** in-place: the journal is written on the Secret (precondition: the values we read). */
  | 'begin'
  /** in-place: the old values are copied to NAME-previous, for rollback. */
  | 'backup'
  /** in-place: the new values are written (together with the journal). */
  | 'update-values'
  | 'repoint'
  | 'restart'
  | 'wait'
  /** blue/green: new version current, old one previous. */
  | 'promote'
  /** blue/green: versions beyond --keep that nobody uses are deleted. */
  | 'prune'
  /** rollback: a changed consumer is switched back (repoint back, or restarted again). */
  | 'undo'
  /** in-place rollback: the old values are written back. */
  | 'restore-values'
  | 'wait-rollback'
  /** blue/green rollback: the new version is staged failed (kept for inspection). */
  | 'mark-failed'
  /** in-place, interrupted before the values were written: the backup is deleted. */
  | 'discard'
  | 'unlock';

export type StepStatus = 'pending' | 'done' | 'failed' | 'skipped';

export interface Step {
  n: number;
  action: StepAction;
  /** Kind/name of the consumer for repoint, restart and undo. */
  target?: string;
  status: StepStatus;
  /** When the status was last set (RFC 3339). */
  at?: string;
  note?: string;
}

/** running → done; running → rolling-back → rolled-back; an in-place rotation interrupted before its values were written → aborted. */
export type JournalState = 'running' | 'rolling-back' | 'done' | 'rolled-back' | 'aborted';

export type ConsumerState = 'planned' | 'changed' | 'rolled-out' | 'updated' | 'failed' | 'reverted' | 'unchanged';

export interface ConsumerRecord {
  kind: ConsumerKind;
  name: string;
  action: ConsumerAction;
  wait: boolean;
  uses: string[];
  state: ConsumerState;
  message?: string;
}

export interface Journal {
  v: 1;
  id: string;
  mode: RotationMode;
  namespace: string;
  logical: string;
  from: string;
  to: string;
  /** blue/green: the new version number. */
  version?: number;
  keep: number;
  timeoutSeconds: number;
  /** in-place: the restartedAt stamp of the rotation, and of its rollback. */
  stamp?: string;
  rollbackStamp?: string;
  holder: string;
  startedAt: string;
  updatedAt: string;
  state: JournalState;
  keys: Pick<MergedData, 'added' | 'changed' | 'unchanged' | 'carried' | 'removed'>;
  consumers: ConsumerRecord[];
  steps: Step[];
  failure?: { target?: string; message: string };
}

export interface JournalOptions {
  id: string;
  holder: string;
  now: Date;
  keep: number;
  timeoutSeconds: number;
  keys: Journal['keys'];
  version?: number;
}

/** The journal of a planned rotation: every forward step, pending. */
export function newJournal(plan: Plan, opts: JournalOptions): Journal {
  const at = opts.now.toISOString();
  const actions: Array<{ action: StepAction; target?: string }> = [];
  const changed = plan.consumers.filter((c) => c.action === 'repoint' || c.action === 'restart');
  if (plan.mode === 'blue-green') {
    actions.push({ action: 'create-version' });
    for (const c of changed) actions.push({ action: 'repoint', target: workloadRef(c.kind, c.name) });
  } else {
    actions.push({ action: 'begin' }, { action: 'backup' }, { action: 'update-values' });
    for (const c of changed) actions.push({ action: 'restart', target: workloadRef(c.kind, c.name) });
  }
  if (plan.consumers.some((c) => c.wait)) actions.push({ action: 'wait' });
  if (plan.mode === 'blue-green') actions.push({ action: 'promote' }, { action: 'prune' });
  actions.push({ action: 'unlock' });

  return {
    v: 1,
    id: opts.id,
    mode: plan.mode,
    namespace: plan.namespace,
    logical: plan.logical,
    from: plan.from,
    to: plan.to,
    ...(opts.version !== undefined ? { version: opts.version } : {}),
    keep: opts.keep,
    timeoutSeconds: opts.timeoutSeconds,
    ...(plan.mode === 'in-place' ? { stamp: rfc3339(opts.now) } : {}),
    holder: opts.holder,
    startedAt: at,
    updatedAt: at,
    state: 'running',
    keys: opts.keys,
    consumers: plan.consumers.map((c) =>
      c.action === 'none'
        ? {
            kind: c.kind,
            name: c.name,
            action: c.action,
            wait: c.wait,
            uses: c.uses,
            state: 'unchanged' as const,
            message: unchangedMessage(c.kind),
          }
        : { kind: c.kind, name: c.name, action: c.action, wait: c.wait, uses: c.uses, state: 'planned' as const },
    ),
    steps: actions.map((a, i) => ({ n: i + 1, ...a, status: 'pending' })),
  };
}

/** Why a consumer the rotation does not touch still gets the new values. */
export const unchangedMessage = (kind: string): string =>
  kind === 'CronJob'
    ? 'the next Job reads the new values'
    : 'names the Secret: reads the new values where it next uses them';

/** What a consumer switched without a rollout now does. */
export const switchedMessage = (kind: string, to: string): string =>
  kind === 'CronJob' ? `the next Job uses ${to}` : `names ${to}`;

/** `kubectl rollout restart`'s stamp format: RFC 3339 without fractions. */
export const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The step to run next: the first pending one, or a failed one to retry (after --no-rollback). */
export function nextStep(j: Journal): Step | undefined {
  return j.steps.find((s) => s.status === 'pending' || s.status === 'failed');
}

export const isFinished = (j: Journal): boolean =>
  j.state === 'done' || j.state === 'rolled-back' || j.state === 'aborted';

export function stepDone(j: Journal, n: number, now: Date, note?: string): Journal {
  const at = now.toISOString();
  const steps = j.steps.map((s) => (s.n === n ? withNote({ ...s, status: 'done' as const, at }, note) : s));
  const step = steps.find((s) => s.n === n);
  let state = j.state;
  // A step retried after --no-rollback succeeded: the old failure is history.
  const failure =
    j.state === 'running' && j.steps.some((s) => s.n === n && s.status === 'failed') ? undefined : j.failure;
  if (step?.action === 'unlock')
    state = j.state === 'running' ? 'done' : steps.some((s) => s.action === 'discard') ? 'aborted' : 'rolled-back';
  const { failure: _old, ...rest } = j;
  return { ...rest, steps, state, updatedAt: at, ...(failure ? { failure } : {}) };
}

/** Marks a step failed. A rollback step's failure stays on the step: `failure` keeps what started the rollback. */
export function stepFailed(j: Journal, n: number, now: Date, message: string, target?: string): Journal {
  const at = now.toISOString();
  const keep = j.state === 'rolling-back' && j.failure;
  return {
    ...j,
    steps: j.steps.map((s) => (s.n === n ? { ...s, status: 'failed' as const, at, note: message } : s)),
    failure: keep ? j.failure! : { ...(target ? { target } : {}), message },
    updatedAt: at,
  };
}

export function setConsumer(j: Journal, ref: string, state: ConsumerState, message?: string): Journal {
  return {
    ...j,
    consumers: j.consumers.map((c) =>
      workloadRef(c.kind, c.name) === ref ? withMessage({ ...c, state }, message) : c,
    ),
  };
}

/**
 * Turns a failed rotation around: forward steps still to do are skipped and
 * the steps that undo what was done are appended. An in-place rotation that
 * never wrote its values has nothing to undo but its backup (aborted).
 */
export function beginRollback(j: Journal, now: Date, failure: { target?: string; message: string }): Journal {
  if (j.state === 'rolling-back') return j;
  const at = now.toISOString();
  const done = (action: StepAction) => j.steps.filter((s) => s.action === action && s.status === 'done');
  const steps: Step[] = j.steps.map((s) =>
    s.status === 'pending' || s.status === 'failed' ? { ...s, status: 'skipped' as const, at } : s,
  );
  const add = (action: StepAction, target?: string): void => {
    steps.push({ n: steps.length + 1, action, ...(target ? { target } : {}), status: 'pending' });
  };
  const waitsFor = (target: string): boolean =>
    j.consumers.some((c) => workloadRef(c.kind, c.name) === target && c.wait);
  let rollbackStamp: string | undefined;

  if (j.mode === 'blue-green') {
    const repointed = done('repoint').map((s) => s.target!);
    for (const t of repointed) add('undo', t);
    if (repointed.some(waitsFor)) add('wait-rollback');
    add('mark-failed');
  } else if (done('update-values').length === 0) {
    add('discard');
  } else {
    add('restore-values');
    const restarted = done('restart').map((s) => s.target!);
    for (const t of restarted) add('undo', t);
    rollbackStamp = rfc3339(now);
    if (j.consumers.some((c) => c.wait)) add('wait-rollback');
  }
  add('unlock');
  return { ...j, steps, state: 'rolling-back', failure, updatedAt: at, ...(rollbackStamp ? { rollbackStamp } : {}) };
}

/**
 * The API server refuses annotations above 256 KiB in all; a journal of a
 * thousand consumers is larger as JSON. Up to COMPRESS_ABOVE it is plain JSON
 * (readable with kubectl and jq), beyond that gzipped and base64-encoded
 * behind a `gz64:` prefix.
 */
export const COMPRESS_ABOVE = 32 * 1024;
const GZ_PREFIX = 'gz64:';

export function serializeJournal(j: Journal): string {
  const json = JSON.stringify(j);
  if (json.length <= COMPRESS_ABOVE) return json;
  return GZ_PREFIX + gzipSync(json, { level: 6 }).toString('base64');
}

function journalText(text: string): string | undefined {
  if (!text.startsWith(GZ_PREFIX)) return text;
  try {
    return gunzipSync(Buffer.from(text.slice(GZ_PREFIX.length), 'base64'), {
      maxOutputLength: 64 * 1024 * 1024,
    }).toString('utf8');
  } catch {
    return undefined;
  }
}

const STATES: readonly string[] = ['running', 'rolling-back', 'done', 'rolled-back', 'aborted'];

/** Parses a journal annotation; undefined when it is not one this version understands. */
export function parseJournal(text: string | undefined): Journal | undefined {
  if (!text) return undefined;
  const json = journalText(text);
  if (json === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  const j = value as Partial<Journal> | null;
  if (!j || typeof j !== 'object' || j.v !== 1 || typeof j.id !== 'string') return undefined;
  if (j.mode !== 'blue-green' && j.mode !== 'in-place') return undefined;
  if (!STATES.includes(j.state as string) || !Array.isArray(j.steps) || !Array.isArray(j.consumers)) return undefined;
  if (typeof j.from !== 'string' || typeof j.to !== 'string' || typeof j.logical !== 'string') return undefined;
  return j as Journal;
}

function withNote(s: Step, note: string | undefined): Step {
  if (note === undefined) return s;
  return { ...s, note };
}

function withMessage(c: ConsumerRecord, message: string | undefined): ConsumerRecord {
  if (message === undefined) {
    const { message: _dropped, ...rest } = c;
    return rest;
  }
  return { ...c, message };
}
