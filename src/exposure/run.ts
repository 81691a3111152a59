import type { ExposureInputs } from './collect.js';
import { exposureReport, secretInventory, type ExposureReport, type Gaps, type SecretInventory } from './report.js';

export interface ExposureScope {
  /** undefined: all namespaces. */
  namespace: string | undefined;
  /** One Secret (or that name in every namespace); undefined for an inventory. */
  name: string | undefined;
  /** Never read Secret data: metadata-only lists (no keys, no types). */
  metadataOnly: boolean;
  showHashes: boolean;
  /** Page size of list requests. */
  limit?: number;
}

/** What a loader hands back: the inputs, and what it could not see. */
export interface LoadedExposure {
  inputs: ExposureInputs;
  /** Lists that were refused: the answer may undercount. */
  gaps: string[];
  /**
   * Of those, lists beyond the namespace (cluster-scoped kinds; with -n, Gateways of every namespace), which an
   * identity of one namespace may not list (not for a gate).
   */
  clusterScopedGaps?: string[];
  /** Secrets could not be read: key checks skipped (the consumers are still complete). */
  secretsNote?: string;
}

export type ExposureLoader = (scope: ExposureScope) => Promise<LoadedExposure>;

export type ExposureResult = (
  { kind: 'ExposureReport'; report: ExposureReport } | { kind: 'SecretInventory'; report: SecretInventory }
) & {
  /**
   * For a gate (--fail-on): every namespaced kind could be listed in the scope asked. Refused lists beyond it
   * (cluster-scoped kinds; with -n, Gateways of every namespace) leave it true: an identity of one namespace may not
   * list them, and it would otherwise never pass.
   */
  namespacedComplete: boolean;
};

/** Loads through the given loader and answers: one Secret's consumers, or the inventory. */
export async function runExposure(load: ExposureLoader, scope: ExposureScope): Promise<ExposureResult> {
  const loaded = await load(scope);
  const gaps: Gaps = {
    warnings: loaded.gaps,
    notes: loaded.secretsNote ? [loaded.secretsNote] : [],
    complete: loaded.gaps.length === 0,
  };
  const clusterScoped = new Set(loaded.clusterScopedGaps ?? []);
  const namespacedComplete = loaded.gaps.every((g) => clusterScoped.has(g));
  if (scope.name !== undefined) {
    return {
      namespacedComplete,
      kind: 'ExposureReport',
      report: exposureReport(
        loaded.inputs,
        { ...(scope.namespace !== undefined ? { namespace: scope.namespace } : {}), name: scope.name },
        gaps,
      ),
    };
  }
  return { namespacedComplete, kind: 'SecretInventory', report: secretInventory(loaded.inputs, scope.namespace, gaps) };
}
