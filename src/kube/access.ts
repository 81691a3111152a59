// Access reviews: ask the API server's authorizers one question at a time
// with SubjectAccessReviews (about anyone; needs `create subjectaccessreviews`).
import type { Kube } from './client.js';

const AUTHORIZATION = '/apis/authorization.k8s.io/v1';

/** authorization.k8s.io/v1 ResourceAttributes (empty fields mean "all" or "none", as the API defines). */
export interface ResourceAttributes {
  namespace?: string;
  verb: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

export interface NonResourceAttributes {
  path: string;
  verb: string;
}

/** The user a SubjectAccessReview asks about (at least one of user or groups). */
export interface ReviewSubject {
  user?: string;
  groups?: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

export interface AccessDecision {
  allowed: boolean;
  /** An authorizer said no explicitly (RBAC never does: it only fails to allow). */
  denied: boolean;
  reason: string;
  evaluationError: string;
}

type Attributes = { resourceAttributes: ResourceAttributes } | { nonResourceAttributes: NonResourceAttributes };

interface ReviewStatus {
  status?: { allowed?: boolean; denied?: boolean; reason?: string; evaluationError?: string };
}

const decision = (r: ReviewStatus): AccessDecision => ({
  allowed: r.status?.allowed === true,
  denied: r.status?.denied === true,
  reason: r.status?.reason ?? '',
  evaluationError: r.status?.evaluationError ?? '',
});

/** POST /apis/authorization.k8s.io/v1/subjectaccessreviews */
export async function subjectAccessReview(
  kube: Kube,
  subject: ReviewSubject,
  attributes: Attributes,
): Promise<AccessDecision> {
  const body = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { ...subject, ...attributes },
  };
  return decision(await kube.create<ReviewStatus>(`${AUTHORIZATION}/subjectaccessreviews`, body));
}

/**
 * Many SubjectAccessReviews, `concurrency` in flight (default 20), answers in
 * the order asked. The first failure (e.g. forbidden) rejects the whole batch.
 */
export async function subjectAccessReviews(
  kube: Kube,
  reviews: ReadonlyArray<{ subject: ReviewSubject; attributes: Attributes }>,
  { concurrency = 20 }: { concurrency?: number } = {},
): Promise<AccessDecision[]> {
  const answers: AccessDecision[] = new Array(reviews.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < reviews.length) {
      const i = next++;
      const r = reviews[i]!;
      answers[i] = await subjectAccessReview(kube, r.subject, r.attributes);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, reviews.length) }, worker));
  return answers;
}
