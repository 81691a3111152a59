import { describe, expect, it } from 'vitest';
import {
  abandonedLease,
  holderIdentity,
  judgeLease,
  microTime,
  newLease,
  parseHolder,
  renewedLease,
} from '../../../src/rotate/lock.js';

const now = new Date('2030-01-01T00:01:00.000Z');
const lease = (holder: string | undefined, renewed: string) => ({
  metadata: { name: 'kubectl-secrets-rotate-db' },
  spec: {
    ...(holder ? { holderIdentity: holder } : {}),
    leaseDurationSeconds: 30,
    acquireTime: '2030-01-01T00:00:00.000000Z',
    renewTime: renewed,
  },
});
const local = (alive: boolean) => ({ host: 'laptop', machine: 'b00t', isAlive: () => alive });

describe('lock', () => {
  it('names its holder so the same machine can check the process', () => {
    expect(holderIdentity('laptop', 42)).toBe('kubectl-secrets/42@laptop');
    expect(holderIdentity('laptop', 42, 'b00t')).toBe('kubectl-secrets/42@laptop#b00t');
    expect(parseHolder('kubectl-secrets/42@laptop')).toEqual({ pid: 42, host: 'laptop' });
    expect(parseHolder('kubectl-secrets/42@laptop#b00t')).toEqual({ pid: 42, host: 'laptop', machine: 'b00t' });
    expect(parseHolder('someone-else')).toBeUndefined();
  });

  it('writes MicroTime with six fraction digits', () => {
    expect(microTime(new Date('2030-01-01T00:00:00.123Z'))).toBe('2030-01-01T00:00:00.123000Z');
  });

  it('builds a Lease that points at the journal', () => {
    const l = newLease({
      logical: 'db',
      namespace: 'shop',
      rotationId: 'r1',
      record: 'db-v2',
      mode: 'blue-green',
      holder: 'h',
      now,
    });
    expect(l.metadata.name).toBe('kubectl-secrets-rotate-db');
    expect(l.metadata.annotations).toMatchObject({
      'secrets.kubectl-secrets.dev/record': 'db-v2',
      'secrets.kubectl-secrets.dev/rotation-id': 'r1',
    });
    expect(l.spec).toMatchObject({ holderIdentity: 'h', leaseDurationSeconds: 30 });
  });

  it('a live holder keeps it; a dead local process or an expired lease lets --resume take over', () => {
    const fresh = lease('kubectl-secrets/42@laptop#b00t', '2030-01-01T00:00:50.000000Z');
    expect(judgeLease(fresh, now, local(true))).toMatchObject({
      held: true,
      why: expect.stringMatching(/renewed 10s ago/),
    });
    expect(judgeLease(fresh, now, local(false))).toMatchObject({
      held: false,
      why: expect.stringMatching(/process 42 on this machine is gone/),
    });
    const remote = lease('kubectl-secrets/42@ci-runner', '2030-01-01T00:00:50.000000Z');
    expect(judgeLease(remote, now, local(false)).held).toBe(true);
    const stale = lease('kubectl-secrets/42@ci-runner', '2030-01-01T00:00:20.000000Z');
    expect(judgeLease(stale, now, local(false))).toMatchObject({
      held: false,
      why: expect.stringMatching(/not renewed for 40s/),
    });
    expect(judgeLease(abandonedLease(fresh), now, local(true)).held).toBe(false);
  });

  it('a gone pid proves nothing on another machine or container that shares the host name', () => {
    const otherBoot = lease('kubectl-secrets/42@laptop#0ther', '2030-01-01T00:00:50.000000Z');
    expect(judgeLease(otherBoot, now, local(false)).held).toBe(true);
    const noMachine = lease('kubectl-secrets/42@laptop', '2030-01-01T00:00:50.000000Z');
    expect(judgeLease(noMachine, now, local(false)).held).toBe(true);
    expect(judgeLease(otherBoot, new Date('2030-01-01T00:01:30.000Z'), local(false))).toMatchObject({
      held: false,
      why: expect.stringMatching(/not renewed for 40s/),
    });
  });

  it('renews, and records a takeover as a new acquisition', () => {
    const l = lease('a', '2030-01-01T00:00:10.000000Z');
    expect(renewedLease(l, 'a', now).spec).toMatchObject({
      holderIdentity: 'a',
      acquireTime: '2030-01-01T00:00:00.000000Z',
      renewTime: '2030-01-01T00:01:00.000000Z',
    });
    expect(renewedLease(l, 'b', now).spec).toMatchObject({
      holderIdentity: 'b',
      acquireTime: '2030-01-01T00:01:00.000000Z',
    });
  });
});
