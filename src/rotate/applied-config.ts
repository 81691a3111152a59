// A consumer made with `kubectl apply` keeps its last applied manifest in an
// annotation. When that still names the old Secret, so does the manifest, and
// its next `kubectl apply` switches the consumer back: the plan warns. Only
// names are read from it and said, never the annotation itself.
import { objectRefMatches, secretRefsOfObject, type ReferencingObject } from '../consumers/object-refs.js';
import { secretNamesOfPodSpec } from '../consumers/pod-refs.js';
import { isWorkloadKind, podSpecOf } from '../consumers/workloads.js';
import type { Plan } from './plan.js';
import type { ConsumerScan } from './port.js';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

interface Annotated {
  kind: string;
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
}

/** blue/green: one warning naming the repointed consumers whose last-applied configuration names the old Secret. */
export function lastAppliedWarnings(plan: Plan, scan: Pick<ConsumerScan, 'workloads' | 'objects'>): string[] {
  if (plan.mode !== 'blue-green') return [];
  const repointed = new Set(plan.consumers.filter((c) => c.action === 'repoint').map((c) => `${c.kind}/${c.name}`));
  const stale: string[] = [];
  for (const o of [...scan.workloads, ...scan.objects] as Annotated[]) {
    const ref = `${o.kind}/${o.metadata?.name ?? ''}`;
    if (!repointed.has(ref) || (o.metadata?.namespace ?? plan.namespace) !== plan.namespace) continue;
    const manifest = parsed(o.metadata?.annotations?.[LAST_APPLIED]);
    if (manifest && namesSecret({ ...manifest, kind: o.kind }, plan.namespace, plan.from)) stale.push(ref);
  }
  if (stale.length === 0) return [];
  const one = stale.length === 1;
  const [its, manifests, it] = one ? ['its', 'manifest', 'it'] : ['their', 'manifests', 'them'];
  return [
    `${stale.join(', ')}: ${its} ${LAST_APPLIED} names ${plan.from}, so the next "kubectl apply" of ${its} ${manifests} switches ${it} back to ${plan.from}: change ${plan.from} to ${plan.to} in the ${manifests}`,
  ];
}

function parsed(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function namesSecret(manifest: Record<string, unknown> & { kind: string }, namespace: string, secret: string): boolean {
  if (isWorkloadKind(manifest.kind)) return secretNamesOfPodSpec(podSpecOf(manifest)).has(secret);
  const metadata = { ...(manifest.metadata as object | undefined), namespace };
  return secretRefsOfObject({ ...manifest, metadata } as unknown as ReferencingObject).some((r) =>
    objectRefMatches(r, namespace, secret),
  );
}
