// The fake cluster the runner's tests rotate "db" in, and the options they prepare it with.
import type { RotationMode } from '../../../src/rotate/constants.js';
import type { PrepareOptions } from '../../../src/rotate/run-inspect.js';
import { b64, podSpec, secret, workload } from './builders.js';
import { FakeCluster } from './fake-cluster.js';

/** db (password, user) used by a Deployment (env), a StatefulSet (volume), a DaemonSet (pull secret) and a CronJob (envFrom). */
export function scenario(): FakeCluster {
  const c = new FakeCluster();
  c.addSecret(secret('db', {}, { password: b64('old'), user: b64('app') }));
  c.addWorkload(workload('Deployment', 'api', podSpec('db', 'env')));
  c.addWorkload(workload('StatefulSet', 'pg', podSpec('db', 'volume')));
  c.addWorkload(workload('DaemonSet', 'agent', podSpec('db', 'pull')));
  c.addWorkload(workload('CronJob', 'backup', podSpec('db', 'envFrom')));
  return c;
}

/** What a test rotation is asked for, before it is given an id, a holder and a time. */
export const ROTATE_OPTIONS = {
  replaceAll: false,
  mutable: false,
  force: false,
  restartAll: false,
  keep: 2,
  timeoutMs: 20_000,
} as const;

export const prepareOptions = (mode: RotationMode, holder: string, now: Date): PrepareOptions => ({
  mode,
  ...ROTATE_OPTIONS,
  id: 'r1',
  holder,
  now,
});
