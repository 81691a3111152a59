// Plain-data shapes of the RBAC objects who-can reads. They are structurally
// compatible with @kubernetes/client-node's V1 types, but only hold the fields
// the analysis needs, so fixtures stay small.

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[] | null;
  resources?: string[] | null;
  resourceNames?: string[] | null;
  nonResourceURLs?: string[] | null;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: string; // In, NotIn, Exists, DoesNotExist
  values?: string[] | null;
}

export interface LabelSelector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: LabelSelectorRequirement[] | null;
}

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string> | null;
}

export interface Role {
  metadata: ObjectMeta;
  rules?: PolicyRule[] | null;
}

export interface ClusterRole extends Role {
  aggregationRule?: { clusterRoleSelectors?: LabelSelector[] | null } | null;
}

export interface Subject {
  kind: string; // User, Group, ServiceAccount
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface RoleRef {
  kind: string; // Role, ClusterRole
  name: string;
  apiGroup?: string;
}

export interface Binding {
  metadata: ObjectMeta;
  roleRef: RoleRef;
  subjects?: Subject[] | null;
}

/** Everything RBAC the analysis looks at, as listed from the API server. */
export interface RbacSnapshot {
  roles: Role[];
  clusterRoles: ClusterRole[];
  roleBindings: Binding[];
  clusterRoleBindings: Binding[];
}

/**
 * One request as the authorizer sees it (k8s authorizer.Attributes). A
 * namespace of undefined means a cluster-scoped request, which RoleBindings
 * never grant. `name` undefined is a request without a name (create, an
 * unselected list): rules with resourceNames never match it.
 */
export interface RequestAttributes {
  verb: string;
  apiGroup: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}
