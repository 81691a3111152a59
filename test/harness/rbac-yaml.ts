// RBAC objects as YAML text for applyYaml, one line per object in the e2e tests.

export const rbac = (kind: string, name: string, body: string, labels = '') =>
  `apiVersion: rbac.authorization.k8s.io/v1\nkind: ${kind}\nmetadata: {name: "${name}"${labels ? `, labels: {${labels}}` : ''}}\n${body}\n---\n`;
export const u = (name: string) => `{kind: User, apiGroup: rbac.authorization.k8s.io, name: "${name}"}`;
export const g = (name: string) => `{kind: Group, apiGroup: rbac.authorization.k8s.io, name: "${name}"}`;
const bindingBody = (roleKind: string, role: string, subjects: string[]) =>
  `roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ${roleKind}, name: "${role}"}\nsubjects: [${subjects.join(', ')}]`;
export const binding = (name: string, roleKind: string, role: string, subjects: string[]) =>
  rbac('RoleBinding', name, bindingBody(roleKind, role, subjects));
export const clusterRoleBinding = (name: string, role: string, subjects: string[]) =>
  rbac('ClusterRoleBinding', name, bindingBody('ClusterRole', role, subjects));
