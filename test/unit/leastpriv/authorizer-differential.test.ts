// least-privilege's authorizer against itself as it was (who-can rows for each question and checkSubject,
// rows-authorizer.ts) on generated RBAC and reads as the audit logs give them: users parsed as least-privilege
// does (ServiceAccount usernames, the anonymous user), log groups repeated and in any order, ServiceAccounts bound
// as Users, without a namespace, through their groups; everyone groups, aggregated roles, wildcards and names.
import { describe, expect, it } from 'vitest';
import { actorOf, requestOf, SecretAuthorizer, type RuleUse } from '../../../src/leastpriv/authorizer.js';
import type { ReadVerb } from '../../../src/whocan/report.js';
import { ruleKey } from '../../../src/whocan/aggregation.js';
import { bindingKey } from '../../../src/whocan/policy.js';
import type { Identity } from '../../../src/whocan/subjects.js';
import type { PolicyRule, RbacSnapshot, RequestAttributes, Subject } from '../../../src/whocan/types.js';
import { mulberry32 } from '../../harness/prng.mjs';
import { clusterRole, crb, group, rb, readSecrets, role, rule, sa, user } from '../whocan/fixtures.js';
import { RowsAuthorizer } from './rows-authorizer.js';

const NAMESPACES = ['app', 'pay', 'ops'];
const SERVICE_ACCOUNTS = [
  { namespace: 'app', name: 'robot' },
  { namespace: 'pay', name: 'builder' },
  { namespace: 'ops', name: 'robot' },
];
const RULES: PolicyRule[] = [
  readSecrets(),
  readSecrets(['get']),
  readSecrets(['list', 'watch']),
  readSecrets(['get', 'list'], ['db']),
  readSecrets(['get'], ['db', 'api']),
  readSecrets(['watch'], ['db', 'api-key']),
  rule(['get', 'list'], ['secrets', 'configmaps']),
  rule(['*'], ['secrets']),
  rule(['get', 'update'], ['secrets'], ['', 'x.io']),
  rule(['*'], ['*'], ['*']),
  rule(['get'], ['*']),
  rule(['get'], ['secrets/status']),
  rule(['get'], ['pods']),
];
const SUBJECTS: Subject[] = [
  user('alice'),
  user('bob'),
  user('system:anonymous'),
  user('system:serviceaccount:app:robot'),
  user('system:serviceaccount:pay:builder'),
  group('devs'),
  group('ops'),
  group('system:authenticated'),
  group('system:unauthenticated'),
  group('system:serviceaccounts'),
  group('system:serviceaccounts:app'),
  group('system:serviceaccounts:pay'),
  sa('robot'),
  sa('robot', 'app'),
  sa('robot', 'ops'),
  sa('ghost'),
  sa('builder'),
  sa('builder', 'pay'),
  { kind: 'ServiceAccount', name: 'robot', namespace: '' },
  { kind: 'Robot', name: 'x' } as unknown as Subject,
];
const USERS = [
  'alice',
  'bob',
  'carol',
  'system:anonymous',
  'system:serviceaccount:app:robot',
  'system:serviceaccount:pay:builder',
  'system:serviceaccount:ops:robot',
  'system:serviceaccount:app:ghost',
  'system:serviceaccount:bad',
];
const LOG_GROUPS = [
  'devs',
  'ops',
  'system:authenticated',
  'system:unauthenticated',
  'system:serviceaccounts',
  'system:serviceaccounts:app',
  'system:serviceaccounts:pay',
];

function generate(seed: number): RbacSnapshot {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const rules = () => Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(RULES));
  const some = () => Array.from({ length: 1 + Math.floor(rand() * 4) }, () => pick(SUBJECTS));
  const clusterRoles = Array.from({ length: 6 }, (_, i) =>
    clusterRole(`cr${i}`, rules(), rand() < 0.4 ? { labels: { agg: 'yes' } } : {}),
  );
  clusterRoles.push(
    clusterRole('agg', rand() < 0.5 ? null : rules(), { aggregate: [{ matchLabels: { agg: 'yes' } }] }),
  );
  return {
    clusterRoles,
    roles: NAMESPACES.flatMap((ns) => Array.from({ length: 3 }, (_, i) => role(`r${i}`, rules(), ns))),
    roleBindings: Array.from({ length: 25 }, (_, i) => {
      const ref =
        rand() < 0.5
          ? { kind: 'Role' as const, name: `r${Math.floor(rand() * 4)}` }
          : { kind: 'ClusterRole' as const, name: rand() < 0.2 ? 'agg' : `cr${Math.floor(rand() * 6)}` };
      return rb(`rb${i}`, ref, some(), pick(NAMESPACES));
    }),
    clusterRoleBindings: Array.from({ length: 8 }, (_, i) =>
      crb(`crb${i}`, rand() < 0.2 ? 'agg' : `cr${Math.floor(rand() * 6)}`, some()),
    ),
  };
}

const useText = (u: RuleUse) =>
  `${bindingKey(u.binding)} ${u.role.kind}/${u.role.namespace ?? ''}/${u.role.name} ${u.ruleId} ${u.subjectKey} ${ruleKey(u.rule)}`;

describe('SecretAuthorizer agrees with the authorizer it replaced (who-can rows and checkSubject)', () => {
  it('on generated RBAC, reads as logged, and reach (seeded)', () => {
    let compared = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const rbac = generate(seed);
      const rand = mulberry32(seed * 7919);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
      const now = new SecretAuthorizer(rbac);
      const before = new RowsAuthorizer(rbac, SERVICE_ACCOUNTS);
      for (let i = 0; i < 150; i++) {
        const groups = Array.from({ length: Math.floor(rand() * 4) }, () => pick(LOG_GROUPS));
        const actor = actorOf({ user: pick(USERS), groups } as Parameters<typeof actorOf>[0]);
        const request = requestOf({
          verb: pick(['get', 'list', 'watch', 'delete']) as ReadVerb,
          namespace: rand() < 0.2 ? null : pick(NAMESPACES),
          name: rand() < 0.3 ? null : pick(['db', 'api', 'api-key', 'other']),
        });
        const expected = before.uses(actor, request).map(useText).sort();
        const context = JSON.stringify({ seed, actor, request });
        expect(now.uses(actor, request).map(useText).sort(), context).toEqual(expected);
        expect(now.allows(actor, request), context).toBe(expected.length > 0);
        compared += expected.length;
      }
      const identities: Identity[] = [
        ...USERS.map((u) => actorOf({ user: u, groups: [] } as unknown as Parameters<typeof actorOf>[0]).identity),
        ...LOG_GROUPS.map((name): Identity => ({ kind: 'Group', name })),
      ];
      for (const id of identities)
        for (const verb of ['get', 'list', 'watch'])
          for (const namespace of [undefined, ...NAMESPACES]) {
            const a = now.reach(id, verb, namespace);
            const b = before.reach(id, verb, namespace);
            expect({ any: a.any, names: [...a.names].sort() }, JSON.stringify({ seed, id, verb, namespace })).toEqual({
              any: b.any,
              names: [...b.names].sort(),
            });
          }
    }
    expect(compared).toBeGreaterThan(3000);
  }, 60_000);
  it('on requests for other resources, API groups and subresources: the request as given, not a Secret read', () => {
    const rbac = generate(5);
    const now = new SecretAuthorizer(rbac);
    const shapes = [
      { apiGroup: '', resource: 'configmaps' },
      { apiGroup: 'x.io', resource: 'secrets' },
      { apiGroup: '', resource: 'secrets', subresource: 'status' },
      { apiGroup: '', resource: 'pods' },
    ];
    let compared = 0;
    for (const shape of shapes)
      for (const user of USERS)
        for (const namespace of [undefined, ...NAMESPACES]) {
          const actor = actorOf({ user, groups: ['devs'] } as unknown as Parameters<typeof actorOf>[0]);
          const request: RequestAttributes = { verb: 'get', ...shape, ...(namespace ? { namespace } : {}) };
          // (one for each request: the old one kept its grants by verb and namespace only, whatever the resource)
          const expected = new RowsAuthorizer(rbac, SERVICE_ACCOUNTS).uses(actor, request).map(useText).sort();
          const context = JSON.stringify({ actor, request });
          expect(now.uses(actor, request).map(useText).sort(), context).toEqual(expected);
          expect(now.allows(actor, request), context).toBe(expected.length > 0);
          compared += expected.length;
        }
    expect(compared).toBeGreaterThan(0);
  });
});
