// How a LeastPrivilegeReport looks as a table, and the notes and comments around it.
import { plural } from '../audit/document.js';
import { kubectlName } from '../output/names.js';
import type { Column, View } from '../output/report.js';
import { safeText as printable } from '../output/safe-text.js';
import { ruleText } from '../whocan/rules.js';
import { shellLine } from '../util/shell.js';
import { removedText } from '../leastpriv/prove.js';
import type { LeastPrivilegeMetadata, SuggestionSummary } from '../leastpriv/run.js';
import type { LeastPrivilegeItem } from '../leastpriv/types.js';

const MAX_SUBJECTS = 3;

const seconds = (iso: string | null): string => (iso === null ? '' : iso.replace(/\.\d+Z$/, 'Z'));

function subjectsText(item: LeastPrivilegeItem): string {
  const names = item.subjects.map(
    (s) => `${s.subject.name}${s.verdict === 'unused' ? '(unused)' : s.verdict === 'not-judged' ? '(not judged)' : ''}`,
  );
  const shown = names.slice(0, MAX_SUBJECTS).join(',');
  return names.length > MAX_SUBJECTS ? `${shown} (+${names.length - MAX_SUBJECTS})` : shown;
}

function proposalText(item: LeastPrivilegeItem): string {
  if (item.blocked) return `(left as it is: ${item.blocked})`;
  if (item.findings.includes('not-judged')) {
    const reasons = [...new Set(item.subjects.map((s) => s.reason).filter((r): r is string => r !== undefined))];
    return `(not judged: ${reasons.join('; ') || 'no subject to judge'})`;
  }
  return item.proposal;
}

export function leastPrivilegeView(): View<LeastPrivilegeItem> {
  const columns: Column<LeastPrivilegeItem>[] = [
    { header: 'namespace', value: (i) => printable(i.binding.namespace ?? '') },
    { header: 'binding', value: (i) => printable(`${i.binding.kind.toLowerCase()}/${i.binding.name}`) },
    { header: 'role', value: (i) => printable(`${i.role.kind.toLowerCase()}/${i.role.name}`) },
    { header: 'rule', value: (i) => (i.ruleIndex === null ? (i.rule ? 'pending' : '') : `rules[${i.ruleIndex}]`) },
    {
      header: 'finding',
      value: (i) => i.findings.join(','),
      color: (i) => (i.findings.includes('ok') ? 'green' : i.findings.includes('not-judged') ? 'gray' : 'yellow'),
    },
    { header: 'subjects', value: (i) => printable(subjectsText(i)) },
    { header: 'reads', value: (i) => String(i.used.reads) },
    { header: 'last read', value: (i) => seconds(i.used.lastRead) },
    { header: 'granted', value: (i) => (i.rule ? printable(ruleText(i.rule)) : ''), wide: true },
    {
      header: 'used',
      value: (i) => printable(i.used.verbs.length ? `${i.used.verbs.join(',')} ${i.used.secrets.join(',')}` : ''),
      wide: true,
    },
    { header: 'proposal', value: (i) => printable(proposalText(i)) },
  ];
  return {
    columns,
    // As investigate --value-from-file names Secrets: `kubectl describe $line` works for every namespace.
    name: (i) =>
      printable(
        `${kubectlName(i.binding.kind, i.binding.name)}${i.binding.namespace ? ` -n ${i.binding.namespace}` : ''}`,
      ),
    empty: 'No bindings grant reading Secrets in scope.',
  };
}

/** Lines for stderr after the table: what was not judged, or left out, and why. */
export function notes(metadata: LeastPrivilegeMetadata): string[] {
  const out: string[] = [];
  const { window, summary, hiddenControlPlane, clusterBindingsOutOfScope } = metadata;
  out.push(
    `window ${seconds(window.since)} to ${seconds(window.until)}: ${plural(metadata.logs.reads, 'read', 'reads')} seen, ${plural(metadata.logs.denied, 'denied attempt', 'denied attempts')} (not use)`,
  );
  if (summary.notJudged > 0) {
    out.push(
      `${summary.notJudged} binding(s) not judged: they or all their subjects are younger than the window, or unknown`,
    );
  }
  if (hiddenControlPlane.bindings > 0) {
    out.push(
      `${hiddenControlPlane.bindings} binding(s) of control-plane components, nodes and system:masters left out; --include-system judges them`,
    );
  }
  if (clusterBindingsOutOfScope.length > 0) {
    out.push(
      `${clusterBindingsOutOfScope.length} ClusterRoleBinding(s) also grant reading Secrets here (${printable(clusterBindingsOutOfScope.slice(0, 3).join(', '))}${clusterBindingsOutOfScope.length > 3 ? ', ...' : ''}): judge them with -A`,
    );
  }
  return out.map((l) => `note: ${l}`);
}

/** The comment lines heading --suggest: what it removes, what can be deleted, how to undo. */
export function suggestionComments(
  metadata: LeastPrivilegeMetadata,
  undoHint: string,
  cluster: readonly string[] = [],
): string[] {
  const s = metadata.suggestion as SuggestionSummary;
  const lines = [
    `kubectl secrets least-privilege --suggest: apply with "${shellLine(['kubectl', 'apply', '-f', '-', ...cluster])}"`,
    // readsChecked counts the distinct reads RBAC allowed; the notes count every read (system:masters' and nodes' too).
    `window ${seconds(metadata.window.since)} to ${seconds(metadata.window.until)}: every read RBAC allowed stays allowed with this applied (checked with who-can: ${s.readsChecked} distinct (subject, Secret, verb) of the ${plural(metadata.logs.reads, 'read', 'reads')} seen)`,
  ];
  if (s.removed.length === 0) lines.push('removes: nothing');
  else lines.push('removes:', ...s.removed.map((r) => `  ${removedText(r)}`));
  for (const d of s.deletable) lines.push(`${d} is left with no subjects: it grants nothing and can be deleted`);
  if (s.redeclared.length > 0) lines.push(`undo: ${undoHint}`);
  return lines;
}

/** Comment lines heading --suggest-undo. */
export function undoComments(metadata: LeastPrivilegeMetadata, cluster: readonly string[] = []): string[] {
  // On the cluster it ran against (see undoCommand): on the current context they would delete another cluster's.
  const on = cluster.length ? ` ${shellLine([...cluster])}` : '';
  const created = (metadata.suggestion as Partial<SuggestionSummary> | undefined)?.created ?? [];
  return [
    'kubectl secrets least-privilege --suggest-undo: restores the bindings a suggestion changes (or changed) with all their subjects',
    'objects a suggestion creates stay (they grant no more than their bindings did); delete them with',
    `  kubectl delete roles,rolebindings,clusterroles,clusterrolebindings -A -l kubectl-secrets.dev/least-privilege=true${on}`,
    ...(created.length > 0 ? ['or one by one:', ...created.map((c) => `  kubectl delete ${deleteArgs(c)}${on}`)] : []),
  ];
}

function deleteArgs(label: string): string {
  const [kind, path] = label.split(' ') as [string, string];
  const slash = path.indexOf('/');
  return slash < 0
    ? `${kind.toLowerCase()} ${path}`
    : `${kind.toLowerCase()} ${path.slice(slash + 1)} -n ${path.slice(0, slash)}`;
}
