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
  /** Secrets could not be read: key checks skipped (the consumers are still complete). */
  secretsNote?: string;
}

export type ExposureLoader = (scope: ExposureScope) => Promise<LoadedExposure>;

export type ExposureResult =
  { kind: 'ExposureReport'; report: ExposureReport } | { kind: 'SecretInventory'; report: SecretInventory };

/** Loads through the given loader and answers: one Secret's consumers, or the inventory. */
export async function runExposure(load: ExposureLoader, scope: ExposureScope): Promise<ExposureResult> {
  const loaded = await load(scope);
  const gaps: Gaps = {
    warnings: loaded.gaps,
    notes: loaded.secretsNote ? [loaded.secretsNote] : [],
    complete: loaded.gaps.length === 0,
  };
  if (scope.name !== undefined) {
    return {
      kind: 'ExposureReport',
      report: exposureReport(
        loaded.inputs,
        { ...(scope.namespace !== undefined ? { namespace: scope.namespace } : {}), name: scope.name },
        gaps,
      ),
    };
  }
  return { kind: 'SecretInventory', report: secretInventory(loaded.inputs, scope.namespace, gaps) };
}
