// An AccessSubject for next-step tests: a user who may read the Secret directly, and read it once, unless told otherwise.
import type { AccessSubject } from '../../../src/access/join.js';
import { NO_ACTIVITY } from '../../../src/access/ledger.js';

export function subject(over: Partial<AccessSubject>): AccessSubject {
  return {
    ...NO_ACTIVITY,
    kind: 'User',
    name: 'alice',
    canRead: true,
    direct: true,
    everyone: false,
    controlPlane: false,
    paths: [],
    expected: null,
    verdict: 'authorised',
    reads: 1,
    firstRead: '2026-12-01T00:00:00Z',
    lastRead: '2026-12-01T00:00:00Z',
    verbs: ['get'],
    scopes: ['named'],
    ...over,
  };
}

/** Next steps' window and binding ages where every binding existed before the window began (all are judged). */
export const BINDINGS_OLDER_THAN_WINDOW = {
  windowStart: Date.parse('2026-12-01T00:00:00Z'),
  bindingCreated: () => '2026-01-01T00:00:00Z',
};
