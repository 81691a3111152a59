import { describe, expect, it } from 'vitest';
import { updateVerdict } from '../../../src/exposure/update.js';
import type { UseVia } from '../../../src/exposure/types.js';

describe('update verdicts: when a consumer sees a rotated value', () => {
  it.each([
    ['env', {}, 'restart'],
    ['envFrom', {}, 'restart'],
    ['volume', {}, 'live'],
    ['projected', {}, 'live'],
    ['volume', { subPath: true }, 'restart'],
    ['projected', { subPath: true }, 'restart'],
    ['csi', {}, 'next-use'],
    ['volumePlugin', {}, 'next-use'],
    ['imagePullSecret', {}, 'next-use'],
    ['inheritedPullSecret', {}, 'next-use'],
    ['serviceAccountPullSecret', {}, 'next-use'],
    ['ingressTLS', {}, 'live'],
    ['gatewayCertificate', {}, 'live'],
    ['storageClassParameter', {}, 'next-use'],
    ['serviceAccountSecret', {}, 'none'],
    ['secretProviderClassSync', {}, 'none'],
    ['volume', { immutable: true }, 'never'],
    ['env', { immutable: true }, 'never'],
    ['secretProviderClassSync', { immutable: true }, 'none'],
  ] as Array<[UseVia, { subPath?: boolean; immutable?: boolean }, string]>)('%s %o → %s', (via, opts, verdict) => {
    const u = updateVerdict(via, opts);
    expect(u.verdict).toBe(verdict);
    expect(u.reason.length).toBeGreaterThan(20);
  });

  it('says files refresh within about a minute', () => {
    expect(updateVerdict('volume').reason).toMatch(/about a minute/);
  });
});
