// The review that proves a new binding in force (applyYaml's RBAC wait): which subject and which rule it asks about.
import { describe, expect, it } from 'vitest';
import {
  bindingCheck,
  describeCheck,
  GROUP_PROBE_USER,
  roleOf,
  type PolicyRule,
  type RbacObject,
  type RbacSubject,
} from '../../harness/rbac-checks.js';

const roleBinding = (subjects: RbacSubject[], roleRef = { kind: 'Role', name: 'reader' }): RbacObject => ({
  kind: 'RoleBinding',
  metadata: { name: 'b', namespace: 'ns' },
  roleRef,
  subjects,
});
const clusterBinding = (subjects: RbacSubject[], name = 'reader'): RbacObject => ({
  kind: 'ClusterRoleBinding',
  metadata: { name: 'cb' },
  roleRef: { kind: 'ClusterRole', name },
  subjects,
});
const role = (rules: PolicyRule[] | undefined, extra: Partial<RbacObject> = {}): RbacObject => ({
  kind: 'Role',
  metadata: { name: 'reader', namespace: 'ns' },
  rules,
  ...extra,
});
const alice = { kind: 'User', name: 'alice' };
const getSecrets = { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] };

describe('the review that proves a binding in force', () => {
  it('asks for the first verb of the first rule, as the first subject, in the binding namespace', () => {
    expect(bindingCheck(roleBinding([alice, { kind: 'User', name: 'bob' }]), role([getSecrets]))).toEqual({
      check: { user: 'alice', resourceAttributes: { namespace: 'ns', verb: 'get', group: '', resource: 'secrets' } },
    });
  });

  it('asks cluster-wide for a ClusterRoleBinding', () => {
    expect(bindingCheck(clusterBinding([alice]), role([getSecrets], { kind: 'ClusterRole' }))).toEqual({
      check: { user: 'alice', resourceAttributes: { verb: 'get', group: '', resource: 'secrets' } },
    });
  });

  it('asks as a ServiceAccount by its user name alone, its namespace defaulting to the binding one', () => {
    const picked = (s: RbacSubject) => bindingCheck(roleBinding([s]), role([getSecrets]));
    expect(picked({ kind: 'ServiceAccount', name: 'robot' })).toMatchObject({
      check: { user: 'system:serviceaccount:ns:robot' },
    });
    expect(picked({ kind: 'ServiceAccount', name: 'robot', namespace: 'other' })).toEqual({
      check: expect.objectContaining({ user: 'system:serviceaccount:other:robot' }),
    });
    // no groups: a binding of system:serviceaccounts or system:authenticated must not answer for this one
    expect('groups' in (picked({ kind: 'ServiceAccount', name: 'robot' }) as any).check).toBe(false);
  });

  it('asks as a member of a Group with a user name nothing binds', () => {
    expect(bindingCheck(roleBinding([{ kind: 'Group', name: 'dbas' }]), role([getSecrets]))).toMatchObject({
      check: { user: GROUP_PROBE_USER, groups: ['dbas'] },
    });
  });

  it('skips subjects it cannot ask as, and a binding with none', () => {
    const clusterSA = clusterBinding([{ kind: 'ServiceAccount', name: 'no-namespace' }, alice]);
    expect(bindingCheck(clusterSA, role([getSecrets], { kind: 'ClusterRole' }))).toMatchObject({
      check: { user: 'alice' },
    });
    expect(bindingCheck(roleBinding([]), role([getSecrets]))).toEqual({
      skip: 'RoleBinding ns/b has no subject to ask as',
    });
    expect(bindingCheck({ ...roleBinding([]), subjects: null }, role([getSecrets]))).toHaveProperty('skip');
  });

  it('passes a rule’s text as the authorizer matches it: *, subresources, */subresource, resourceNames', () => {
    const attributes = (rule: PolicyRule) =>
      (bindingCheck(roleBinding([alice]), role([rule])) as { check: any }).check.resourceAttributes;
    expect(attributes({ apiGroups: ['*'], resources: ['*'], verbs: ['*'] })).toEqual({
      namespace: 'ns',
      verb: '*',
      group: '*',
      resource: '*',
    });
    expect(attributes({ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] })).toMatchObject({
      resource: 'pods',
      subresource: 'exec',
    });
    expect(attributes({ apiGroups: ['apps'], resources: ['*/scale'], verbs: ['patch'] })).toMatchObject({
      group: 'apps',
      resource: '*',
      subresource: 'scale',
    });
    expect(
      attributes({ apiGroups: [''], resources: ['secrets'], resourceNames: ['db'], verbs: ['get'] }),
    ).toMatchObject({ name: 'db' });
    expect(
      attributes({ apiGroups: [''], resources: ['secrets'], resourceNames: [], verbs: ['get'] }),
    ).not.toHaveProperty('name');
  });

  it('uses a non-resource URL rule for a ClusterRoleBinding only, after any resource rule', () => {
    const urls = { nonResourceURLs: ['/healthz/*'], verbs: ['get'] };
    expect(bindingCheck(clusterBinding([alice]), role([urls], { kind: 'ClusterRole' }))).toEqual({
      check: { user: 'alice', nonResourceAttributes: { path: '/healthz/*', verb: 'get' } },
    });
    expect(bindingCheck(clusterBinding([alice]), role([urls, getSecrets], { kind: 'ClusterRole' }))).toMatchObject({
      check: { resourceAttributes: { resource: 'secrets' } },
    });
    const viaRoleBinding = roleBinding([alice], { kind: 'ClusterRole', name: 'health' });
    expect(bindingCheck(viaRoleBinding, role([urls], { kind: 'ClusterRole' }))).toEqual({
      skip: 'ClusterRole health has no rule that RoleBinding ns/b grants',
    });
  });

  it('has nothing to check for a missing role, a role without rules, or an aggregated role just created', () => {
    expect(bindingCheck(roleBinding([alice]), undefined)).toEqual({ skip: 'Role ns/reader does not exist' });
    expect(bindingCheck(roleBinding([alice]), role([]))).toHaveProperty('skip');
    expect(bindingCheck(roleBinding([alice]), role(undefined))).toHaveProperty('skip');
    expect(bindingCheck(roleBinding([alice]), role([{ verbs: ['get'] }]))).toHaveProperty('skip');
    const aggregated = role([getSecrets], { kind: 'ClusterRole', aggregationRule: { clusterRoleSelectors: [] } });
    expect(bindingCheck(clusterBinding([alice]), aggregated, true)).toEqual({
      skip: 'ClusterRole reader is aggregated by the controller',
    });
    // as read from the API server (view, edit, admin): the controller's rules
    expect(bindingCheck(clusterBinding([alice]), aggregated, false)).toHaveProperty('check');
  });

  it('names the role a binding references as the role itself is named', () => {
    expect(roleOf(roleBinding([]))).toBe('Role ns/reader');
    expect(roleOf(roleBinding([], { kind: 'ClusterRole', name: 'view' }))).toBe('ClusterRole view');
    expect(roleOf(clusterBinding([], 'edit'))).toBe('ClusterRole edit');
  });

  it('describes a review for an error message', () => {
    const check = (bindingCheck(roleBinding([alice]), role([getSecrets])) as { check: any }).check;
    expect(describeCheck(check)).toBe('user alice get secrets in namespace ns');
    expect(
      describeCheck({
        user: GROUP_PROBE_USER,
        groups: ['g'],
        resourceAttributes: {
          verb: 'patch',
          group: 'apps',
          resource: 'deployments',
          subresource: 'scale',
          name: 'web',
        },
      }),
    ).toBe('a member of group g patch deployments/scale.apps web cluster-wide');
    expect(describeCheck({ user: 'u', nonResourceAttributes: { path: '/metrics', verb: 'get' } })).toBe(
      'user u get /metrics',
    );
  });
});
