import { describe, expect, it } from 'vitest';
import { selectorMatches } from '../../../src/whocan/selectors.js';

describe('selectorMatches', () => {
  const labels = { 'rbac.example.com/aggregate-to-view': 'true', tier: 'gold' };
  it.each([
    ['empty selector matches everything', {}, true],
    ['matchLabels', { matchLabels: { 'rbac.example.com/aggregate-to-view': 'true' } }, true],
    ['matchLabels other value', { matchLabels: { tier: 'silver' } }, false],
    ['In', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold', 'silver'] }] }, true],
    ['NotIn', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['gold'] }] }, false],
    ['NotIn on a missing key', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, true],
    ['Exists', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, true],
    ['DoesNotExist', { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, false],
    ['unknown operator', { matchExpressions: [{ key: 'tier', operator: 'Gt', values: ['1'] }] }, false],
    [
      'requirements are ANDed',
      { matchLabels: { tier: 'gold' }, matchExpressions: [{ key: 'zone', operator: 'Exists' }] },
      false,
    ],
  ])('%s', (_name, selector, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });
  it('no labels', () => {
    expect(selectorMatches({ matchLabels: { a: 'b' } }, undefined)).toBe(false);
    expect(selectorMatches({}, null)).toBe(true);
  });
});
