import { describe, expect, it } from 'vitest';
import { effectiveClusterRoles } from '../../../src/whocan/aggregation.js';
import { clusterRole, readSecrets, rule } from './fixtures.js';

const toView = { matchLabels: { 'example.com/aggregate-to-reader': 'true' } };
const child = (name: string, rules = [readSecrets(['get'])]) =>
  clusterRole(name, rules, { labels: { 'example.com/aggregate-to-reader': 'true' } });

describe('effectiveClusterRoles', () => {
  it('keeps plain ClusterRoles as stored', () => {
    const roles = effectiveClusterRoles([clusterRole('plain', [readSecrets()])]);
    expect(roles.get('plain')).toMatchObject({ aggregated: false, unreconciled: false, rules: [{ index: 0 }] });
  });

  it('attributes reconciled rules to the child they come from', () => {
    const roles = effectiveClusterRoles([
      clusterRole('reader', [readSecrets(['get'])], { aggregate: [toView] }),
      child('reader-secrets'),
    ]);
    const reader = roles.get('reader')!;
    expect(reader.unreconciled).toBe(false);
    expect(reader.rules).toEqual([{ rule: readSecrets(['get']), index: 0, aggregatedFrom: 'reader-secrets' }]);
  });

  it('computes an aggregation the controller has not stored yet, and says so', () => {
    const roles = effectiveClusterRoles([
      clusterRole('reader', null, { aggregate: [toView] }),
      child('b-child', [rule(['list'], ['secrets'])]),
      child('a-child'),
    ]);
    const reader = roles.get('reader')!;
    expect(reader.unreconciled).toBe(true);
    // name order, like the controller; not stored: no index
    expect(reader.rules.map((r) => [r.aggregatedFrom, r.index])).toEqual([
      ['a-child', undefined],
      ['b-child', undefined],
    ]);
  });

  it('keeps stale stored rules (they still grant until the controller removes them)', () => {
    const roles = effectiveClusterRoles([
      clusterRole('reader', [rule(['watch'], ['secrets'])], { aggregate: [toView] }),
      child('a'),
    ]);
    const reader = roles.get('reader')!;
    expect(reader.unreconciled).toBe(true);
    expect(reader.rules.map((r) => r.rule.verbs)).toEqual([['watch'], ['get']]);
  });

  it('de-duplicates equal rules and ignores the role itself', () => {
    const roles = effectiveClusterRoles([
      clusterRole('reader', null, { aggregate: [toView], labels: { 'example.com/aggregate-to-reader': 'true' } }),
      child('a'),
      child('b'),
    ]);
    expect(roles.get('reader')!.rules).toHaveLength(1);
  });

  it('follows nested aggregation to its fixed point', () => {
    const roles = effectiveClusterRoles([
      clusterRole('top', [], { aggregate: [{ matchLabels: { level: 'mid' } }] }),
      clusterRole('mid', [], { aggregate: [toView], labels: { level: 'mid' } }),
      child('leaf'),
    ]);
    expect(roles.get('top')!.rules.map((r) => r.rule.verbs)).toEqual([['get']]);
    expect(roles.get('mid')!.unreconciled).toBe(true);
  });

  it('survives cycles', () => {
    const roles = effectiveClusterRoles([
      clusterRole('a', [readSecrets(['get'])], { aggregate: [{ matchLabels: { x: 'b' } }], labels: { x: 'a' } }),
      clusterRole('b', [readSecrets(['list'])], { aggregate: [{ matchLabels: { x: 'a' } }], labels: { x: 'b' } }),
    ]);
    expect(roles.get('a')!.rules.length).toBeGreaterThan(0);
  });
});
