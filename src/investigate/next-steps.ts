// What to do now, as exact commands: rotate, review or remove bindings, isolate pods
// and nodes, turn audit logging on. Pure.
import type { AccessSubject } from '../access/join.js';
import type { BindingId } from '../whocan/policy.js';
import {
  AUTHENTICATED_GROUP,
  identityOfSubject,
  identityKey,
  MASTERS_GROUP,
  userInfoOf,
  type Identity,
} from '../whocan/subjects.js';
import type { Binding } from '../whocan/types.js';
import { kubectlCommand } from '../util/shell.js';
import { plural } from '../audit/document.js';
import type { IncidentConsumer } from './report.js';

export type NextStepKind =
  | 'rotate'
  | 'manager'
  | 'revoke'
  | 'check-access'
  | 'review-binding'
  | 'remove-subject'
  | 'isolate-pod'
  | 'cordon-node'
  | 'enable-audit';

export interface NextStep {
  kind: NextStepKind;
  /** A command to run as is; null when no kubectl command does it (the reason says what to do). */
  command: string | null;
  reason: string;
}

/** The audit policy rule that logs every Secret request at Metadata level (never values). */
export const AUDIT_POLICY_SNIPPET = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  # who read which Secret, when and from where; Metadata never logs values
  - level: Metadata
    resources: [{group: "", resources: [secrets]}]
  # who changed the RBAC that grants them (the timeline's binding and role changes)
  - level: Metadata
    verbs: [create, update, patch, delete, deletecollection]
    resources: [{group: rbac.authorization.k8s.io, resources: [rolebindings, clusterrolebindings, roles, clusterroles]}]
  - level: None`;

const QUARANTINE_LABEL = 'kubectl-secrets.dev/quarantine';

interface StepsInput {
  secret: { namespace: string; name: string };
  /** false: the Secret is known not to exist (deleted since, or a mistyped name). */
  exists?: boolean | null;
  subjects: readonly AccessSubject[];
  consumers: readonly IncidentConsumer[];
  bindings: readonly Binding[];
  manager: { manager: string; hint: string } | null;
  auditLogs: boolean;
  /** A log could not be read to its end: "never did" is unknown, as without a log. */
  logsUnread?: boolean;
  /** Where the window the logs were read for begins (epoch ms): the later of --since and where they begin; null when unknown. */
  windowStart: number | null;
  /** When a binding was created (RFC3339): null or undefined when unknown. Only a binding older than the window is judged. */
  bindingCreated: (namespace: string | undefined, name: string) => string | null | undefined;
  /** Pods that load the Secret ("ns/name"): a consumer's token used from any other pod was taken out of it. */
  consumerPods: readonly string[];
  /** Every pod and workload could be listed: else "no consumers found" is not known. */
  consumersKnown: boolean;
  /** The groups the audit log saw an identity's requests carry; absent: none known. */
  loggedGroups?: (id: Identity) => readonly string[];
  /** kubectl's flags that chose the cluster investigated (--context, --cluster, --kubeconfig): every command names it. */
  clusterFlags?: readonly string[];
  /** The labels "kubectl secrets rotate" puts on the versions it makes; null otherwise. */
  rotation?: { name: string; version: string | null; stage: string | null } | null;
}

/** Stages of a version no consumer is meant to use any more (`rotate --retire` deletes those not in use). */
const RETIRED_STAGES = new Set(['previous', 'deprecated', 'failed']);

/** A kubectl command on the cluster investigated (kubectlCommand's arguments). */
type Kubectl = (words: readonly string[], names: readonly string[], flags?: readonly string[]) => string;

export function nextSteps(input: StepsInput): NextStep[] {
  const { secret } = input;
  const steps: NextStep[] = [];
  const kubectl: Kubectl = (words, names, flags = []) =>
    kubectlCommand(words, names, [...flags, ...(input.clusterFlags ?? [])]);
  const consumers = input.consumers.map((c) => `${c.kind}/${c.name}`);
  if (input.manager?.manager === 'service-account-token') {
    // The API server checks that a legacy token's Secret still exists: deleting it revokes the token at once.
    steps.push({
      kind: 'manager',
      command: kubectl(['delete', 'secret'], [secret.name], ['-n', secret.namespace]),
      reason: `revoke the token: deleting its Secret invalidates it at once (${input.manager.hint})`,
    });
  } else if (input.manager && input.manager.manager !== 'none') {
    steps.push({
      kind: 'manager',
      command: null,
      reason: `rotate it where it is managed (${input.manager.manager}): ${input.manager.hint}`,
    });
  } else if (input.rotation && RETIRED_STAGES.has(input.rotation.stage ?? '')) {
    // Rotating again would replace the current version, which does not hold this one's values.
    const { name, version, stage } = input.rotation;
    steps.push({
      kind: 'rotate',
      command: kubectl(['secrets', 'rotate'], [name], ['-n', secret.namespace, '--retire', '--dry-run']),
      reason: `${secret.name} is version ${version ?? '?'} of ${name} (${stage}), left by a rotation: its values stay readable until it is deleted; see which old versions nothing uses, then delete them with --retire --yes`,
    });
  } else if (input.exists === false) {
    steps.push({
      kind: 'rotate',
      command: null,
      reason: `${secret.namespace}/${secret.name} does not exist (deleted, or a mistyped name), so there is nothing to rotate here: revoke the leaked value where it was issued, and find other Secrets holding it with "${kubectl(['secrets', 'investigate'], [], ['--value-from-file', 'FILE', '-A'])}"`,
    });
  } else {
    const who =
      consumers.length > 0
        ? `consumers to repoint: ${consumers.join(', ')}${input.consumersKnown ? '' : ', maybe more'}`
        : input.consumersKnown
          ? 'no consumers found'
          : 'consumers unknown: not every pod and workload could be listed';
    steps.push({
      kind: 'rotate',
      command: kubectl(['secrets', 'rotate'], [secret.name], ['-n', secret.namespace, '--dry-run']),
      reason: `plan the rotation (${who}); then run it with --from-file and --yes`,
    });
  }
  const bindings = bindingIndex(input.bindings);
  for (const s of input.subjects) {
    // system:masters has no binding to change (a certificate's O field puts one in it).
    if (s.kind === 'Group' && s.name === MASTERS_GROUP) continue;
    if (s.verdict === 'not-authorised-now') steps.push(revoke(s, kubectl));
    if (s.verdict === 'unknown') steps.push(checkAccess(s, secret, input.loggedGroups, kubectl));
    if (s.verdict === 'authorised') steps.push(...bindingSteps(s, bindings, 'review', kubectl));
    // Without a log no read was looked for, and in a log not read to its end the reads of the part lost are unknown:
    // "never did" is unknown then, and taking a reader out could break it.
    if (s.verdict === 'unused' && input.auditLogs && !input.logsUnread)
      steps.push(...bindingSteps(s, bindings, 'remove', kubectl, input));
  }
  steps.push(...isolation(input, kubectl));
  if (!input.auditLogs) {
    steps.push({
      kind: 'enable-audit',
      command:
        'kube-apiserver --audit-policy-file=/etc/kubernetes/audit-policy.yaml --audit-log-path=/var/log/kubernetes/audit/audit.log',
      reason: `"did read" needs audit logs: start the API server with this policy (Secrets at Metadata level), or export your provider's audit logs, then run investigate --log PATH:\n${AUDIT_POLICY_SNIPPET}`,
    });
  }
  return dedupe(steps);
}

function label(s: AccessSubject): string {
  return s.kind === 'ServiceAccount' ? `ServiceAccount ${s.namespace}/${s.name}` : `${s.kind} ${s.name}`;
}

function revoke(s: AccessSubject, kubectl: Kubectl): NextStep {
  const when = s.lastRead ? `last read ${s.lastRead}` : 'read';
  if (s.kind === 'ServiceAccount') {
    const pods = s.pods.map((p) => p.slice(p.indexOf('/') + 1)).filter(Boolean);
    const command = pods.length > 0 ? kubectl(['delete', 'pod'], pods, ['-n', s.namespace!]) : null;
    const tokens = s.credentialIds.length > 0 ? ` (credentials ${s.credentialIds.join(', ')})` : '';
    return {
      kind: 'revoke',
      command,
      reason: `${label(s)} ${when} but can no longer read it: its access was removed since; ${command ? 'deleting its pods invalidates the pod-bound tokens' : 'find where its token was used'}${tokens}`,
    };
  }
  return {
    kind: 'revoke',
    command: null,
    reason: `${label(s)} ${when} but can no longer read it: its access was removed since; investigate, and revoke its credentials at their issuer`,
  };
}

/** A reader who-can found no path for, with part of RBAC unreadable to it: whoever may, asks the API server. */
function checkAccess(
  s: AccessSubject,
  secret: StepsInput['secret'],
  loggedGroups: StepsInput['loggedGroups'],
  kubectl: Kubectl,
): NextStep {
  return {
    kind: 'check-access',
    command: s.kind === 'Group' ? null : canI(subjectIdentity(s), secret, loggedGroups, kubectl),
    reason: `${label(s)} read it, and no role or binding this tool could list lets it now: some it could not list may (see the warnings). Ask as someone who may impersonate it; "no" means its access was removed since: revoke its credentials`,
  };
}

/**
 * `kubectl auth can-i` as the reader. Impersonating a user gives it no groups but system:authenticated (a
 * ServiceAccount gets its own): a user's are named, those the log saw its requests carry (and system:nodes for a
 * kubelet), or a user whose binding is through a group would be answered "no".
 */
function canI(
  id: Identity,
  secret: StepsInput['secret'],
  loggedGroups: StepsInput['loggedGroups'],
  kubectl: Kubectl,
): string {
  const { user, groups } = userInfoOf(id);
  const asGroups =
    id.kind === 'User'
      ? [...new Set([...groups, ...(loggedGroups?.(id) ?? [])])].filter((g) => g !== AUTHENTICATED_GROUP)
      : [];
  return kubectl(
    ['auth', 'can-i', 'get'],
    [`secret/${secret.name}`],
    ['-n', secret.namespace, '--as', user!, ...asGroups.flatMap((g) => ['--as-group', g])],
  );
}

const subjectIdentity = (s: AccessSubject): Identity => ({
  kind: s.kind,
  name: s.name,
  ...(s.namespace !== undefined ? { namespace: s.namespace } : {}),
});

/** Bindings by namespace (none for ClusterRoleBindings) and name: thousands of unused readers each look one up. */
type BindingIndex = ReadonlyMap<string, Binding>;

const bindingKey = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`;

function bindingIndex(bindings: readonly Binding[]): BindingIndex {
  const index = new Map<string, Binding>();
  for (const b of bindings) {
    if (b.metadata.name === undefined) continue;
    const key = bindingKey(b.metadata.namespace, b.metadata.name);
    if (!index.has(key)) index.set(key, b);
  }
  return index;
}

/** Direct RBAC bindings of the subject itself: review them (it read) or take it out of them (it never did). */
function bindingSteps(
  s: AccessSubject,
  bindings: BindingIndex,
  what: 'review' | 'remove',
  kubectl: Kubectl,
  age?: Pick<StepsInput, 'windowStart' | 'bindingCreated'>,
): NextStep[] {
  const steps: NextStep[] = [];
  const me = subjectIdentity(s);
  for (const path of s.paths) {
    if (path.path !== 'direct' || path.memberOf !== undefined) continue;
    for (const id of path.bindings) {
      const resource = bindingCommand(id, kubectl);
      if (what === 'review') {
        steps.push({
          kind: 'review-binding',
          command: resource('describe'),
          reason: `${label(s)} read it (${plural(s.reads, 'read', 'reads')}) through ${id.kind}/${id.name} and is not a consumer: confirm it should`,
        });
        continue;
      }
      if (id.kind === 'ClusterRoleBinding') {
        // It grants the Secrets of every namespace: one of them unread is no reason to take the subject out.
        steps.push({
          kind: 'review-binding',
          command: resource('describe'),
          reason: `${label(s)} can read it through ClusterRoleBinding/${id.name} and never did in the window, but that binding grants every namespace's: \`kubectl secrets least-privilege -A --log ...\` judges it on every read, and suggests a narrower one`,
        });
        continue;
      }
      if (
        !path.grantsOnlyIt.some((only) => bindingKey(only.namespace, only.name) === bindingKey(id.namespace, id.name))
      ) {
        // It grants the namespace's other Secrets too: the subject may read those through it.
        steps.push({
          kind: 'review-binding',
          command: resource('describe'),
          reason: `${label(s)} can read it through ${id.kind}/${id.name} and never did in the window, but that binding grants other Secrets of namespace ${id.namespace} too: \`kubectl secrets least-privilege -n ${id.namespace} --log ...\` judges it on every read, and suggests a narrower one`,
        });
        continue;
      }
      const tooNew = age && unjudged(age, id.namespace, id.name);
      if (tooNew) {
        steps.push({
          kind: 'review-binding',
          command: resource('describe'),
          reason: `${label(s)} can read it through ${id.kind}/${id.name} and never did${tooNew}: review it`,
        });
        continue;
      }
      const step = removeSubject(me, id, bindings, resource);
      if (step)
        steps.push({
          ...step,
          reason: `${label(s)} can read it through ${id.kind}/${id.name} and never did in the window: ${step.reason}`,
        });
    }
  }
  if (what === 'review' && !s.paths.some((p) => p.path === 'direct')) steps.push(...indirectReviews(s, kubectl));
  return steps;
}

/**
 * Why "never read" is no evidence against a binding (as the end of a reason), or undefined when it is: the binding
 * must have existed for the whole window (least-privilege leaves younger ones "not-judged" too).
 */
function unjudged(
  { windowStart, bindingCreated }: Pick<StepsInput, 'windowStart' | 'bindingCreated'>,
  namespace: string | undefined,
  name: string,
): string | undefined {
  if (windowStart === null) return ', but where the logs begin is unknown (their first records carry no time)';
  const created = bindingCreated(namespace, name);
  const at = created ? Date.parse(created) : NaN;
  if (Number.isNaN(at)) return ' in the window, but when the binding was created is unknown';
  // A creationTimestamp has whole seconds: the binding was created at any time in that second.
  const latest = /\.\d/.test(created!) ? at : at + 999;
  if (latest > windowStart)
    return `, but the binding was created ${created}, after the window began (${new Date(windowStart).toISOString()}): too new to judge`;
  return undefined;
}

/** A reader with no direct path read through an indirect one (impersonating a reader, a pod it made...): review what grants that. */
function indirectReviews(s: AccessSubject, kubectl: Kubectl): NextStep[] {
  return s.paths.flatMap((path) =>
    path.bindings.map((id) => ({
      kind: 'review-binding' as const,
      command: bindingCommand(id, kubectl)('describe'),
      reason: `${label(s)} read it (${plural(s.reads, 'read', 'reads')}) through its ${path.path} path, which ${id.kind}/${id.name} grants, and is not a consumer: confirm it should`,
    })),
  );
}

/** A kubectl command on one binding: its verb and the flags besides the binding's namespace. */
type BindingCommand = (verb: string, flags?: string[]) => string;

function bindingCommand(id: BindingId, kubectl: Kubectl): BindingCommand {
  return (verb, flags = []) =>
    kubectl([verb, id.kind.toLowerCase()], [id.name], [...(id.namespace ? ['-n', id.namespace] : []), ...flags]);
}

/** The exact command that takes one subject out of a binding (guarded by a JSON Patch test), or deletes a binding it alone is in. */
function removeSubject(
  me: Identity,
  id: BindingId,
  bindings: BindingIndex,
  resource: BindingCommand,
): NextStep | undefined {
  const binding = bindings.get(bindingKey(id.kind === 'ClusterRoleBinding' ? undefined : id.namespace, id.name));
  const subjects = binding?.subjects ?? [];
  const index = subjects.findIndex((sub) => {
    const who = identityOfSubject(sub, id.namespace);
    return who !== undefined && identityKey(who) === identityKey(me);
  });
  if (!binding || index === -1) return undefined;
  if (subjects.length === 1)
    return {
      kind: 'remove-subject',
      command: resource('delete'),
      reason: "it is the binding's only subject, so delete the binding",
    };
  const patch = JSON.stringify([
    { op: 'test', path: `/subjects/${index}/name`, value: subjects[index]!.name },
    { op: 'remove', path: `/subjects/${index}` },
  ]);
  return {
    kind: 'remove-subject',
    command: resource('patch', ['--type=json', '-p', patch]),
    reason: 'remove it from the binding (the test fails safely if the binding changed)',
  };
}

/** Reads from pods that are not consumers (a stolen token) or by unexpected ServiceAccounts: isolate those pods and their nodes. */
function isolation(input: StepsInput, kubectl: Kubectl): NextStep[] {
  const consumerNodes = new Set(input.consumers.flatMap((c) => c.nodes));
  const steps: NextStep[] = [];
  const namespaces = new Set<string>();
  const consumerPods = new Set(input.consumerPods);
  for (const s of input.subjects) {
    if (s.kind !== 'ServiceAccount' || s.reads === 0 || s.pods.length === 0) continue;
    if (s.verdict === 'unused' || s.verdict === 'denied') continue;
    // An expected reader is suspicious only from a pod that does not load the Secret (its token was copied).
    const pods = s.verdict === 'expected' ? s.pods.filter((p) => !consumerPods.has(p)) : s.pods;
    for (const pod of pods) {
      const slash = pod.indexOf('/');
      const [namespace, name] = [pod.slice(0, slash), pod.slice(slash + 1)];
      if (slash < 1 || !name) continue;
      namespaces.add(namespace);
      steps.push({
        kind: 'isolate-pod',
        command: kubectl(['label', 'pod'], [name, `${QUARANTINE_LABEL}=true`], ['-n', namespace, '--overwrite']),
        reason: `pod ${pod} read it as ${label(s)} (${s.verdict === 'expected' ? "a consumer's token, from a pod that does not load the Secret" : s.verdict}): label it for the deny-all NetworkPolicy below, keep it for evidence`,
      });
    }
    for (const node of pods.length > 0 ? s.nodes : []) {
      if (consumerNodes.has(node)) continue;
      steps.push({
        kind: 'cordon-node',
        command: kubectl(['cordon'], [node]),
        reason: `node ${node} ran a pod that read it as ${label(s)} (${s.verdict}) and runs no consumer`,
      });
    }
  }
  for (const namespace of namespaces) {
    steps.push({
      kind: 'isolate-pod',
      command: `${kubectl(['apply'], [], ['-n', namespace, '-f', '-'])} <<'EOF'\n${quarantinePolicy()}\nEOF`,
      reason: `deny all traffic of pods labelled ${QUARANTINE_LABEL}=true in namespace ${namespace}`,
    });
  }
  return steps;
}

function quarantinePolicy(): string {
  return `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: kubectl-secrets-quarantine}
spec:
  podSelector: {matchLabels: {${QUARANTINE_LABEL}: "true"}}
  policyTypes: [Ingress, Egress]`;
}

function dedupe(steps: NextStep[]): NextStep[] {
  const seen = new Set<string>();
  return steps.filter((s) => {
    const key = s.command ?? s.reason;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
