import { secretRefsOfObject, type ReferencingObject } from './object-refs.js';
import { secretRefsOfPodSpec } from './pod-refs.js';
import type { PodSpec } from './types.js';

/** A JSON Patch operation (RFC 6902). */
export type JsonPatchOp = { op: 'test' | 'replace'; path: string; value: unknown };

/**
 * The JSON Patch that repoints every reference from Secret `from` to `to` in
 * the pod spec found at `specPointer` of its object. Each replace is guarded
 * by a test, so a concurrent edit makes the API server reject the patch
 * instead of silently clobbering it.
 */
export function repointPatch(spec: PodSpec | undefined, specPointer: string, from: string, to: string): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  for (const ref of secretRefsOfPodSpec(spec, from)) {
    const path = `${specPointer}${ref.pointer}`;
    ops.push({ op: 'test', path, value: from }, { op: 'replace', path, value: to });
  }
  return ops;
}

/**
 * The JSON Patch that repoints the references of a ServiceAccount, Ingress or
 * Gateway from Secret `from` to `to` in `namespace` (an ingress-nginx
 * annotation keeps its `namespace/` prefix). Guarded by tests, as above.
 */
export function objectRepointPatch(obj: ReferencingObject, namespace: string, from: string, to: string): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  for (const ref of secretRefsOfObject(obj)) {
    if (ref.template || ref.secret !== from || ref.namespace !== namespace) continue;
    const current = valueAt(obj, ref.pointer);
    if (typeof current !== 'string') continue;
    const next =
      current === from ? to : current.endsWith(`/${from}`) ? `${current.slice(0, -from.length)}${to}` : undefined;
    if (next === undefined) continue;
    ops.push({ op: 'test', path: ref.pointer, value: current }, { op: 'replace', path: ref.pointer, value: next });
  }
  return ops;
}

function valueAt(obj: unknown, pointer: string): unknown {
  let at = obj;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}
