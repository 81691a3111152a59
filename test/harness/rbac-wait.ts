// applyYaml's wait for the RoleBindings and ClusterRoleBindings it created to be in force. The API server's RBAC
// authorizer learns of new roles and bindings through its informer, which lags on a busy control plane: a test
// that acts as the subject at once can get 403. Each binding is proven by one SubjectAccessReview that the binding
// itself allows (rbac-checks.ts), repeated until allowed.
import { appendFileSync } from 'node:fs';
import { expect } from 'vitest';
import { apiRequest } from '../cluster/cluster.mjs';
import {
  bindingCheck,
  describeCheck,
  describeObject,
  isBinding,
  isRole,
  roleOf,
  type AccessCheck,
  type BindingCheck,
  type RbacObject,
} from './rbac-checks.js';

export const RBAC_WAIT_TIMEOUT_MS = 20_000;
const INTERVAL_MS = 100;
/** Bindings checked at once. */
const PARALLEL = 8;
/** When set, each wait appends one JSON line (bindings, reviews, milliseconds) to this file. */
export const RBAC_WAIT_LOG_ENV = 'KUBECTL_SECRETS_TEST_RBAC_WAIT_LOG';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';

/**
 * Roles as applyYaml created or read them, by kubeconfig and role: a binding of a role made by an earlier applyYaml
 * needs no read of it (it is read again if the review it gives is denied). Not aggregated ones: the controller's.
 */
const knownRoles = new Map<string, RbacObject>();

/**
 * Bindings whose role did not exist when they were created, by kubeconfig and role: checked when a later
 * applyYaml of the same test file creates that role.
 */
const awaitingRole = new Map<string, RbacObject[]>();

/** A binding to prove, and the review that proves it. */
export interface Pending {
  what: string;
  check: AccessCheck;
  /**
   * For a check made from a role read earlier, which may have changed since: the check from the role as it is now
   * (undefined: nothing to check any more), asked for once, after the first denial.
   */
  recheck?: () => Promise<AccessCheck | undefined>;
}

/** The answer of one review: allowed, denied, or unknown (the review itself was refused: nothing to wait for). */
export type Answer = boolean | undefined;

/**
 * Asks each review until it is allowed, `parallel` bindings at a time. On timeout, a binding that `stillExpected`
 * confirms (it and its role still exist) is an error naming it; one that is gone is not waited for.
 * Returns the number of reviews asked.
 */
export async function untilAllowed(
  pending: Pending[],
  ask: (check: AccessCheck) => Promise<Answer>,
  {
    timeout = RBAC_WAIT_TIMEOUT_MS,
    interval = INTERVAL_MS,
    parallel = PARALLEL,
    stillExpected = async () => true,
  }: {
    timeout?: number;
    interval?: number;
    parallel?: number;
    stillExpected?: (p: Pending) => Promise<boolean>;
  } = {},
): Promise<number> {
  const deadline = Date.now() + timeout;
  let reviews = 0;
  const one = async (p: Pending): Promise<void> => {
    let lastError = '';
    let { check, recheck } = p;
    for (;;) {
      let answer: Answer = false;
      try {
        reviews++;
        answer = await ask(check);
      } catch (e) {
        lastError = (e as Error).message;
      }
      if (answer !== false) return;
      if (recheck) {
        const now = await recheck().catch(() => check);
        recheck = undefined;
        if (!now) return;
        check = now;
        continue;
      }
      if (Date.now() > deadline) {
        if (!(await stillExpected(p))) return;
        throw new Error(
          `error: ${p.what} not in force after ${timeout / 1000}s: a SubjectAccessReview of ${describeCheck(check)} ` +
            `is still denied (the API server's RBAC authorizer has not seen it)${lastError ? `; last error: ${lastError}` : ''}`,
        );
      }
      await new Promise((r) => setTimeout(r, interval));
    }
  };
  const queue = [...pending];
  const workers = Array.from({ length: Math.min(parallel, queue.length) }, async () => {
    for (let p = queue.shift(); p; p = queue.shift()) await one(p);
  });
  await Promise.all(workers);
  return reviews;
}

/** What one wait did: bindings seen, checked (the others skipped, with why), reviews asked. */
export interface RbacWaitReport {
  bindings: number;
  checked: number;
  skipped: string[];
  reviews: number;
  ms: number;
}

/**
 * Waits until every RoleBinding and ClusterRoleBinding among `created` (objects as the API server returned them)
 * is in force, asking as `kubeconfig`. Bindings with nothing to check are not waited for.
 */
export async function waitForBindings(
  created: RbacObject[],
  kubeconfig: string,
  { timeout = RBAC_WAIT_TIMEOUT_MS }: { timeout?: number } = {},
): Promise<RbacWaitReport> {
  const started = Date.now();
  const roles = new Map(created.filter(isRole).map((r) => [describeObject(r), r]));
  for (const [roleKey, role] of roles) remember(kubeconfig, roleKey, role);
  // Bindings made before their role: still there?
  const earlier = takeAwaiting(kubeconfig, [...roles.keys()]);
  const stillThere = await Promise.all(earlier.map(async (b) => (await readObject(kubeconfig, b)) !== undefined));
  const bindings = [...created.filter(isBinding), ...earlier.filter((_, i) => stillThere[i])];
  if (bindings.length === 0) return { bindings: 0, checked: 0, skipped: [], reviews: 0, ms: 0 };

  const reads = new Map<string, Promise<RoleRead>>();
  const picks = await Promise.all(
    bindings.map(async (binding): Promise<BindingCheck & { recheck?: Pending['recheck'] }> => {
      const roleKey = roleOf(binding);
      const createdRole = roles.get(roleKey);
      if (createdRole) return bindingCheck(binding, createdRole, true);
      const fromApi = (role: RoleRead): BindingCheck => {
        if (role === 'unreadable') return { skip: `${roleKey} cannot be read` };
        remember(kubeconfig, roleKey, role);
        if (!role) awaitRole(kubeconfig, roleKey, binding);
        return bindingCheck(binding, role);
      };
      const known = knownRoles.get(`${kubeconfig}\n${roleKey}`);
      const picked = known && bindingCheck(binding, known);
      if (picked && 'check' in picked) {
        const recheck = async () => {
          const now = fromApi(await readRole(kubeconfig, binding));
          return 'check' in now ? now.check : undefined;
        };
        return { ...picked, recheck };
      }
      if (!reads.has(roleKey)) reads.set(roleKey, readRole(kubeconfig, binding));
      return fromApi(await reads.get(roleKey)!);
    }),
  );
  const pending: Pending[] = [];
  const skipped: string[] = [];
  picks.forEach((picked, i) => {
    const what = describeObject(bindings[i]!);
    if ('skip' in picked) skipped.push(`${what}: ${picked.skip}`);
    else pending.push({ what, ...picked });
  });
  const reviews = await untilAllowed(pending, (check) => review(kubeconfig, check), {
    timeout,
    stillExpected: async (p) => {
      const binding = bindings.find((b) => describeObject(b) === p.what)!;
      const [own, role] = await Promise.all([readObject(kubeconfig, binding), readRole(kubeconfig, binding)]);
      return own !== undefined && role !== undefined;
    },
  });
  const report = { bindings: bindings.length, checked: pending.length, skipped, reviews, ms: Date.now() - started };
  const log = process.env[RBAC_WAIT_LOG_ENV];
  if (log) appendFileSync(log, `${JSON.stringify({ file: expect.getState().testPath, ...report })}\n`);
  return report;
}

type RoleRead = RbacObject | undefined | 'unreadable';

function remember(kubeconfig: string, roleKey: string, role: RbacObject | undefined): void {
  const key = `${kubeconfig}\n${roleKey}`;
  if (role && !role.aggregationRule) knownRoles.set(key, role);
  else knownRoles.delete(key);
}

function awaitRole(kubeconfig: string, roleKey: string, binding: RbacObject): void {
  const key = `${kubeconfig}\n${roleKey}`;
  awaitingRole.set(key, [...(awaitingRole.get(key) ?? []), binding]);
}

function takeAwaiting(kubeconfig: string, roleKeys: string[]): RbacObject[] {
  return roleKeys.flatMap((roleKey) => {
    const key = `${kubeconfig}\n${roleKey}`;
    const bindings = awaitingRole.get(key) ?? [];
    awaitingRole.delete(key);
    return bindings;
  });
}

/** The role a binding references; undefined when it does not exist. */
function readRole(kubeconfig: string, binding: RbacObject): Promise<RoleRead> {
  const { kind, name = '' } = binding.roleRef ?? {};
  const namespace = kind === 'Role' ? binding.metadata?.namespace : undefined;
  return readObject(kubeconfig, { kind, metadata: { name, namespace } });
}

async function readObject(kubeconfig: string, o: RbacObject): Promise<RoleRead> {
  const plural = `${o.kind!.toLowerCase()}s`;
  const namespace = o.metadata?.namespace;
  const path = `${RBAC}${namespace ? `/namespaces/${namespace}` : ''}/${plural}/${encodeURIComponent(o.metadata?.name ?? '')}`;
  const { status, body } = await apiRequest(kubeconfig, 'GET', path).catch(() => ({ status: 0, body: undefined }));
  if (status === 200) return body as RbacObject;
  return status === 404 ? undefined : 'unreadable';
}

async function review(kubeconfig: string, check: AccessCheck): Promise<Answer> {
  const { status, body } = await apiRequest(kubeconfig, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
    body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: check },
  });
  if (status === 201) return body.status?.allowed === true;
  // An identity that may not create reviews (applyYaml as a test user): nothing it can wait for.
  if (status === 403) return undefined;
  throw new Error(`SubjectAccessReview: HTTP ${status} ${body?.message ?? ''}`);
}
