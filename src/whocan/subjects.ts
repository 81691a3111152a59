// Who a binding's subject is, as the authorizer matches it, and the
// well-known users and groups Kubernetes gives special meaning.
import { SERVICE_ACCOUNT_USER_PREFIX as SA_USER_PREFIX } from '../util/control-plane.js';
import type { Subject } from './types.js';

export type SubjectKind = 'User' | 'Group' | 'ServiceAccount';

/** A subject in canonical form: ServiceAccounts always carry their namespace. */
export interface Identity {
  kind: SubjectKind;
  name: string;
  /** ServiceAccounts only. */
  namespace?: string;
}

export const MASTERS_GROUP = 'system:masters';
export const AUTHENTICATED_GROUP = 'system:authenticated';
export const UNAUTHENTICATED_GROUP = 'system:unauthenticated';
export const ANONYMOUS_USER = 'system:anonymous';
export const ALL_SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
export const NODES_GROUP = 'system:nodes';
const SA_GROUP_PREFIX = 'system:serviceaccounts:';
const NODE_USER_PREFIX = 'system:node:';

export const identityKey = (id: Identity): string => `${id.kind}/${id.namespace ?? ''}/${id.name}`;

export const serviceAccountUser = (namespace: string, name: string): string => `${SA_USER_PREFIX}${namespace}:${name}`;
export const serviceAccountGroups = (namespace: string): string[] => [
  ALL_SERVICE_ACCOUNTS_GROUP,
  `${SA_GROUP_PREFIX}${namespace}`,
];
export const nodeUser = (node: string): string => `${NODE_USER_PREFIX}${node}`;

/** `system:serviceaccount:NS:NAME` → {namespace, name}. */
export function parseServiceAccountUser(user: string): { namespace: string; name: string } | undefined {
  if (!user.startsWith(SA_USER_PREFIX)) return undefined;
  const parts = user.slice(SA_USER_PREFIX.length).split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { namespace: parts[0], name: parts[1] };
}

/**
 * A user name in the ServiceAccounts' reserved form that names none (`system:serviceaccount:ns:`): no user can hold
 * it, so answering for it would be a definite "no" about nobody.
 */
function badServiceAccountUser(value: string): { error: string } | undefined {
  if (!value.startsWith(SA_USER_PREFIX)) return undefined;
  return { error: `cannot parse subject "${value}": a ServiceAccount's user name is ${SA_USER_PREFIX}NAMESPACE:NAME` };
}

export function isNodeUser(user: string): boolean {
  return user.startsWith(NODE_USER_PREFIX) && user.length > NODE_USER_PREFIX.length;
}

/** The namespace whose ServiceAccounts a group names: `system:serviceaccounts:NS` → NS; all SAs → '*'. */
export function serviceAccountGroupScope(group: string): string | undefined {
  if (group === ALL_SERVICE_ACCOUNTS_GROUP) return '*';
  if (group.startsWith(SA_GROUP_PREFIX) && group.length > SA_GROUP_PREFIX.length)
    return group.slice(SA_GROUP_PREFIX.length);
  return undefined;
}

/** Groups that stand for everyone who can send a request. */
export function isEveryoneGroup(id: Identity): boolean {
  return (
    (id.kind === 'Group' && (id.name === AUTHENTICATED_GROUP || id.name === UNAUTHENTICATED_GROUP)) ||
    (id.kind === 'User' && id.name === ANONYMOUS_USER)
  );
}

/**
 * The identity a binding subject matches, or undefined when it matches no
 * one (a ServiceAccount without a namespace in a ClusterRoleBinding, an
 * unknown kind). ServiceAccounts in RoleBindings default to the binding's
 * namespace; a User named `system:serviceaccount:NS:NAME` is that ServiceAccount.
 */
export function identityOfSubject(subject: Subject, bindingNamespace: string | undefined): Identity | undefined {
  switch (subject.kind) {
    case 'User': {
      const sa = parseServiceAccountUser(subject.name);
      return sa ? { kind: 'ServiceAccount', ...sa } : { kind: 'User', name: subject.name };
    }
    case 'Group':
      return { kind: 'Group', name: subject.name };
    case 'ServiceAccount': {
      const namespace = subject.namespace || bindingNamespace;
      return namespace ? { kind: 'ServiceAccount', name: subject.name, namespace } : undefined;
    }
    default:
      return undefined;
  }
}

/** The user and groups the API server would see for an identity (what a SubjectAccessReview asks about). */
export function userInfoOf(id: Identity): { user?: string; groups: string[] } {
  switch (id.kind) {
    case 'Group':
      return { groups: [id.name] };
    case 'ServiceAccount':
      return {
        user: serviceAccountUser(id.namespace ?? '', id.name),
        groups: serviceAccountGroups(id.namespace ?? ''),
      };
    case 'User':
      return isNodeUser(id.name) ? { user: id.name, groups: [NODES_GROUP] } : { user: id.name, groups: [] };
  }
}

/**
 * Groups every real request of this identity carries besides its own:
 * authenticated users and ServiceAccounts are in system:authenticated, the
 * anonymous user in system:unauthenticated.
 */
export function impliedGroups(id: Identity): string[] {
  if (id.kind === 'Group') return [];
  if (id.kind === 'User' && id.name === ANONYMOUS_USER) return [UNAUTHENTICATED_GROUP];
  return [...userInfoOf(id).groups, AUTHENTICATED_GROUP];
}

/** `-o name` form: user/alice, group/x, serviceaccount/ns/name. */
export function identityName(id: Identity): string {
  return id.kind === 'ServiceAccount'
    ? `serviceaccount/${id.namespace}/${id.name}`
    : `${id.kind.toLowerCase()}/${id.name}`;
}

/** How a subject reads in messages: User alice, Group dev, ServiceAccount ns/name. */
export function identityLabel(id: Identity): string {
  return id.kind === 'ServiceAccount' ? `ServiceAccount ${id.namespace}/${id.name}` : `${id.kind} ${id.name}`;
}

const KIND_WORDS: Record<string, SubjectKind> = {
  user: 'User',
  u: 'User',
  group: 'Group',
  g: 'Group',
  serviceaccount: 'ServiceAccount',
  serviceaccounts: 'ServiceAccount',
  sa: 'ServiceAccount',
};

export function parseSubjectKind(word: string): SubjectKind | undefined {
  return KIND_WORDS[word.toLowerCase()];
}

/**
 * Parses the subject of --check: `user:NAME`, `group:NAME`,
 * `serviceaccount:NS:NAME` (or `sa:`), the `-o name` forms with slashes, a
 * ServiceAccount username `system:serviceaccount:NS:NAME`, or a bare user name.
 */
export function parseIdentity(text: string): Identity | { error: string } {
  const value = text.trim();
  if (value === '') return { error: 'empty subject' };
  const sa = parseServiceAccountUser(value);
  if (sa) return { kind: 'ServiceAccount', ...sa };
  const malformed = badServiceAccountUser(value);
  if (malformed) return malformed;
  const slash = /^([A-Za-z]+)\/(.+)$/.exec(value);
  const colon = /^([A-Za-z]+):(.+)$/.exec(value);
  const match =
    slash && parseSubjectKind(slash[1]!)
      ? { kind: parseSubjectKind(slash[1]!)!, rest: slash[2]!, sep: '/' }
      : colon && parseSubjectKind(colon[1]!)
        ? { kind: parseSubjectKind(colon[1]!)!, rest: colon[2]!, sep: ':' }
        : undefined;
  if (!match) {
    const kindOnly = /^([A-Za-z]+)[:/]$/.exec(value);
    if (kindOnly && parseSubjectKind(kindOnly[1]!))
      return {
        error: `cannot parse subject "${value}": the name is missing (user:NAME, group:NAME or serviceaccount:NAMESPACE:NAME)`,
      };
    if (value.includes('/'))
      return { error: `cannot parse subject "${value}": use user:NAME, group:NAME or serviceaccount:NAMESPACE:NAME` };
    return { kind: 'User', name: value };
  }
  if (match.kind !== 'ServiceAccount') {
    const sa2 = match.kind === 'User' ? parseServiceAccountUser(match.rest) : undefined;
    if (sa2) return { kind: 'ServiceAccount', ...sa2 };
    return (match.kind === 'User' && badServiceAccountUser(match.rest)) || { kind: match.kind, name: match.rest };
  }
  const parts = match.rest.split(match.sep);
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    return { error: `cannot parse subject "${value}": a ServiceAccount is serviceaccount:NAMESPACE:NAME` };
  }
  return { kind: 'ServiceAccount', namespace: parts[0], name: parts[1] };
}
