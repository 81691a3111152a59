// Plans and journals for the pure journal, lifecycle and action-table tests.
import type { Journal } from '../../../src/rotate/journal.js';
import { newJournal } from '../../../src/rotate/lifecycle.js';
import type { ConsumerAction, Plan, PlannedConsumer } from '../../../src/rotate/plan.js';

export const now = new Date('2030-01-01T00:00:00.000Z');
export const later = (s: number): Date => new Date(now.getTime() + s * 1000);
export const keys = { added: [], changed: ['password'], unchanged: [], carried: ['user'], removed: [] };

/** What a rotation of this mode does to a consumer it changes. */
export const switchOf = (mode: Plan['mode']): ConsumerAction => (mode === 'blue-green' ? 'repoint' : 'restart');

export const planOf = (mode: Plan['mode'], consumers: PlannedConsumer[]): Plan => ({
  namespace: 'shop',
  logical: 'db',
  mode,
  from: mode === 'blue-green' ? 'db-v1' : 'db',
  to: mode === 'blue-green' ? 'db-v2' : 'db',
  consumers,
  unrotatable: [],
  problems: [],
  unhealthy: [],
});

export const journalOf = (plan: Plan): Journal =>
  newJournal(plan, { id: 'r1', holder: 'h', now, keep: 2, timeoutSeconds: 60, keys, version: 2 });
