// Runs rotations against the fake cluster and keeps, in order, every body the
// tool wrote (journals included), every "recorded" event and every progress
// line: the trace a refactoring of the runner must leave unchanged.
import type { NewValue } from '../../../src/rotate/values.js';
import type { RotationMode } from '../../../src/rotate/constants.js';
import { inspect, prepare } from '../../../src/rotate/run-inspect.js';
import { resumeRotation, startRotation, type RotateDeps } from '../../../src/rotate/run.js';
import { pod, podSpec } from './builders.js';
import { prepareOptions, scenario } from './rotation-scenario.js';
import { type FakeCluster } from './fake-cluster.js';

const values: NewValue[] = [{ key: 'password', bytes: Buffer.from('trace-new'), origin: '--from-literal #1' }];

export interface Trace {
  events: string[];
  written: string[];
}

interface Run {
  mode?: RotationMode;
  rollback?: boolean;
  crashAt?: number;
  stopAfter?: number;
  unhealthy?: (spec: string) => boolean;
  /** Resume as another process once the first run ended (crashed, stopped or held). */
  resume?: boolean;
  setup?: (c: FakeCluster) => void;
}

function deps(c: FakeCluster, events: string[], holder: string, run: Run): RotateDeps {
  let t = Date.parse('2030-01-01T00:00:00Z');
  let signal: string | undefined;
  return {
    cluster: c,
    clock: { now: () => new Date(t), sleep: async (ms) => void (t += ms) },
    events: {
      line: (s) => events.push(`line ${s}`),
      status: () => {},
      recorded: (step) => {
        events.push(`recorded ${step.n} ${step.action}`);
        if (step.n === run.crashAt) throw new Error(`crash after step ${step.n}`);
        if (step.n === run.stopAfter) signal = 'SIGINT';
      },
    },
    stopRequested: () => signal,
    identity: { holder, host: 'host', machine: 'a1', isAlive: () => false },
    newId: () => 'r1',
    pollMs: 1000,
  };
}

export async function trace(run: Run): Promise<Trace> {
  const c = scenario();
  if (run.unhealthy) {
    const bad = run.unhealthy;
    c.healthy = (w) => !bad(JSON.stringify(w.spec));
  }
  run.setup?.(c);
  const events: string[] = [];
  const first = deps(c, events, 'kubectl-secrets/1@host#a1', run);
  const ins = await inspect(c, 'db');
  const prepared = prepare(
    ins,
    values,
    prepareOptions(run.mode ?? 'blue-green', first.identity.holder, first.clock.now()),
  );
  const ended = await startRotation(prepared, first, { timeoutMs: 20_000, rollback: run.rollback ?? true }).then(
    (j) => `ended ${j.state}`,
    (err: unknown) => `threw ${err instanceof Error ? err.message : String(err)}`,
  );
  events.push(ended);
  if (run.resume) {
    if (run.unhealthy && run.rollback === false) c.healthy = () => true;
    const again = deps(c, events, 'kubectl-secrets/2@host#a1', {});
    const r = await resumeRotation('db', again, { rollback: true }).then(
      (x) => `resumed ${x.journal?.state ?? 'nothing'}`,
      (err: unknown) => `resume threw ${err instanceof Error ? err.message : String(err)}`,
    );
    events.push(r);
  }
  return { events, written: c.written };
}

/** The scenarios the golden trace covers: every way a rotation ends, and resumes from crashes in each phase. */
export const SCENARIOS: Record<string, Run> = {
  'blue-green done': {},
  'blue-green rolled back': { unhealthy: (s) => s.includes('db-v2') && s.includes('"volumes"') },
  'blue-green held by --no-rollback, then resumed': {
    rollback: false,
    unhealthy: (s) => s.includes('db-v2'),
    resume: true,
  },
  'blue-green crash after step 1, resumed': { crashAt: 1, resume: true },
  'blue-green crash after step 3, resumed': { crashAt: 3, resume: true },
  'blue-green crash in the rollback, resumed': {
    crashAt: 11,
    resume: true,
    unhealthy: (s) => s.includes('db-v2') && s.includes('"volumes"'),
  },
  'blue-green stopped by a signal after step 1, resumed': { stopAfter: 1, resume: true },
  'blue-green batch with a deleted consumer': {
    setup: (c) => {
      const get = c.getWorkload.bind(c);
      let calls = 0;
      c.getWorkload = async (kind, name) => (kind === 'StatefulSet' && calls++ === 0 ? undefined : get(kind, name));
    },
  },
  'blue-green StatefulSet stuck pod': {
    unhealthy: (s) => s.includes('db-v2') && s.includes('"volumes"'),
    setup: (c) => c.barePods.push(pod('pg-1', podSpec('db-v2', 'volume'), { kind: 'StatefulSet', name: 'pg' }, false)),
  },
  'in-place done': { mode: 'in-place' },
  'in-place rolled back': { mode: 'in-place', unhealthy: (s) => s.includes('2030-01-01T00:00:00Z') },
  'in-place crash after step 1, aborted on resume': { mode: 'in-place', crashAt: 1, resume: true },
  'in-place crash after step 2, aborted on resume': { mode: 'in-place', crashAt: 2, resume: true },
  'in-place crash after step 3, resumed': { mode: 'in-place', crashAt: 3, resume: true },
  'in-place crash in the rollback, resumed': {
    mode: 'in-place',
    crashAt: 8,
    resume: true,
    unhealthy: (s) => s.includes('2030-01-01T00:00:00Z'),
  },
};
