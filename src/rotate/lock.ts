import type { V1ObjectMeta } from '@kubernetes/client-node';
import {
  ANNOTATION_MODE,
  ANNOTATION_RECORD,
  ANNOTATION_ROTATION_ID,
  LABEL_NAME,
  leaseName,
  type RotationMode,
} from './constants.js';
import { formatAge } from '../util/duration.js';

/** A coordination.k8s.io/v1 Lease, the fields the lock uses. */
export interface LeaseObject {
  apiVersion?: string;
  kind?: string;
  metadata: V1ObjectMeta;
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
  };
}

/** How long a lock survives without renewal; the holder renews it every LEASE_RENEW_MS. */
export const LEASE_SECONDS = 30;
export const LEASE_RENEW_MS = 10_000;

/**
 * `kubectl-secrets/PID@HOST#MACHINE`: who holds the lock. A host name and pid
 * alone prove nothing when containers or machines share the host name, so
 * MACHINE (this boot of this kernel and its pid namespace) must match too
 * before a gone pid counts as a dead holder.
 */
export const holderIdentity = (host: string, pid: number, machine?: string): string =>
  `kubectl-secrets/${pid}@${host}${machine ? `#${machine}` : ''}`;

export function parseHolder(identity: string | undefined): { pid: number; host: string; machine?: string } | undefined {
  const [, pid, host, machine] = /^kubectl-secrets\/(\d+)@([^#]+)(?:#([0-9a-z]+))?$/.exec(identity ?? '') ?? [];
  if (pid === undefined || host === undefined) return undefined;
  return { pid: Number(pid), host, ...(machine ? { machine } : {}) };
}

/** Lease times are MicroTime: RFC 3339 with exactly six fraction digits. */
export const microTime = (d: Date): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/** ` since 2030-01-01T10:00:00Z` (whole seconds) when the lease says when it was taken, else ''. */
export const heldSince = (spec: LeaseObject['spec']): string =>
  spec?.acquireTime ? ` since ${spec.acquireTime.replace(/\.\d+Z$/, 'Z')}` : '';

export interface LockRequest {
  logical: string;
  namespace: string;
  rotationId: string;
  /** The Secret whose annotation holds the journal. */
  record: string;
  /** blue-green, in-place, or retire. */
  mode: RotationMode | 'retire';
  holder: string;
  now: Date;
}

export function newLease(req: LockRequest): LeaseObject {
  const t = microTime(req.now);
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: leaseName(req.logical),
      namespace: req.namespace,
      labels: { [LABEL_NAME]: req.logical },
      annotations: {
        [ANNOTATION_ROTATION_ID]: req.rotationId,
        [ANNOTATION_RECORD]: req.record,
        [ANNOTATION_MODE]: req.mode,
      },
    },
    spec: { holderIdentity: req.holder, leaseDurationSeconds: LEASE_SECONDS, acquireTime: t, renewTime: t },
  };
}

/** The same lease, renewed (or taken over) by `holder` now. Keeps the resourceVersion: a precondition. */
export function renewedLease(lease: LeaseObject, holder: string, now: Date): LeaseObject {
  const t = microTime(now);
  const takeover = lease.spec?.holderIdentity !== holder;
  return {
    ...lease,
    spec: { ...lease.spec, holderIdentity: holder, renewTime: t, ...(takeover ? { acquireTime: t } : {}) },
  };
}

/** `gone`: the holder ran on this machine and its process has ended, so it will never finish. */
export type LockVerdict = { held: true; why: string } | { held: false; why: string; gone?: string };

/**
 * Whether the holder of a lock is still at work: a holder on this machine
 * (same host name and machine identity) whose process is gone is dead at once; any other is alive until its lease
 * expires unrenewed (clocks of different machines are trusted to ±seconds).
 */
export function judgeLease(
  lease: LeaseObject,
  now: Date,
  local: { host: string; machine?: string; isAlive: (pid: number) => boolean },
): LockVerdict {
  const spec = lease.spec ?? {};
  const holder = parseHolder(spec.holderIdentity);
  const who = spec.holderIdentity ?? 'an unknown holder';
  const since = heldSince(spec);
  if (!spec.holderIdentity) return { held: false, why: 'a rotation that stopped and left it for --resume' };
  const sameMachine =
    holder !== undefined &&
    holder.host === local.host &&
    holder.machine !== undefined &&
    holder.machine === local.machine;
  if (holder && sameMachine && !local.isAlive(holder.pid)) {
    const gone = `process ${holder.pid} on this machine is gone`;
    return { held: false, why: `${who} (${gone})`, gone };
  }
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
  const duration = (spec.leaseDurationSeconds ?? LEASE_SECONDS) * 1000;
  if (!Number.isFinite(renewed)) return { held: false, why: `${who} (the lease has no renew time)` };
  const age = now.getTime() - renewed;
  if (age > duration) return { held: false, why: `${who}${since} (not renewed for ${formatAge(age)})` };
  return { held: true, why: `held by ${who}${since}, renewed ${formatAge(Math.max(0, age))} ago` };
}

/** The lease of a rotation that stopped on purpose (failed, left for inspection): no holder, so --resume may take it at once. */
export function abandonedLease(lease: LeaseObject): LeaseObject {
  const { holderIdentity: _gone, ...spec } = lease.spec ?? {};
  return { ...lease, spec };
}
