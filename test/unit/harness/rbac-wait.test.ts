// applyYaml's RBAC wait loop, with the API server's answers made up: repeats until allowed, bounded, and an error
// that names the binding only when the binding is still there to be expected.
import { describe, expect, it } from 'vitest';
import type { AccessCheck } from '../../harness/rbac-checks.js';
import { untilAllowed, type Answer, type Pending } from '../../harness/rbac-wait.js';

const check: AccessCheck = {
  user: 'alice',
  resourceAttributes: { namespace: 'ns', verb: 'get', group: '', resource: 'secrets' },
};
const pending = (n: number): Pending[] =>
  Array.from({ length: n }, (_, i) => ({ what: `RoleBinding ns/b${i}`, check }));
/** Denies each review `denials` times, then allows it. */
const laggingAuthorizer = (denials: number) => {
  const asked = new Map<AccessCheck, number>();
  return async (c: AccessCheck): Promise<Answer> => {
    const n = (asked.get(c) ?? 0) + 1;
    asked.set(c, n);
    return n > denials;
  };
};

describe("applyYaml's wait for bindings in force", () => {
  it('asks once per binding when the authorizer already knows them', async () => {
    expect(await untilAllowed(pending(5), laggingAuthorizer(0), { interval: 1 })).toBe(5);
  });

  it('asks again until allowed', async () => {
    expect(await untilAllowed(pending(1), laggingAuthorizer(3), { interval: 1 })).toBe(4);
  });

  it('counts errors of a review as not yet', async () => {
    let n = 0;
    const flaky = async () => {
      if (++n < 3) throw new Error('connection reset');
      return true;
    };
    expect(await untilAllowed(pending(1), flaky, { interval: 1 })).toBe(3);
  });

  it('stops asking when the review itself is refused (an identity that may not ask)', async () => {
    expect(await untilAllowed(pending(2), async () => undefined, { interval: 1 })).toBe(2);
  });

  it('asks at most `parallel` reviews at a time', async () => {
    let inFlight = 0;
    let most = 0;
    const ask = async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      return true;
    };
    await untilAllowed(pending(20), ask, { parallel: 4 });
    expect(most).toBe(4);
  });

  it('names the binding, the review and the last error when it times out', async () => {
    let n = 0;
    const denied = async () => {
      if (++n === 1) throw new Error('HTTP 500');
      return false;
    };
    await expect(untilAllowed(pending(1), denied, { timeout: 30, interval: 5 })).rejects.toThrow(
      /^error: RoleBinding ns\/b0 not in force after 0\.03s: a SubjectAccessReview of user alice get secrets in namespace ns is still denied .*; last error: HTTP 500$/,
    );
  });

  it('is no error when the binding or its role is gone by then', async () => {
    const seen: string[] = [];
    const stillExpected = async (p: Pending) => {
      seen.push(p.what);
      return false;
    };
    await untilAllowed(pending(2), async () => false, { timeout: 20, interval: 5, stillExpected });
    expect(seen.sort()).toEqual(['RoleBinding ns/b0', 'RoleBinding ns/b1']);
  });

  it('asks once more, by the role as it is now, when a check made from a role read earlier is denied', async () => {
    const changed: AccessCheck = { ...check, resourceAttributes: { ...check.resourceAttributes!, verb: 'list' } };
    const asked: string[] = [];
    const ask = async (c: AccessCheck) => {
      asked.push(c.resourceAttributes!.verb);
      return c === changed;
    };
    let rechecks = 0;
    const recheck = async () => {
      rechecks++;
      return changed;
    };
    expect(await untilAllowed([{ what: 'RoleBinding ns/b', check, recheck }], ask, { interval: 1 })).toBe(2);
    expect(asked).toEqual(['get', 'list']);
    // denied again after the recheck: polls on, without reading the role again
    let n = 0;
    const lagging = async () => ++n > 3;
    expect(await untilAllowed([{ what: 'RoleBinding ns/b', check, recheck }], lagging, { interval: 1 })).toBe(4);
    expect(rechecks).toBe(2);
  });

  it('stops when the role as it is now has nothing to check', async () => {
    const recheck = async () => undefined;
    expect(await untilAllowed([{ what: 'RoleBinding ns/b', check, recheck }], async () => false)).toBe(1);
  });

  it('asks nothing without bindings', async () => {
    expect(await untilAllowed([], laggingAuthorizer(0))).toBe(0);
  });
});
