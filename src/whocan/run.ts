// who-can end to end, through the I/O it is given: load the cluster's RBAC,
// answer, optionally verify with the API server.
import { danglingWarning, whoCan, type WhoCanOptions } from './analyze.js';
import type { SecretRef } from './direct.js';
import type { DanglingBinding } from './policy.js';
import type { WhoCanRow } from './report.js';
import { parseServerVersion, type ClusterSnapshot, type RoleVisibility } from './snapshot.js';
import { applyVerdicts, verificationQuestions, type AccessQuestion } from './verify.js';

export interface WhoCanDeps {
  load(): Promise<ClusterSnapshot>;
  /** Whether the API server allows each question (SubjectAccessReview). */
  /** undefined: the API server may not be asked (no permission to create SubjectAccessReviews). */
  review(questions: readonly AccessQuestion[]): Promise<boolean[] | undefined>;
}

export interface WhoCanMetadata {
  secret: { namespace: string; name: string; exists: boolean | null };
  server: { version: string | null };
  question: { verbs: string[]; indirect: boolean; allPaths: boolean; subjectKinds: string[] };
  complete: boolean;
  warnings: string[];
  consumers: { pods: string[]; workloads: string[]; nodes: string[] };
  danglingBindings: DanglingBinding[];
  /** ServiceAccounts a binding lets read the Secret that do not exist ("ns/name"): whoever may create one gets its access. */
  missingServiceAccounts: string[];
  verification?: { confirmed: number; disputed: number };
  /** Rows of control-plane components left out (see --include-system). */
  hiddenControlPlane: { rows: number; subjects: string[] };
  [key: string]: unknown;
}

export interface WhoCanResult {
  metadata: WhoCanMetadata;
  rows: WhoCanRow[];
  /** --verify: one line per disputed row. */
  disputes: string[];
}

export async function runWhoCan(
  secret: SecretRef,
  options: WhoCanOptions & { verify: boolean },
  deps: WhoCanDeps,
): Promise<WhoCanResult> {
  const snapshot = await deps.load();
  const answer = whoCan(
    {
      secret,
      rbac: snapshot.rbac,
      serviceAccounts: snapshot.serviceAccounts,
      pods: snapshot.pods,
      workloads: snapshot.workloads,
      serverVersion: parseServerVersion(snapshot.serverVersion),
    },
    options,
  );
  const dangling = answer.dangling.filter((d) => visible(d, snapshot.visibility));
  const gaps = snapshot.gaps.filter((g) => options.indirect || g.affects === 'direct');
  const warnings = [
    ...existenceWarnings(secret, snapshot.secretExists),
    ...gaps.map((g) => `${g.message}: the answer may be incomplete`),
    ...answer.warnings,
    ...dangling.map(danglingWarning),
  ];
  const missing = answer.missingServiceAccounts.filter((sa) =>
    listed(sa, snapshot.serviceAccountsListed, secret.namespace),
  );
  warnings.push(...missing.map((sa) => missingServiceAccountWarning(sa, secret.namespace)));

  const hidden = options.includeSystem ? [] : answer.rows.filter((r) => r.controlPlane);
  const rows = hidden.length === 0 ? answer.rows : answer.rows.filter((r) => !r.controlPlane);
  const metadata: WhoCanMetadata = {
    secret: { namespace: secret.namespace, name: secret.name, exists: snapshot.secretExists ?? null },
    server: { version: snapshot.serverVersion ?? null },
    question: {
      verbs: [...options.verbs],
      indirect: options.indirect,
      allPaths: options.allPaths,
      subjectKinds: [...(options.subjectKinds ?? [])],
    },
    complete: gaps.length === 0,
    warnings,
    consumers: answer.consumers,
    danglingBindings: dangling,
    missingServiceAccounts: missing,
    hiddenControlPlane: { rows: hidden.length, subjects: [...new Set(hidden.map((r) => r.subject))] },
  };

  let disputes: string[] = [];
  if (options.verify) {
    const plan = verificationQuestions(rows, secret);
    const flat = plan.flatMap((p) => p.questions.map((q) => q.question));
    const verdicts = await deps.review(flat);
    if (verdicts === undefined) {
      for (const row of rows) row.verified = 'unverified';
      metadata.complete = false;
      metadata.warnings.push(
        'cannot create subjectaccessreviews.authorization.k8s.io (forbidden): --verify could not ask the API server, no row is verified',
      );
      return { metadata, rows, disputes };
    }
    let k = 0;
    const allowed = plan.map((p) => p.questions.map(() => verdicts[k++] === true));
    disputes = applyVerdicts(plan, allowed, secret);
    for (const row of rows) if (row.path !== 'direct') row.verified = 'unverified';
    metadata.verification = { confirmed: plan.length - disputes.length, disputed: disputes.length };
  }
  return { metadata, rows, disputes };
}

function existenceWarnings(secret: SecretRef, exists: boolean | undefined): string[] {
  const ref = `secret ${secret.namespace}/${secret.name}`;
  if (exists === false) return [`${ref} does not exist: showing who could read it if it existed`];
  if (exists === undefined)
    return [
      `cannot tell whether ${ref} exists (listing secrets in namespace ${secret.namespace} is forbidden): showing who could read it`,
    ];
  return [];
}

/** A ServiceAccount ("ns/name") of a namespace whose ServiceAccounts were listed: one missing there does not exist. */
function listed(sa: string, scope: ClusterSnapshot['serviceAccountsListed'], namespace: string): boolean {
  return scope === 'all' || (scope === 'namespace' && sa.startsWith(`${namespace}/`));
}

function missingServiceAccountWarning(sa: string, namespace: string): string {
  const ns = sa.slice(0, sa.indexOf('/'));
  return `ServiceAccount ${sa} can read it through a binding but does not exist: whoever may create ServiceAccounts in namespace ${ns} can create it and read the Secret${ns === namespace ? '' : ` of namespace ${namespace}`}; take it out of the binding`;
}

/** A binding to a role we could not list is unknown, not dangling. */
function visible(d: DanglingBinding, v: RoleVisibility): boolean {
  if (d.role.kind === 'ClusterRole') return v.clusterRoles;
  return v.roles === 'all' || (v.roles === 'namespace' && d.binding.kind === 'RoleBinding');
}
