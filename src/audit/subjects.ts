import type { SubjectKind } from './report-types.js';
import { isControlPlaneUser, SERVICE_ACCOUNT_USER_PREFIX } from '../util/control-plane.js';

const SA_PREFIX = SERVICE_ACCOUNT_USER_PREFIX;

/** The acting identity: the impersonated user when there is one. */
export function subjectKind(user: string, impersonatedUser: string | null): SubjectKind {
  if (impersonatedUser !== null) return impersonatedUser.startsWith(SA_PREFIX) ? 'serviceaccount' : 'user';
  if (user.startsWith('system:node:')) return 'node';
  if (isControlPlaneUser(user)) return 'control-plane';
  return user.startsWith(SA_PREFIX) ? 'serviceaccount' : 'user';
}

/** Kubelets and control-plane components: summed up in one row unless asked for. */
export function isSystemKind(kind: SubjectKind): boolean {
  return kind === 'node' || kind === 'control-plane';
}

/** "alice", or "admin as bob" for an impersonated request. */
export function subjectLabel(user: string, impersonatedUser: string | null): string {
  return impersonatedUser === null ? user : `${user} as ${impersonatedUser}`;
}

/** The namespace of a ServiceAccount user name, for naming its pod "ns/pod". */
export function serviceAccountNamespace(user: string): string | null {
  if (!user.startsWith(SA_PREFIX)) return null;
  const rest = user.slice(SA_PREFIX.length);
  const colon = rest.indexOf(':');
  return colon > 0 ? rest.slice(0, colon) : null;
}
