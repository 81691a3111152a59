// least-privilege's authorizer against who-can's rows: for every subject and request, the (binding, rule,
// binding subject) uses it finds are those of the who-can rows checkSubject picks for the subject, and what it
// says a subject can read is what those rows grant.
import { describe, expect, it } from 'vitest';
import { ruleId, SecretAuthorizer, type Actor } from '../../../src/leastpriv/authorizer.js';
import { checkSubject } from '../../../src/whocan/check.js';
import { bindingKey, RbacIndex } from '../../../src/whocan/policy.js';
import { rowIdentity } from '../../../src/whocan/report.js';
import { RowCollector, ServiceAccountDirectory } from '../../../src/whocan/rows.js';
import { hasResourceNames, resourceNameMatches } from '../../../src/whocan/rules.js';
import { identityKey, type Identity } from '../../../src/whocan/subjects.js';
import type { PolicyRule, RbacSnapshot, RequestAttributes, Subject } from '../../../src/whocan/types.js';
import { mulberry32 } from '../../harness/prng.mjs';
import { clusterRole, crb, group, rb, readSecrets, role, rule, sa, user } from '../whocan/fixtures.js';

const SERVICE_ACCOUNTS = [
  { namespace: 'app', name: 'robot' },
  { namespace: 'app', name: 'builder' },
  { namespace: 'pay', name: 'robot' },
];

/** The uses as who-can's rows give them: every grant of the request shape made rows, checkSubject picks. */
function rowUses(rbac: RbacSnapshot, actor: Actor, request: RequestAttributes): string[] {
  return [...rowSteps(rbac, actor, request).keys()].sort();
}

/** `forSomeName`: rules for some name too (what the subject can read at all), not only those allowing the request's. */
function rowSteps(
  rbac: RbacSnapshot,
  actor: Actor,
  request: RequestAttributes,
  forSomeName = false,
): Map<string, PolicyRule> {
  const { name, ...anyName } = request;
  const rows = new RowCollector(new ServiceAccountDirectory(SERVICE_ACCOUNTS));
  for (const grant of new RbacIndex(rbac).grantsForAnyName(anyName))
    rows.addGrant(grant, 'direct', { verbs: [request.verb] });
  const uses = new Map<string, PolicyRule>();
  for (const row of checkSubject(rows.build(), actor.identity, actor.groups).rows) {
    for (const step of row.chain) {
      if (!step.binding || !step.rule || (!forSomeName && !resourceNameMatches(step.rule, name))) continue;
      const subjectKey = step.memberOf
        ? identityKey({ kind: 'Group', name: step.memberOf })
        : identityKey(rowIdentity(row));
      const id = ruleId({ index: step.ruleIndex, aggregatedFrom: step.aggregatedFrom, rule: step.rule });
      uses.set(`${bindingKey(step.binding)} ${id} ${subjectKey}`, step.rule);
    }
  }
  return uses;
}

function authorizerUses(authorizer: SecretAuthorizer, actor: Actor, request: RequestAttributes): string[] {
  const uses = authorizer.uses(actor, request).map((u) => `${bindingKey(u.binding)} ${u.ruleId} ${u.subjectKey}`);
  expect(new Set(uses).size).toBe(uses.length);
  return uses.sort();
}

function rowReach(rbac: RbacSnapshot, subject: Identity, verb: string, namespace: string | undefined) {
  const request = { verb, apiGroup: '', resource: 'secrets', ...(namespace === undefined ? {} : { namespace }) };
  const reach = { any: false, names: [] as string[] };
  for (const rule of rowSteps(rbac, { identity: subject, groups: [] }, request, true).values()) {
    if (!hasResourceNames(rule)) reach.any = true;
    else reach.names.push(...rule.resourceNames!);
  }
  return { any: reach.any, names: [...new Set(reach.names)].sort() };
}

const NAMESPACES = ['app', 'pay', undefined];
const NAMES = ['db', 'api-key', undefined];

function expectSameAsRows(rbac: RbacSnapshot, actors: Actor[]): number {
  const authorizer = new SecretAuthorizer(rbac);
  let compared = 0;
  for (const actor of actors)
    for (const verb of ['get', 'list', 'watch'])
      for (const namespace of NAMESPACES)
        for (const name of NAMES) {
          const request: RequestAttributes = {
            verb,
            apiGroup: '',
            resource: 'secrets',
            ...(namespace === undefined ? {} : { namespace }),
            ...(name === undefined ? {} : { name }),
          };
          const expected = rowUses(rbac, actor, request);
          expect(authorizerUses(authorizer, actor, request), JSON.stringify({ actor, request })).toEqual(expected);
          expect(authorizer.allows(actor, request)).toBe(expected.length > 0);
          compared += expected.length;
          if (actor.groups.length > 0 || name !== undefined) continue;
          const reach = authorizer.reach(actor.identity, verb, namespace);
          expect({ any: reach.any, names: [...reach.names].sort() }).toEqual(
            rowReach(rbac, actor.identity, verb, namespace),
          );
        }
  return compared;
}

const identities: Identity[] = [
  { kind: 'User', name: 'alice' },
  { kind: 'User', name: 'bob' },
  { kind: 'User', name: 'system:anonymous' },
  { kind: 'ServiceAccount', namespace: 'app', name: 'robot' },
  { kind: 'ServiceAccount', namespace: 'app', name: 'ghost' },
  { kind: 'ServiceAccount', namespace: 'pay', name: 'robot' },
  { kind: 'Group', name: 'devs' },
  { kind: 'Group', name: 'system:serviceaccounts:app' },
];
const actors: Actor[] = identities.flatMap((identity) => [
  { identity, groups: [] },
  { identity, groups: ['devs', 'ops'] },
]);

describe('SecretAuthorizer agrees with who-can rows and checkSubject', () => {
  it('on bindings to users, groups, ServiceAccount groups, everyone, aggregated roles and named Secrets', () => {
    const rbac: RbacSnapshot = {
      roles: [
        role('reader', [readSecrets(), rule(['get'], ['configmaps'])], 'app'),
        role('named', [readSecrets(['get'], ['db']), readSecrets(['get'], ['db'])], 'app'),
        role('reader', [readSecrets(['list'])], 'pay'),
      ],
      clusterRoles: [
        clusterRole('shared', [readSecrets(['get', 'list'])]),
        clusterRole('everything', [rule(['*'], ['*'], ['*'])]),
        clusterRole('agg', null, { aggregate: [{ matchLabels: { 'x/agg': 'true' } }] }),
        clusterRole('agg-part', [readSecrets(['watch'], ['api-key'])], { labels: { 'x/agg': 'true' } }),
      ],
      roleBindings: [
        rb(
          'direct',
          { kind: 'Role', name: 'reader' },
          [user('alice'), user('alice'), sa('robot'), group('devs')],
          'app',
        ),
        rb('named', { kind: 'Role', name: 'named' }, [user('bob'), sa('robot', 'pay')], 'app'),
        rb('app-sas', { kind: 'ClusterRole', name: 'shared' }, [group('system:serviceaccounts:app')], 'app'),
        rb('pay', { kind: 'Role', name: 'reader' }, [sa('robot'), sa('robot', 'app'), user('bob')], 'pay'),
        rb('missing', { kind: 'Role', name: 'nope' }, [user('alice')], 'pay'),
        rb('as-user', { kind: 'ClusterRole', name: 'shared' }, [user('system:serviceaccount:app:builder')], 'pay'),
      ],
      clusterRoleBindings: [
        crb('all-sas', 'agg', [group('system:serviceaccounts'), user('carol')]),
        crb('everyone', 'agg-part', [group('system:authenticated')]),
        crb('anon', 'shared', [group('system:unauthenticated')]),
        crb('admins', 'everything', [group('ops'), sa('robot', 'app')]),
      ],
    };
    expect(expectSameAsRows(rbac, actors)).toBeGreaterThan(100);
  });

  it('on generated RBAC (seeded)', () => {
    const rand = mulberry32(4711);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const subjects: Subject[] = [
      user('alice'),
      user('bob'),
      group('devs'),
      group('ops'),
      group('system:authenticated'),
      group('system:serviceaccounts'),
      group('system:serviceaccounts:app'),
      sa('robot'),
      sa('robot', 'app'),
      sa('robot', 'pay'),
      sa('ghost'),
    ];
    const rules = () =>
      Array.from({ length: 1 + Math.floor(rand() * 3) }, () =>
        pick([
          readSecrets(),
          readSecrets(['get']),
          readSecrets(['get', 'list'], ['db']),
          readSecrets(['watch'], ['db', 'api-key']),
          rule(['get', 'list'], ['secrets', 'configmaps']),
          rule(['*'], ['secrets']),
          rule(['get'], ['pods']),
        ]),
      );
    const clusterRoles = Array.from({ length: 6 }, (_, i) => clusterRole(`cr${i}`, rules()));
    const roles = ['app', 'pay'].flatMap((ns) => Array.from({ length: 4 }, (_, i) => role(`r${i}`, rules(), ns)));
    const some = () => Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(subjects));
    const roleBindings = Array.from({ length: 40 }, (_, i) => {
      const ns = pick(['app', 'pay']);
      const ref =
        rand() < 0.6
          ? { kind: 'Role' as const, name: `r${Math.floor(rand() * 4)}` }
          : { kind: 'ClusterRole' as const, name: `cr${Math.floor(rand() * 6)}` };
      return rb(`rb${i}`, ref, some(), ns);
    });
    const clusterRoleBindings = Array.from({ length: 10 }, (_, i) =>
      crb(`crb${i}`, `cr${Math.floor(rand() * 6)}`, some()),
    );
    const rbac: RbacSnapshot = { roles, clusterRoles, roleBindings, clusterRoleBindings };
    expect(expectSameAsRows(rbac, actors)).toBeGreaterThan(1000);
  });
});
