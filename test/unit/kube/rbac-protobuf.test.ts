// The protobuf reader of RBAC lists, on lists encoded here as the API server does (field numbers of
// k8s.io/api/rbac/v1 and apimachinery's meta/v1 generated.proto). test/e2e/who-can-scope.test.ts compares it
// with the real server's JSON.
import { describe, expect, it } from 'vitest';
import { decodeBindingList, decodeRoleList, protobufStatus } from '../../../src/kube/rbac-protobuf.js';

type Field = [number, string | Buffer | number];

const varint = (n: number): Buffer => {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Buffer.from(out);
};
/** A message from (field, value) pairs: strings and messages length-delimited, numbers as varints. */
const msg = (...fields: Field[]): Buffer =>
  Buffer.concat(
    fields.map(([field, value]) => {
      if (typeof value === 'number') return Buffer.concat([varint(field * 8), varint(value)]);
      const bytes = typeof value === 'string' ? Buffer.from(value) : value;
      return Buffer.concat([varint(field * 8 + 2), varint(bytes.length), bytes]);
    }),
  );
const envelope = (kind: string, list: Buffer): Buffer =>
  Buffer.concat([
    Buffer.from('k8s\0', 'latin1'),
    msg([1, msg([1, 'rbac.authorization.k8s.io/v1'], [2, kind])], [2, list], [3, ''], [4, '']),
  ]);
const meta = (name: string, namespace = '', extra: Field[] = []) =>
  msg([1, name], [2, ''], [3, namespace], [5, 'uid-1'], [6, '42'], [7, 3], [8, msg([1, 1764900000], [2, 0])], ...extra);
const managedFields = msg([1, 'kubectl'], [2, 'Update'], [7, msg([1, '{"f:subjects":{}}'])]);
const listMeta = (rv: string, cont = '') => msg([1, ''], [2, rv], [3, cont], [4, 7]);

describe('RBAC lists as protobuf', () => {
  it('RoleBindings: names, subjects and roleRef, the rest skipped, empty fields left out as JSON does', () => {
    const body = envelope(
      'RoleBindingList',
      msg(
        [1, listMeta('100', 'next-page')],
        [
          2,
          msg(
            [
              1,
              meta('ops', 'app', [
                [11, msg([1, 'team'], [2, 'a'])],
                [17, managedFields],
              ]),
            ],
            [2, msg([1, 'User'], [2, 'rbac.authorization.k8s.io'], [3, 'alice'], [4, ''])],
            [2, msg([1, 'ServiceAccount'], [2, ''], [3, 'robot'], [4, 'ci'])],
            [3, msg([1, 'rbac.authorization.k8s.io'], [2, 'ClusterRole'], [3, 'edit'])],
          ),
        ],
        [2, msg([1, meta('empty', 'app')], [3, msg([1, 'rbac.authorization.k8s.io'], [2, 'Role'], [3, 'r'])])],
      ),
    );
    expect(decodeBindingList(body)).toEqual({
      metadata: { resourceVersion: '100', continue: 'next-page' },
      items: [
        {
          metadata: { name: 'ops', namespace: 'app', labels: { team: 'a' } },
          subjects: [
            { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' },
            { kind: 'ServiceAccount', name: 'robot', namespace: 'ci' },
          ],
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
        },
        {
          metadata: { name: 'empty', namespace: 'app' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' },
        },
      ],
    });
  });

  it('short texts repeated over thousands of objects, and distinct ones alike: each reads as its own bytes', () => {
    // names that differ in one byte, in length, in multi-byte and in invalid UTF-8 (read as U+FFFD, as toString)
    const names = [
      ...Array.from({ length: 3000 }, (_, i) => `user-${i % 1500}`),
      'é',
      'e\u0301',
      Buffer.from([0x61, 0xff, 0x62]),
      Buffer.from([0xc3]),
      'x'.repeat(300),
    ];
    const text = (n: string | Buffer): string => (typeof n === 'string' ? n : n.toString('utf8'));
    const items = names.map((name, i) =>
      msg(
        [1, meta(`b${i}`, `ns-${i % 7}`)],
        [2, msg([1, 'User'], [2, 'rbac.authorization.k8s.io'], [3, name])],
        [3, msg([1, 'rbac.authorization.k8s.io'], [2, 'ClusterRole'], [3, typeof name === 'string' ? name : 'r'])],
      ),
    );
    const page = decodeBindingList(
      envelope('RoleBindingList', msg([1, listMeta('1')], ...items.map((m): Field => [2, m]))),
    );
    expect(page.items.map((b) => [b.metadata.namespace, b.subjects?.[0]?.name, b.roleRef.name])).toEqual(
      names.map((name, i) => [`ns-${i % 7}`, text(name), typeof name === 'string' ? name : 'r']),
    );
  });

  it('subjects, roleRefs and rules repeated over thousands of objects, and near copies of them: each reads as its own bytes', () => {
    const subjectOf = (i: number): Buffer =>
      i % 3 === 0
        ? msg([1, 'ServiceAccount'], [2, ''], [3, `sa-${i % 5}`], [4, `ns-${i % 4}`])
        : msg([1, i % 3 === 1 ? 'User' : 'Group'], [2, 'rbac.authorization.k8s.io'], [3, `who-${i % 5}`]);
    const expectedSubject = (i: number) =>
      i % 3 === 0
        ? { kind: 'ServiceAccount', name: `sa-${i % 5}`, namespace: `ns-${i % 4}` }
        : { kind: i % 3 === 1 ? 'User' : 'Group', apiGroup: 'rbac.authorization.k8s.io', name: `who-${i % 5}` };
    const kinds = ['Role', 'ClusterRole'];
    /** A list of n items, item(i) each. */
    const listOfItems = (kind: string, n: number, item: (i: number) => Buffer): Buffer =>
      envelope(kind, msg([1, listMeta('1')], ...Array.from({ length: n }, (_, i): Field => [2, item(i)])));
    const bindings = decodeBindingList(
      listOfItems('RoleBindingList', 3000, (i) =>
        msg(
          [1, meta(`b${i}`, 'app')],
          [2, subjectOf(i)],
          [2, subjectOf(i + 1)],
          [3, msg([1, 'rbac.authorization.k8s.io'], [2, kinds[i % 2]!], [3, `r${i % 7}`])],
        ),
      ),
    );
    expect(bindings.items).toEqual(
      Array.from({ length: 3000 }, (_, i) => ({
        metadata: { name: `b${i}`, namespace: 'app' },
        subjects: [expectedSubject(i), expectedSubject(i + 1)],
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: kinds[i % 2], name: `r${i % 7}` },
      })),
    );
    const ruleOf = (i: number): Buffer =>
      i % 2 === 0
        ? msg([1, 'get'], [2, ''], [3, i % 4 === 0 ? 'secrets' : 'pods'])
        : msg([1, 'get'], [2, ''], [3, 'secrets'], [4, `name-${i % 3}`]);
    const expectedRule = (i: number) =>
      i % 2 === 0
        ? { verbs: ['get'], apiGroups: [''], resources: [i % 4 === 0 ? 'secrets' : 'pods'] }
        : { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: [`name-${i % 3}`] };
    const roles = decodeRoleList(
      listOfItems('RoleList', 2000, (i) => msg([1, meta(`r${i}`, 'app')], [2, ruleOf(i)], [2, ruleOf(i + 3)])),
    );
    expect(roles.items).toEqual(
      Array.from({ length: 2000 }, (_, i) => ({
        metadata: { name: `r${i}`, namespace: 'app' },
        rules: [expectedRule(i), expectedRule(i + 3)],
      })),
    );
  });

  it('Roles and ClusterRoles: rules (null when none, as JSON) and aggregation selectors', () => {
    const rule = msg([1, 'get'], [1, 'list'], [2, ''], [3, 'secrets'], [4, 'db']);
    const roles = decodeRoleList(
      envelope('RoleList', msg([1, listMeta('7')], [2, msg([1, meta('r', 'app')], [2, rule])])),
    );
    expect(roles.items).toEqual([
      {
        metadata: { name: 'r', namespace: 'app' },
        rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets'], resourceNames: ['db'] }],
      },
    ]);
    const selector = msg(
      [1, msg([1, 'rbac.example/aggregate-to-view'], [2, 'true'])],
      [2, msg([1, 'tier'], [2, 'In'], [3, 'a'], [3, 'b'])],
    );
    const clusterRoles = decodeRoleList(
      envelope(
        'ClusterRoleList',
        msg(
          [1, listMeta('8')],
          [2, msg([1, meta('view')], [3, msg([1, selector])])],
          [2, msg([1, meta('urls')], [2, msg([1, 'get'], [5, '/healthz'])])],
        ),
      ),
    );
    expect(clusterRoles.items).toEqual([
      {
        metadata: { name: 'view' },
        rules: null,
        aggregationRule: {
          clusterRoleSelectors: [
            {
              matchLabels: { 'rbac.example/aggregate-to-view': 'true' },
              matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }],
            },
          ],
        },
      },
      { metadata: { name: 'urls' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }] },
    ]);
  });

  it('a refusal comes as a protobuf Status: its reason and message are read', () => {
    const status = Buffer.concat([
      Buffer.from('k8s\0', 'latin1'),
      msg(
        [1, msg([1, 'v1'], [2, 'Status'])],
        [
          2,
          msg(
            [1, msg()],
            [2, 'Failure'],
            [3, 'rolebindings is forbidden: User "x" cannot list'],
            [4, 'Forbidden'],
            [6, 403],
          ),
        ],
        [3, ''],
        [4, ''],
      ),
    ]);
    expect(protobufStatus(status)).toEqual({
      kind: 'Status',
      message: 'rolebindings is forbidden: User "x" cannot list',
      reason: 'Forbidden',
    });
    expect(protobufStatus(Buffer.from('{"kind":"Status"}'))).toBeUndefined();
    expect(protobufStatus(envelope('RoleBindingList', msg([1, listMeta('1')])))).toBeUndefined();
  });

  it('anything else is an error that quotes nothing', () => {
    const good = envelope('RoleBindingList', msg([1, listMeta('1')], [2, msg([1, meta('x', 'app')])]));
    for (const bad of [
      Buffer.from('{"kind":"RoleBindingList"}'),
      good.subarray(0, good.length - 3),
      Buffer.concat([Buffer.from('k8s\0', 'latin1'), msg([2, msg([1, listMeta('1')])], [3, 'gzip'])]),
      Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from([0x12, 0xff, 0xff, 0xff, 0xff, 0x0f])]),
    ]) {
      expect(() => decodeBindingList(bad)).toThrow(
        `the API server's protobuf answer could not be read (${bad.length} bytes)`,
      );
    }
  });

  it('input no encoder writes is an error, never read as some other field', () => {
    const item = msg([1, meta('planted', 'app')], [3, msg([2, 'ClusterRole'], [3, 'cluster-admin'])]);
    const lengthOf = (b: Buffer) => Buffer.concat([varint(b.length), b]);
    const list = (...extra: Buffer[]) =>
      envelope('RoleBindingList', Buffer.concat([msg([1, listMeta('1')]), ...extra]));
    for (const bad of [
      // field 0 does not exist: its bytes were read as the list's own fields
      list(Buffer.from([0x02]), lengthOf(msg([2, item]))),
      // a tag beyond 32 bits (field number 2^29 + 2, above protobuf's largest) was read as field 2, an item
      list(varint(2 ** 32 + 0x12), lengthOf(item)),
      // a varint longer than 10 bytes
      list(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x12]), lengthOf(item)),
      // another kind's list, read with the field numbers of this one (a Role's rules as subjects)
      envelope('RoleList', msg([1, listMeta('1')], [2, msg([1, meta('r', 'app')], [2, msg([1, 'get'])])])),
    ]) {
      expect(() => decodeBindingList(bad)).toThrow(
        `the API server's protobuf answer could not be read (${bad.length} bytes)`,
      );
    }
    expect(() => decodeRoleList(envelope('RoleBindingList', msg([1, listMeta('1')])))).toThrow();
    expect(decodeRoleList(envelope('ClusterRoleList', msg([1, listMeta('1')]))).items).toEqual([]);
  });
});
