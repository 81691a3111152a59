import { describe, expect, it } from 'vitest';
import type { ObservedRead } from '../../../src/audit/read-ledger.js';
import { leastPrivilegeView } from '../../../src/cli/least-privilege-view.js';
import { analyzeLeastPrivilege } from '../../../src/leastpriv/analyze.js';
import { prove, removedText } from '../../../src/leastpriv/prove.js';
import {
  DERIVED_FROM_BINDING,
  DERIVED_LABEL,
  REMOVED_SUBJECTS,
  suggest,
  undoObjects,
} from '../../../src/leastpriv/suggest.js';
import type { DatedBinding, LeastPrivilegeInput } from '../../../src/leastpriv/types.js';
import type { Binding } from '../../../src/whocan/types.js';
import { clusterRole, crb, group, rb, readSecrets, role, rule, sa, user } from '../whocan/fixtures.js';

const OLD = '2026-01-01T00:00:00Z';
const START = Date.parse('2026-06-01T00:00:00Z');
const END = Date.parse('2026-09-01T00:00:00Z');
const T = Date.parse('2026-07-01T00:00:00Z');
const dated = (b: Binding, created = OLD): DatedBinding => ({
  ...b,
  metadata: { ...b.metadata, creationTimestamp: created },
});

const read = (
  user: string,
  verb: 'get' | 'list' | 'watch',
  namespace: string | null,
  name: string | null,
  extra: Partial<ObservedRead> = {},
): ObservedRead => ({
  user,
  groups: [],
  verb,
  namespace,
  name,
  scope: verb === 'get' ? 'named' : name ? 'field-selected' : namespace ? 'namespace-wide' : 'cluster-wide',
  count: 1,
  firstSeen: T,
  lastSeen: T,
  ...extra,
});

function scenario(reads: ObservedRead[]): LeastPrivilegeInput {
  return {
    rbac: {
      roles: [
        role('reader', [readSecrets()], 'shop'),
        role('mixed', [rule(['get', 'list'], ['secrets', 'configmaps'])], 'shop'),
      ],
      clusterRoles: [
        clusterRole('shared-reader', [readSecrets(['get', 'list'])]),
        clusterRole('admin-ish', [rule(['*'], ['*'], ['*'])]),
      ],
      roleBindings: [
        dated(rb('alice-reads', { kind: 'Role', name: 'reader' }, [user('alice')], 'shop')),
        dated(rb('nobody', { kind: 'Role', name: 'reader' }, [user('bob')], 'shop')),
        dated(rb('carol-shared', { kind: 'ClusterRole', name: 'shared-reader' }, [user('carol'), user('zed')], 'shop')),
        dated(rb('dave-shared', { kind: 'ClusterRole', name: 'shared-reader' }, [sa('robot')], 'pay')),
        dated(rb('erin-mixed', { kind: 'Role', name: 'mixed' }, [user('erin')], 'shop')),
        dated(rb('young', { kind: 'Role', name: 'reader' }, [user('yolanda')], 'shop'), '2026-08-01T00:00:00Z'),
        dated(rb('devs', { kind: 'Role', name: 'reader' }, [group('devs')], 'shop')),
      ],
      clusterRoleBindings: [
        dated(crb('ops-admin', 'admin-ish', [user('olga')])),
        dated(crb('masters', 'admin-ish', [group('system:masters')])),
      ],
    },
    serviceAccounts: [{ namespace: 'pay', name: 'robot', creationTimestamp: OLD }],
    reads,
  };
}

const options = { namespace: undefined, windowStart: START, windowEnd: END, includeSystem: false };

describe('least-privilege analysis', () => {
  const reads = [
    read('alice', 'get', 'shop', 'db', { count: 3 }),
    read('carol', 'get', 'shop', 'db'),
    read('system:serviceaccount:pay:robot', 'list', 'pay', null),
    read('erin', 'get', 'shop', 'token'),
    read('gina', 'get', 'shop', 'db', { groups: ['devs', 'system:authenticated'] }),
    read('olga', 'get', 'shop', 'db'),
  ];
  const input = scenario(reads);
  const analysis = analyzeLeastPrivilege(input, options);
  const find = (binding: string, ruleIndex: number | null = 0) =>
    analysis.items.find((i) => i.binding.name === binding && i.ruleIndex === ruleIndex);

  it('flags a broad reader who reads one Secret: unused list/watch, names proposed', () => {
    const item = find('alice-reads')!;
    expect(item.findings).toEqual(['unused-verb', 'too-broad']);
    expect(item.used).toMatchObject({ verbs: ['get'], secrets: ['shop/db'], reads: 3 });
    expect(item.proposal).toBe('get secrets [db]');
  });

  it('flags a binding nobody uses, and a subject that never read', () => {
    expect(find('nobody', null)!.findings).toEqual(['unused-binding']);
    const shared = find('carol-shared', null)!;
    expect(shared.findings).toEqual(['unused-subject']);
    expect(shared.subjects.map((s) => [s.subject.name, s.verdict])).toEqual([
      ['carol', 'used'],
      ['zed', 'unused'],
    ]);
  });

  it('an unused binding with subjects it cannot judge proposes moving only the unused ones', () => {
    const withGhost = scenario(reads);
    withGhost.rbac.roleBindings.push(
      dated(rb('half-known', { kind: 'Role', name: 'mixed' }, [user('ursula'), sa('ghost')], 'shop')),
      dated(rb('half-known-reader', { kind: 'Role', name: 'reader' }, [user('ursula'), sa('ghost')], 'shop')),
    );
    const items = analyzeLeastPrivilege(withGhost, options).items;
    const item = (name: string) => items.find((i) => i.binding.name === name && i.ruleIndex === null)!;
    expect(item('half-known').findings).toEqual(['unused-binding']);
    expect(item('half-known').subjects.map((s) => s.verdict)).toEqual(['unused', 'not-judged']);
    expect(item('half-known').proposal).toBe('move ursula to a role without Secret reads');
    expect(item('half-known-reader').proposal).toBe('remove ursula');
    expect(find('nobody', null)!.proposal).toBe('remove its subjects');
  });

  it('keeps unnamed lists without names, and judges group bindings by their members', () => {
    expect(find('dave-shared')!).toMatchObject({ findings: ['unused-verb'], proposal: 'list secrets' });
    expect(find('devs')!.findings).toEqual(['unused-verb', 'too-broad']);
  });

  it('a binding that lets everyone read Secrets (system:authenticated) is never "ok", however used', () => {
    const open = scenario(reads);
    open.rbac.roleBindings.push(
      dated(rb('everyone-reads', { kind: 'Role', name: 'reader' }, [group('system:authenticated')], 'shop')),
    );
    const items = analyzeLeastPrivilege(open, options).items.filter((i) => i.binding.name === 'everyone-reads');
    expect(items.map((i) => i.findings)).toEqual([['everyone', 'unused-verb', 'too-broad']]);
    // first in the list: the worst finding
    expect(analyzeLeastPrivilege(open, options).items[0]!.binding.name).toBe('everyone-reads');
  });

  it('a ServiceAccount it could not list is not judged as unknown, not said not to exist', () => {
    const unlisted = analyzeLeastPrivilege({ ...input, serviceAccounts: null }, options);
    const robot = unlisted.items.find((i) => i.binding.name === 'dave-shared' && i.ruleIndex === null)!;
    expect(robot.subjects).toEqual([
      expect.objectContaining({
        verdict: 'not-judged',
        reason: 'ServiceAccount unknown: serviceaccounts could not be listed',
      }),
    ]);
    const gone = analyzeLeastPrivilege({ ...input, serviceAccounts: [] }, options);
    expect(gone.items.find((i) => i.binding.name === 'dave-shared' && i.ruleIndex === null)!.subjects[0]!.reason).toBe(
      'ServiceAccount does not exist',
    );
  });

  it('does not judge young bindings, wildcard rules are flagged but left as they are', () => {
    expect(find('young', null)!.findings).toEqual(['not-judged']);
    const ops = find('ops-admin')!;
    expect(ops.findings).toContain('wildcard');
    expect(ops.blocked).toMatch(/cannot say "all but Secrets"/);
    expect(analysis.hiddenControlPlane.bindings).toBe(1); // system:masters
  });

  it('says once, in the table, that a wildcard rule is left as it is', () => {
    const proposal = leastPrivilegeView().columns.find((c) => c.header === 'proposal')!;
    const text = proposal.value(find('ops-admin')!);
    expect(text).toBe('(left as it is: rules[0] grants * resources or API groups: RBAC cannot say "all but Secrets")');
  });

  it('suggests new roles and re-declared bindings that keep every read, and lists what goes', () => {
    const s = suggest(input, analysis.judgements);
    const names = s.objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(names).toContain('Role/shop/alice-reads-least-privilege');
    expect(names).toContain('RoleBinding/shop/alice-reads');
    expect(names).not.toContain('Role/shop/reader');
    const mixed = s.objects.find((o) => o.metadata.name === 'erin-mixed-least-privilege' && o.kind === 'Role')!;
    expect(mixed.rules).toEqual([
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['token'] },
    ]);
    expect(s.objects.find((o) => o.kind === 'RoleBinding' && o.metadata.name === 'nobody')!.subjects).toEqual([]);
    expect(s.emptied.map((b) => b.name)).toContain('nobody');
    const proof = prove(analysis, s);
    expect(proof.denied).toEqual([]);
    expect(proof.checked).toBe(reads.length);
    const removed = proof.removed.map(removedText);
    expect(removed).toContain('User alice: list secrets in namespace shop');
    expect(removed).toContain('User alice: get secrets in namespace shop, except db');
    expect(removed).toContain('User bob: get secrets in namespace shop');
    expect(removed).toContain('User zed: get secrets in namespace shop');
    expect(removed).toContain('ServiceAccount pay/robot: get secrets in namespace pay');
    expect(removed).toContain('User carol: list secrets in namespace shop');
    expect(removed).not.toContainEqual(expect.stringContaining('olga'));
  });

  it("does not reuse the name of an earlier suggestion's binding that still holds subjects (nor declare one object twice)", () => {
    // Applied last quarter: ann was moved out of alice-reads into alice-reads-least-privilege (get db); alice has been
    // added to alice-reads since. Reusing that name for alice's move replaced ann's binding (and its role) with alice's.
    const earlier = scenario([...reads, read('ann', 'get', 'shop', 'db')]);
    earlier.rbac.roles.push({
      ...role('alice-reads-least-privilege', [readSecrets(['get'], ['db'])], 'shop'),
      metadata: { name: 'alice-reads-least-privilege', namespace: 'shop', labels: { [DERIVED_LABEL]: 'true' } },
    });
    const b = dated(
      rb('alice-reads-least-privilege', { kind: 'Role', name: 'alice-reads-least-privilege' }, [user('ann')], 'shop'),
    );
    earlier.rbac.roleBindings.push({
      ...b,
      metadata: {
        ...b.metadata,
        labels: { [DERIVED_LABEL]: 'true' },
        annotations: { [DERIVED_FROM_BINDING]: 'RoleBinding/shop/alice-reads' },
      },
    } as DatedBinding);
    const a = analyzeLeastPrivilege(earlier, options);
    const s = suggest(earlier, a.judgements);
    // the proof applies the objects as kubectl does: one that replaced ann's binding would deny her read here
    expect(prove(a, s).denied).toEqual([]);
    const names = s.objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(new Set(names).size).toBe(names.length);
    expect(names).not.toContain('RoleBinding/shop/alice-reads-least-privilege');
    expect(names).not.toContain('Role/shop/alice-reads-least-privilege');
  });

  it('denied attempts are not use', () => {
    const a = analyzeLeastPrivilege(scenario([]), options);
    expect(a.items.find((i) => i.binding.name === 'alice-reads')!.findings).toEqual(['unused-binding']);
  });
});

describe('narrowing', () => {
  it('does not name the Secrets of get when the same rule lists the whole namespace', async () => {
    const { narrowedReads } = await import('../../../src/leastpriv/narrow.js');
    const uses = new Map([
      ['get', { unnamed: false, names: new Set(['db']) }],
      ['list', { unnamed: true, names: new Set<string>() }],
    ]);
    expect(narrowedReads(['get', 'list', 'watch'], uses)).toEqual([
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] },
    ]);
  });

  it('splits a rule into what it grants besides reading Secrets, or says it cannot', async () => {
    const { remainderOf } = await import('../../../src/leastpriv/narrow.js');
    expect(remainderOf(rule(['get', 'create'], ['secrets', 'configmaps'], ['', 'example.io']))).toEqual([
      { apiGroups: ['', 'example.io'], resources: ['configmaps'], verbs: ['get', 'create'] },
      { apiGroups: ['example.io'], resources: ['secrets'], verbs: ['get', 'create'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
    ]);
    expect(remainderOf(rule(['*'], ['secrets']))).toEqual([
      { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'update', 'patch', 'delete', 'deletecollection'] },
    ]);
    expect(remainderOf(rule(['get'], ['*']))).toBeUndefined();
    expect(remainderOf(rule(['get'], ['secrets'], ['*']))).toBeUndefined();
  });
});

describe('renderManifests', () => {
  it('keeps untrusted names inside their comment line', async () => {
    const { renderManifests } = await import('../../../src/output/manifests.js');
    const yaml = await import('js-yaml');
    const text = renderManifests(
      [{ kind: 'Role', metadata: { name: 'x' } }],
      ['User a\nkind: ClusterRoleBinding\u001b[31m: get'],
      'yaml',
    );
    expect(text.split('\n')[0]).toBe('# User a\\nkind: ClusterRoleBinding^[[31m: get');
    expect(yaml.loadAll(text)).toEqual([{ kind: 'Role', metadata: { name: 'x' } }]);
  });
});

describe('least-privilege --suggest-undo', () => {
  // Applied earlier: an -A suggestion moved olga out of ClusterRoleBinding ops-admin, one for -n pay emptied dave-shared,
  // and one for -n shop moved alice out of alice-reads.
  const derived = (name: string, from: string, subjects: Binding['subjects'], namespace?: string): DatedBinding => {
    const b = namespace
      ? dated(rb(name, { kind: 'Role', name: `${name}-role` }, subjects ?? [], namespace))
      : dated(crb(name, `${name}-role`, subjects ?? []));
    return {
      ...b,
      metadata: { ...b.metadata, labels: { [DERIVED_LABEL]: 'true' }, annotations: { [DERIVED_FROM_BINDING]: from } },
    } as DatedBinding;
  };
  const applied = scenario([]);
  const rbac = applied.rbac;
  rbac.clusterRoleBindings = rbac.clusterRoleBindings.map((b) =>
    b.metadata.name === 'ops-admin' ? { ...b, subjects: [] } : b,
  );
  rbac.roleBindings = rbac.roleBindings.map((b) =>
    b.metadata.name === 'alice-reads'
      ? { ...b, subjects: [] }
      : b.metadata.name === 'dave-shared'
        ? ({
            ...b,
            subjects: [],
            metadata: { ...b.metadata, annotations: { [REMOVED_SUBJECTS]: JSON.stringify([sa('robot', 'pay')]) } },
          } as DatedBinding)
        : b,
  );
  rbac.clusterRoleBindings.push(derived('ops-admin-least-privilege', 'ClusterRoleBinding//ops-admin', [user('olga')]));
  rbac.roleBindings.push(
    derived('alice-reads-least-privilege', 'RoleBinding/shop/alice-reads', [user('alice')], 'shop'),
  );
  const names = (objects: { kind: string; metadata: { name: string; namespace?: string } }[]) =>
    objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort();

  it('with -n restores only the RoleBindings of that namespace, not what other scopes applied', () => {
    expect(names(undoObjects(applied, [], 'shop'))).toEqual(['RoleBinding/shop/alice-reads']);
    expect(names(undoObjects(applied, [], 'pay'))).toEqual(['RoleBinding/pay/dave-shared']);
  });

  it('with -A restores every binding a suggestion changed', () => {
    expect(names(undoObjects(applied, [], undefined))).toEqual([
      'ClusterRoleBinding//ops-admin',
      'RoleBinding/pay/dave-shared',
      'RoleBinding/shop/alice-reads',
    ]);
  });
});
