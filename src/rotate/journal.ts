// The rotation journal: every step of a rotation with its status, stored as
// a JSON annotation in the cluster (never a value: names, states, times), so
// that `rotate --resume` can finish or roll back from any machine. Pure.
import zlib from 'node:zlib';
import type { RotationMode } from './constants.js';
import type { MergedData } from './values.js';
import type { ConsumerAction } from './plan.js';
import { workloadRef, type ConsumerKind } from './types.js';

/** Every action a journal step may have; a journal naming another one is unreadable. */
export const STEP_ACTIONS = [
  /** blue/green: the new version is created, born with this journal. */
  'create-version',
  /** in-place: the journal is written on the Secret (precondition: the values we read). */
  'begin',
  /** in-place: the old values are copied to NAME-previous, for rollback. */
  'backup',
  /** in-place: the new values are written (together with the journal). */
  'update-values',
  'repoint',
  'restart',
  'wait',
  /** blue/green: new version current, old one previous. */
  'promote',
  /** blue/green: versions beyond --keep that nobody uses are deleted. */
  'prune',
  /** rollback: a changed consumer is switched back (repoint back, or restarted again). */
  'undo',
  /** in-place rollback: the old values are written back. */
  'restore-values',
  'wait-rollback',
  /** blue/green rollback: the new version is staged failed (kept for inspection). */
  'mark-failed',
  /** in-place, interrupted before the values were written: the backup is deleted. */
  'discard',
  'unlock',
] as const;
export type StepAction = (typeof STEP_ACTIONS)[number];

export type StepStatus = 'pending' | 'done' | 'failed' | 'skipped';

/** The actions that act on one consumer: their steps name it. */
export type TargetAction = 'repoint' | 'restart' | 'undo';
const TARGET_ACTIONS: readonly string[] = ['repoint', 'restart', 'undo'] satisfies TargetAction[];

interface StepRecord<A extends StepAction> {
  n: number;
  action: A;
  status: StepStatus;
  /** When the status was last set (RFC 3339). */
  at?: string;
  note?: string;
}

/** A step of an action, with the consumer (Kind/name) it acts on when the action has one. */
export type StepOf<A extends StepAction> = A extends TargetAction
  ? StepRecord<A> & { target: string }
  : StepRecord<A> & { target?: never };

/** One step of the journal: a union discriminated by `action`. */
export type Step = StepOf<StepAction>;

/** What a step is before it is numbered and run: its action, and its target when it has one. */
export type StepSpec<A extends StepAction = StepAction> = A extends StepAction
  ? Pick<StepOf<A>, 'action' | 'target'>
  : never;

export interface Failure {
  target?: string;
  message: string;
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
  /** Why it was not healthy before the rotation (--rotate-unhealthy): a rollback restores it without waiting for its health. */
  unhealthy?: string;
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
  failure?: Failure;
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

export function setConsumer(j: Journal, ref: string, state: ConsumerState, message?: string): Journal {
  return {
    ...j,
    consumers: j.consumers.map((c) =>
      workloadRef(c.kind, c.name) === ref ? withMessage({ ...c, state }, message) : c,
    ),
  };
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
  return GZ_PREFIX + zlib.gzipSync(json, { level: 6 }).toString('base64');
}

function journalText(text: string): string | undefined {
  if (!text.startsWith(GZ_PREFIX)) return text;
  try {
    return zlib
      .gunzipSync(Buffer.from(text.slice(GZ_PREFIX.length), 'base64'), {
        maxOutputLength: 64 * 1024 * 1024,
      })
      .toString('utf8');
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
  if (!j.steps.every(isStep)) return undefined;
  if (typeof j.from !== 'string' || typeof j.to !== 'string' || typeof j.logical !== 'string') return undefined;
  return j as Journal;
}

/** A step as the runner relies on it: numbered, and naming its consumer when its action has one. */

function isStep(value: unknown): boolean {
  const s = value as { n?: unknown; action?: unknown; target?: unknown } | null;
  if (!s || typeof s !== 'object' || typeof s.n !== 'number' || typeof s.action !== 'string') return false;
  if (!(STEP_ACTIONS as readonly string[]).includes(s.action)) return false;
  return !TARGET_ACTIONS.includes(s.action) || typeof s.target === 'string';
}

function withMessage(c: ConsumerRecord, message: string | undefined): ConsumerRecord {
  if (message === undefined) {
    const { message: _dropped, ...rest } = c;
    return rest;
  }
  return { ...c, message };
}
