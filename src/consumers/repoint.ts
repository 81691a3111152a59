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
