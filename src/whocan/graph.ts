// who-can's rows as a graph: subject → (group) → binding → role → Secret.
// Indirect paths are dashed edges labelled with what the subject would do.
import type { SecretRef } from './direct.js';
import { bindingKey, bindingLabel, type BindingId, type RoleId } from './policy.js';
import { rowIdentity, type ChainStep, type WhoCanRow } from './report.js';
import { identityKey, identityLabel } from './subjects.js';

/** Same shape as src/output/graph.ts's Graph (kept apart so features do not import printers). */
export interface WhoCanGraph {
  title: string;
  nodes: Array<{
    id: string;
    label: string;
    shape: 'subject' | 'everyone' | 'binding' | 'role' | 'secret' | 'authorizer';
  }>;
  edges: Array<{ from: string; to: string; label?: string; dashed?: boolean }>;
}

export function whoCanGraph(rows: readonly WhoCanRow[], secret: SecretRef): WhoCanGraph {
  const nodes = new Map<string, WhoCanGraph['nodes'][number]>();
  const edges = new Map<string, { from: string; to: string; labels: Set<string>; dashed: boolean }>();
  const node = (id: string, label: string, shape: WhoCanGraph['nodes'][number]['shape']): string => {
    if (!nodes.has(id)) nodes.set(id, { id, label, shape });
    return id;
  };
  const edge = (from: string, to: string, label: string | undefined, dashed = false): void => {
    const key = `${from}|${to}|${dashed}`;
    let e = edges.get(key);
    if (!e) edges.set(key, (e = { from, to, labels: new Set(), dashed }));
    if (label) e.labels.add(label);
  };

  const secretId = node(
    `secret:${secret.namespace}/${secret.name}`,
    `Secret ${secret.namespace}/${secret.name}`,
    'secret',
  );
  for (const row of rows) {
    const who = rowIdentity(row);
    const subjectId = node(
      `subject:${identityKey(who)}`,
      row.everyone ? `${identityLabel(who)} (EVERYONE)` : identityLabel(who),
      row.everyone ? 'everyone' : 'subject',
    );
    for (const step of row.chain) {
      const label = stepLabel(row, step);
      const dashed = row.path !== 'direct';
      let from = subjectId;
      if (step.memberOf) {
        const groupId = node(
          `subject:${identityKey({ kind: 'Group', name: step.memberOf })}`,
          `Group ${step.memberOf}`,
          'subject',
        );
        edge(from, groupId, 'member');
        from = groupId;
      }
      if (step.authorizer !== 'RBAC') {
        const authId = node(
          `authorizer:${step.authorizer}`,
          step.authorizer === 'Node' ? 'Node authorizer' : 'bypasses authorization',
          'authorizer',
        );
        edge(from, authId, undefined);
        edge(authId, secretId, label, dashed);
        continue;
      }
      const bindingId = node(`binding:${bindingKey(step.binding!)}`, bindingLabel(step.binding!), 'binding');
      const roleId = node(`role:${roleKey(step.role!, step.binding!)}`, roleLabel(step.role!), 'role');
      edge(from, bindingId, undefined);
      edge(bindingId, roleId, undefined);
      edge(roleId, secretId, label, dashed);
    }
  }
  return {
    title: `who can read ${secret.namespace}/${secret.name}`,
    nodes: [...nodes.values()],
    edges: [...edges.values()].map((e) => ({
      from: e.from,
      to: e.to,
      ...(e.labels.size > 0 ? { label: [...e.labels].join(', ') } : {}),
      ...(e.dashed ? { dashed: true } : {}),
    })),
  };
}

function stepLabel(row: WhoCanRow, step: ChainStep): string {
  if (row.path === 'direct') return step.verbs.map((v) => (step.fieldSelectedOnly ? `${v} (by name)` : v)).join(',');
  return `${row.path}: ${step.action ?? step.verbs.join(',')}`;
}

const roleKey = (r: RoleId, b: BindingId): string =>
  `${r.kind}/${r.kind === 'Role' ? (r.namespace ?? b.namespace ?? '') : ''}/${r.name}`;
const roleLabel = (r: RoleId): string => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
