// What proves that a new RoleBinding or ClusterRoleBinding is in force: one SubjectAccessReview that the
// binding itself makes allowed (pure logic; rbac-wait.ts asks the API server).

export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface RbacSubject {
  kind?: string;
  name?: string;
  namespace?: string;
}

/** The fields of a Role, ClusterRole, RoleBinding or ClusterRoleBinding that the checks look at. */
export interface RbacObject {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  rules?: PolicyRule[] | null;
  aggregationRule?: unknown;
  roleRef?: { kind?: string; name?: string };
  subjects?: RbacSubject[] | null;
}

/** The spec of a SubjectAccessReview. */
export interface AccessCheck {
  user: string;
  groups?: string[];
  resourceAttributes?: {
    namespace?: string;
    verb: string;
    group: string;
    resource: string;
    subresource?: string;
    name?: string;
  };
  nonResourceAttributes?: { path: string; verb: string };
}

/** One check, or why there is none for this binding (which is then not waited for). */
export type BindingCheck = { check: AccessCheck } | { skip: string };

/** Asks as a Group's member: a user name that nothing binds, so that only the group can allow it. */
export const GROUP_PROBE_USER = 'kubectl-secrets-test:rbac-wait-probe';

export const isBinding = (o: RbacObject): boolean => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding';
export const isRole = (o: RbacObject): boolean => o.kind === 'Role' || o.kind === 'ClusterRole';

/** `Role ns/name`, `ClusterRoleBinding name`: for messages, and as a key. */
export const describeObject = (o: RbacObject): string =>
  `${o.kind} ${o.kind?.startsWith('Cluster') ? '' : `${o.metadata?.namespace ?? ''}/`}${o.metadata?.name ?? ''}`;

/** The role a binding references, described as describeObject describes the role itself. */
export function roleOf(binding: RbacObject): string {
  const kind = binding.roleRef?.kind ?? '';
  const namespace = kind === 'Role' ? binding.metadata?.namespace : undefined;
  return describeObject({ kind, metadata: { name: binding.roleRef?.name, namespace } });
}

/**
 * The review to repeat until the binding is in force. `role` is the referenced role as the API server holds it
 * (undefined: it does not exist); `roleJustCreated` when it was created with the binding, so that an aggregated
 * ClusterRole's rules are not yet the controller's.
 */
export function bindingCheck(binding: RbacObject, role: RbacObject | undefined, roleJustCreated = false): BindingCheck {
  if (!role) return { skip: `${roleOf(binding)} does not exist` };
  if (role.aggregationRule && roleJustCreated) return { skip: `${roleOf(binding)} is aggregated by the controller` };
  const who = subjectIdentity(binding);
  if ('skip' in who) return who;
  const namespace = binding.kind === 'RoleBinding' ? binding.metadata?.namespace : undefined;
  const rules = role.rules ?? [];
  const resourceRule = rules.find((r) => r.verbs?.length && r.apiGroups?.length && r.resources?.length);
  if (resourceRule) {
    const [resource = '', subresource] = splitResource(resourceRule.resources![0]!);
    const name = resourceRule.resourceNames?.[0];
    return {
      check: {
        ...who,
        resourceAttributes: {
          ...(namespace ? { namespace } : {}),
          verb: resourceRule.verbs![0]!,
          group: resourceRule.apiGroups![0]!,
          resource,
          ...(subresource ? { subresource } : {}),
          ...(name ? { name } : {}),
        },
      },
    };
  }
  // Non-resource URLs are granted by ClusterRoleBindings only.
  const urlRule =
    binding.kind === 'ClusterRoleBinding' && rules.find((r) => r.verbs?.length && r.nonResourceURLs?.length);
  if (urlRule)
    return {
      check: { ...who, nonResourceAttributes: { path: urlRule.nonResourceURLs![0]!, verb: urlRule.verbs![0]! } },
    };
  return { skip: `${roleOf(binding)} has no rule that ${describeObject(binding)} grants` };
}

/**
 * The identity to ask as: the first subject the RBAC authorizer can match. Only what names the subject is sent
 * (no system:authenticated, no ServiceAccount groups), so that no other binding can allow the review first.
 */
function subjectIdentity(binding: RbacObject): { user: string; groups?: string[] } | { skip: string } {
  for (const s of binding.subjects ?? []) {
    if (!s.name) continue;
    if (s.kind === 'User') return { user: s.name };
    if (s.kind === 'Group') return { user: GROUP_PROBE_USER, groups: [s.name] };
    const namespace = s.namespace || (binding.kind === 'RoleBinding' ? binding.metadata?.namespace : undefined);
    if (s.kind === 'ServiceAccount' && namespace) return { user: `system:serviceaccount:${namespace}:${s.name}` };
  }
  return { skip: `${describeObject(binding)} has no subject to ask as` };
}

/** `pods/log` → pods + log; `*\/scale` → * + scale (the authorizer then matches the rule's text as it is). */
function splitResource(resource: string): [string, string?] {
  const slash = resource.indexOf('/');
  return slash < 0 ? [resource] : [resource.slice(0, slash), resource.slice(slash + 1)];
}

/** A review as a line of an error message. */
export function describeCheck({ user, groups, resourceAttributes: r, nonResourceAttributes: u }: AccessCheck): string {
  const who = groups?.length ? `a member of group ${groups.join(',')}` : `user ${user}`;
  if (u) return `${who} ${u.verb} ${u.path}`;
  const what = `${r!.resource}${r!.subresource ? `/${r!.subresource}` : ''}${r!.group ? `.${r!.group}` : ''}`;
  return `${who} ${r!.verb} ${what}${r!.name ? ` ${r!.name}` : ''}${r!.namespace ? ` in namespace ${r!.namespace}` : ' cluster-wide'}`;
}
