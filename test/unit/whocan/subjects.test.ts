import { describe, expect, it } from 'vitest';
import {
  identityName,
  identityOfSubject,
  impliedGroups,
  parseIdentity,
  userInfoOf,
} from '../../../src/whocan/subjects.js';

describe('parseIdentity (--check)', () => {
  it.each([
    ['user:alice', { kind: 'User', name: 'alice' }],
    ['alice', { kind: 'User', name: 'alice' }],
    ['user/alice', { kind: 'User', name: 'alice' }],
    ['group:system:masters', { kind: 'Group', name: 'system:masters' }],
    ['group/dev', { kind: 'Group', name: 'dev' }],
    ['serviceaccount:app:web', { kind: 'ServiceAccount', namespace: 'app', name: 'web' }],
    ['sa:app:web', { kind: 'ServiceAccount', namespace: 'app', name: 'web' }],
    ['serviceaccount/app/web', { kind: 'ServiceAccount', namespace: 'app', name: 'web' }],
    ['system:serviceaccount:app:web', { kind: 'ServiceAccount', namespace: 'app', name: 'web' }],
    ['user:system:serviceaccount:app:web', { kind: 'ServiceAccount', namespace: 'app', name: 'web' }],
    ['user:system:node:n1', { kind: 'User', name: 'system:node:n1' }],
  ])('%s', (text, expected) => {
    expect(parseIdentity(text)).toEqual(expected);
  });
  it.each([
    '',
    'serviceaccount:web',
    'serviceaccount:a:b:c',
    'pod/x',
    'user:',
    'group:',
    'group/',
    'sa:',
    'system:serviceaccount:ns:',
    'system:serviceaccount:ns',
    'user:system:serviceaccount:ns:',
  ])('rejects %j', (text) => {
    expect(parseIdentity(text)).toHaveProperty('error');
  });
});

describe('identities', () => {
  it('matches binding subjects as the RBAC authorizer does', () => {
    expect(identityOfSubject({ kind: 'ServiceAccount', name: 'a' }, 'ns')).toEqual({
      kind: 'ServiceAccount',
      name: 'a',
      namespace: 'ns',
    });
    expect(identityOfSubject({ kind: 'ServiceAccount', name: 'a' }, undefined)).toBeUndefined();
    expect(identityOfSubject({ kind: 'ServiceAccount', name: 'a', namespace: 'x' }, 'ns')).toEqual({
      kind: 'ServiceAccount',
      name: 'a',
      namespace: 'x',
    });
    expect(identityOfSubject({ kind: 'Robot', name: 'a' }, 'ns')).toBeUndefined();
  });

  it('names and user info', () => {
    expect(identityName({ kind: 'ServiceAccount', name: 'w', namespace: 'n' })).toBe('serviceaccount/n/w');
    expect(identityName({ kind: 'Group', name: 'x' })).toBe('group/x');
    expect(userInfoOf({ kind: 'ServiceAccount', name: 'w', namespace: 'n' })).toEqual({
      user: 'system:serviceaccount:n:w',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:n'],
    });
    expect(userInfoOf({ kind: 'User', name: 'system:node:n1' })).toEqual({
      user: 'system:node:n1',
      groups: ['system:nodes'],
    });
    expect(userInfoOf({ kind: 'Group', name: 'g' })).toEqual({ groups: ['g'] });
  });

  it('implied groups', () => {
    expect(impliedGroups({ kind: 'User', name: 'alice' })).toEqual(['system:authenticated']);
    expect(impliedGroups({ kind: 'User', name: 'system:anonymous' })).toEqual(['system:unauthenticated']);
    expect(impliedGroups({ kind: 'ServiceAccount', name: 'w', namespace: 'n' })).toEqual([
      'system:serviceaccounts',
      'system:serviceaccounts:n',
      'system:authenticated',
    ]);
  });
});
