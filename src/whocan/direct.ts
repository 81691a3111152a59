// Direct access: subjects an authorizer lets read the Secret.
import type { Consumers } from './consumers.js';
import type { RbacIndex } from './policy.js';
import type { ReadVerb } from './report.js';
import type { RowCollector } from './rows.js';
import { MASTERS_GROUP, nodeUser } from './subjects.js';
import type { RequestAttributes } from './types.js';

export interface SecretRef {
  namespace: string;
  name: string;
}

export function readRequest(secret: SecretRef, verb: string, named: boolean): RequestAttributes {
  return {
    verb,
    apiGroup: '',
    resource: 'secrets',
    namespace: secret.namespace,
    ...(named ? { name: secret.name } : {}),
  };
}

/**
 * RBAC grants. `get` always names the Secret. A list or watch reads it either
 * unselected (every Secret of the namespace: the request has no name) or
 * field-selected to its name (the authorizer then sees the name, so
 * resourceNames rules match): a rule that only allows the latter is marked.
 */
export function addRbacReaders(
  index: RbacIndex,
  secret: SecretRef,
  verbs: readonly ReadVerb[],
  rows: RowCollector,
): void {
  for (const verb of verbs) {
    const named = index.grants(readRequest(secret, verb, true));
    const unselected = verb === 'get' ? named : index.grants(readRequest(secret, verb, false));
    const full = new Set(unselected);
    for (const grant of new Set([...named, ...unselected])) {
      rows.addGrant(grant, 'direct', { verbs: [verb], ...(full.has(grant) ? {} : { fieldSelectedOnly: true }) });
    }
  }
}

/** system:masters is let through before any authorizer runs: no binding to find. */
export function addSuperusers(verbs: readonly ReadVerb[], rows: RowCollector): void {
  rows.add({ kind: 'Group', name: MASTERS_GROUP }, 'direct', {
    authorizer: 'superuser',
    verbs: [...verbs],
    note: 'bypasses authorization; its members are not listed anywhere (client certificates with O=system:masters)',
  });
}

/**
 * The Node authorizer lets a kubelet read the Secrets of pods bound to its
 * node: get, and list/watch field-selected to the name.
 */
export function addNodeReaders(consumers: Consumers, verbs: readonly ReadVerb[], rows: RowCollector): void {
  for (const [node, pods] of consumers.nodes) {
    const base = {
      authorizer: 'Node' as const,
      targets: pods.map((name) => ({ kind: 'Pod', name, consumer: true })),
      note: `node/${node}`,
    };
    const identity = { kind: 'User' as const, name: nodeUser(node) };
    if (verbs.includes('get')) rows.add(identity, 'direct', { ...base, verbs: ['get'] });
    const selected = verbs.filter((v) => v !== 'get');
    if (selected.length > 0) rows.add(identity, 'direct', { ...base, verbs: selected, fieldSelectedOnly: true });
  }
}
