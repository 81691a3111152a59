// The timeline's changes: the limit applies to the writes it lists, whatever else the log holds.
import { describe, expect, it } from 'vitest';
import type { ObjectWrite, WrittenResource, WriteVerb } from '../../../src/audit/run.js';
import { WriteLog } from '../../../src/access/write-log.js';
import { secretRead } from './requests.js';

let seq = 0;
function write(verb: WriteVerb, resource: WrittenResource, name: string, over: Partial<ObjectWrite> = {}): ObjectWrite {
  seq++;
  const clusterScoped = resource === 'clusterroles' || resource === 'clusterrolebindings';
  return {
    ...secretRead('ops', { auditID: `w${seq}`, time: Date.UTC(2026, 11, 1) + seq * 1000 }),
    namespace: clusterScoped ? null : 'shop',
    name,
    verb,
    resource,
    ...over,
  };
}

const names = (writes: ObjectWrite[]) => writes.map((w) => `${w.verb} ${w.name}`);
const noise = (n: number) => Array.from({ length: n }, (_, i) => write('create', 'clusterrolebindings', `noise-${i}`));
const GRANTING = new Set(['ClusterRoleBinding//readers']);

describe('WriteLog', () => {
  it('lists the Secret, namespaced RBAC, granting and deleted cluster-wide objects; others neither fill nor count', () => {
    const log = new WriteLog(3);
    for (const w of [
      write('create', 'clusterrolebindings', 'late'),
      ...noise(10),
      write('patch', 'clusterrolebindings', 'readers'),
      ...noise(10),
      write('delete', 'clusterrolebindings', 'late'),
    ])
      log.add(w);
    expect(log.listed(GRANTING).dropped).toBe(0);
    expect(names(log.listed(GRANTING).writes)).toEqual(['create late', 'patch readers', 'delete late']);
    // without the path now, the binding's patch is not listed
    expect(names(log.listed(new Set()).writes)).toEqual(['create late', 'delete late']);
  });

  it('counts listed writes past the limit only: a delete late in the log makes its object listed, before and after', () => {
    const log = new WriteLog(2);
    for (const w of [
      write('create', 'clusterrolebindings', 'gone'),
      write('update', 'rolebindings', 'a'),
      write('update', 'rolebindings', 'b'),
      // past the limit: counted, by object while its fate is open
      write('patch', 'clusterrolebindings', 'gone'),
      ...noise(5),
      write('patch', 'clusterrolebindings', 'readers'),
      write('patch', 'secrets', 'db'),
      write('delete', 'clusterrolebindings', 'gone'),
      write('delete', 'clusterrolebindings', 'kept', { denied: true, code: 403 }),
    ])
      log.add(w);
    // gone's create comes first once its delete is seen: the first two listed are it and rolebinding a
    expect(log.listed(GRANTING)).toMatchObject({ dropped: 5 }); // b, patch gone, patch readers, secret, delete gone
    expect(names(log.listed(GRANTING).writes)).toEqual(['create gone', 'update a']);
    expect(log.listed(new Set()).dropped).toBe(4);
  });

  it('a refused delete does not make its object listed', () => {
    const log = new WriteLog(10);
    log.add(write('create', 'clusterroles', 'x'));
    log.add(write('delete', 'clusterroles', 'x', { code: 404 }));
    log.add(write('delete', 'clusterroles', 'y', { denied: true, code: 403 }));
    expect(log.listed(new Set()).writes).toEqual([]);
  });
});

describe('WriteLog: the writes of cluster-wide objects whose fate is open', () => {
  it('are held up to a bound, then only counted: memory stays bounded, and what is left out is said', () => {
    const log = new WriteLog(10, 3);
    const crb = (verb: WriteVerb, name: string) => write(verb, 'clusterrolebindings', name);
    for (const w of [
      crb('create', 'a'),
      crb('create', 'b'),
      crb('create', 'c'),
      crb('create', 'd'),
      crb('create', 'e'),
    ])
      log.add(w);
    log.add(crb('delete', 'd'));
    // d's create came past the bound: counted as left out once its delete made it listed; its delete is listed
    expect(log.listed(new Set())).toMatchObject({ dropped: 1 });
    expect(names(log.listed(new Set()).writes)).toEqual(['delete d']);
    // a, b and c were held; e was not, and counts if it grants the Secret
    const all = new Set([
      'ClusterRoleBinding//a',
      'ClusterRoleBinding//b',
      'ClusterRoleBinding//c',
      'ClusterRoleBinding//e',
    ]);
    expect(names(log.listed(all).writes)).toEqual(['create a', 'create b', 'create c', 'delete d']);
    expect(log.listed(all).dropped).toBe(2);
  });

  it('a delete frees its object’s room: the next open writes are held again', () => {
    const log = new WriteLog(10, 2);
    const crb = (verb: WriteVerb, name: string) => write(verb, 'clusterrolebindings', name);
    for (const w of [crb('create', 'a'), crb('create', 'b'), crb('delete', 'a'), crb('create', 'c')]) log.add(w);
    expect(names(log.listed(new Set(['ClusterRoleBinding//c'])).writes)).toEqual(['create a', 'delete a', 'create c']);
  });
});
