import type { ReadScope, ReadVerb, RecordFormat } from './report-types.js';

/** One logged stage of a request that reads Secrets, reduced to what the report needs (never bodies). */
export interface SecretRead {
  /** auditID (GKE: operation id or insertId); null when the event has none. */
  auditID: string | null;
  /** 0 RequestReceived, 1 ResponseStarted, 2 ResponseComplete or Panic: later stages carry the outcome. */
  stageRank: number;
  verb: ReadVerb;
  namespace: string | null;
  /** The Secret's name for named and field-selected reads. */
  name: string | null;
  scope: ReadScope;
  user: string;
  impersonatedUser: string | null;
  /** From user.extra of ServiceAccount tokens bound to a pod. */
  pod: string | null;
  node: string | null;
  /** user.extra authentication.kubernetes.io/credential-id of ServiceAccount tokens (e.g. "JTI=..."). */
  credentialId?: string | null;
  /** user.groups and impersonatedUser.groups, when logged (who-can matches group bindings with them). */
  groups?: string[];
  impersonatedGroups?: string[];
  sourceIPs: string[];
  userAgent: string | null;
  /** HTTP status of the response, when logged. */
  code: number | null;
  denied: boolean;
  /** Epoch milliseconds when the request was received, or null. */
  time: number | null;
  format: RecordFormat;
}

const STAGE_RANKS = new Map([
  ['RequestReceived', 0],
  ['ResponseStarted', 1],
  ['ResponseComplete', 2],
  ['Panic', 2],
]);

/** A logged stage's rank; unknown stages (and none) rank as final: their outcome is the one there is. */
export function stageRank(stage: string | undefined): number {
  return (stage !== undefined ? STAGE_RANKS.get(stage) : undefined) ?? 2;
}
