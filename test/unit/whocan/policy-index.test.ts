// The RBAC index answers from roles to bindings (it never scans every binding);
// checked here against the plain definition: every (binding, rule) in order,
// the rule naming the request's resource, first by the key that names it.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../harness/prng.mjs';
import { effectiveClusterRoles, type EffectiveRule } from '../../../src/whocan/aggregation.js';
import { ANY_NAMESPACE, bindingKey, RbacIndex, type Grant } from '../../../src/whocan/policy.js';
import { ruleAllowsSomeName } from '../../../src/whocan/rules.js';
import type { Binding, RbacSnapshot, RequestAttributes } from '../../../src/whocan/types.js';
import { clusterRole, crb, group, rb, role, rule, sa, user } from './fixtures.js';

const NAMESPACES = ['app', 'ops', 'web'];
const RESOURCES = ['secrets', 'pods', 'pods/exec', 'serviceaccounts/token', '*', '*/exec', 'deployments'];
const VERBS = [['get'], ['list', 'watch'], ['create'], ['*'], ['impersonate'], ['get', 'create']];

function generated(seed: number): RbacSnapshot {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const rules = () =>
    Array.from({ length: Math.floor(rand() * 4) }, () =>
      rule(
        pick(VERBS),
        Array.from({ length: 1 + Math.floor(rand() * 2) }, () => pick(RESOURCES)),
        [pick(['', 'apps', '*'])],
        rand() < 0.2 ? ['db'] : undefined,
      ),
    );
  const subjects = () =>
    Array.from({ length: Math.floor(rand() * 3) }, () =>
      pick([user(`u${Math.floor(rand() * 5)}`), group('g'), sa(`sa${Math.floor(rand() * 3)}`)]),
    );
  const roleNames = ['r0', 'r1', 'r2', 'r3', 'missing'];
  const clusterRoleNames = ['c0', 'c1', 'c2', 'missing-cr'];
  return {
    roles: NAMESPACES.flatMap((ns) => roleNames.slice(0, 4).map((n) => role(n, rules(), ns))),
    clusterRoles: clusterRoleNames.slice(0, 3).map((n) => clusterRole(n, rules())),
    roleBindings: Array.from({ length: 120 }, (_, i) => {
      const kind = rand() < 0.5 ? 'Role' : 'ClusterRole';
      return rb(
        `rb${i}`,
        { kind, name: pick(kind === 'Role' ? roleNames : clusterRoleNames) },
        subjects(),
        pick(NAMESPACES),
      );
    }),
    clusterRoleBindings: Array.from({ length: 60 }, (_, i) => crb(`crb${i}`, pick(clusterRoleNames), subjects())),
  };
}

/** The definition: bindings in order (ClusterRoleBindings first, then each namespace's), each rule in order. */
function expected(snapshot: RbacSnapshot, req: Omit<RequestAttributes, 'name'>): string[] {
  const clusterRoles = effectiveClusterRoles(snapshot.clusterRoles);
  const roleRules = (ns: string, name: string): EffectiveRule[] | undefined => {
    const r = snapshot.roles.find((x) => x.metadata.namespace === ns && x.metadata.name === name);
    return r ? (r.rules ?? []).map((rule, index) => ({ rule, index })) : undefined;
  };
  const keys = req.subresource
    ? [`${req.resource}/${req.subresource}`, '*', `*/${req.subresource}`]
    : [req.resource, '*'];
  const scan = (bindings: Binding[], kind: string, ns: string | undefined): string[] => {
    const out: string[] = [];
    for (const key of keys) {
      for (const b of bindings) {
        const rules =
          b.roleRef.kind === 'ClusterRole'
            ? clusterRoles.get(b.roleRef.name)?.rules
            : ns === undefined
              ? undefined
              : roleRules(ns, b.roleRef.name);
        if (!rules || (b.subjects ?? []).length === 0) continue;
        rules.forEach((r, i) => {
          const id = `${kind}/${ns ?? ''}/${b.metadata.name}#${i}`;
          if ((r.rule.resources ?? []).includes(key) && ruleAllowsSomeName(r.rule, req) && !out.includes(id))
            out.push(id);
        });
      }
    }
    return out;
  };
  const cluster = scan(snapshot.clusterRoleBindings, 'ClusterRoleBinding', undefined);
  if (req.namespace === undefined) return cluster;
  const namespaces =
    req.namespace === ANY_NAMESPACE
      ? [...new Set(snapshot.roleBindings.map((b) => b.metadata.namespace ?? ''))]
      : [req.namespace];
  return [
    ...cluster,
    ...namespaces.flatMap((ns) =>
      scan(
        snapshot.roleBindings.filter((b) => b.metadata.namespace === ns),
        'RoleBinding',
        ns,
      ),
    ),
  ];
}

// Generated roles are not aggregated: a rule's index is its position.
const idOf = (g: Grant): string => `${bindingKey(g.binding)}#${g.rule.index}`;
const ids = (grants: Grant[]): string[] => grants.map(idOf);

describe('RbacIndex', () => {
  const shapes: Array<Omit<RequestAttributes, 'name'>> = [];
  for (const verb of ['get', 'list', 'create', 'impersonate', 'delete'])
    for (const [resource, subresource] of [['secrets'], ['pods'], ['pods', 'exec'], ['serviceaccounts', 'token']])
      for (const namespace of ['app', 'web', ANY_NAMESPACE, undefined, 'empty'])
        for (const apiGroup of ['', 'apps'])
          shapes.push({
            verb,
            apiGroup,
            resource: resource!,
            ...(subresource ? { subresource } : {}),
            ...(namespace === undefined ? {} : { namespace }),
          });

  it('finds the same grants, in the same order, as scanning every binding and rule', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const snapshot = generated(seed);
      const index = new RbacIndex(snapshot);
      for (const req of shapes)
        expect(ids(index.grantsForAnyName(req)), JSON.stringify(req)).toEqual(expected(snapshot, req));
    }
  });

  it('hands out one object per binding and rule, whichever question found it', () => {
    const snapshot = generated(7);
    const index = new RbacIndex(snapshot);
    const byId = new Map<string, Grant>();
    for (const req of shapes) {
      for (const g of index.grantsForAnyName(req)) {
        const id = idOf(g);
        expect(byId.get(id) ?? g).toBe(g);
        byId.set(id, g);
      }
    }
    expect(byId.size).toBeGreaterThan(20);
  });
});
