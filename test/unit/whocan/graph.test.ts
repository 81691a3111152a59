import { describe, expect, it } from 'vitest';
import { renderDot, renderMermaid } from '../../../src/output/graph.js';
import { whoCanGraph } from '../../../src/whocan/graph.js';
import { analyze, clusterRole, group, pod, rb, readSecrets, rule, user, NS, SECRET } from './fixtures.js';

const { rows } = analyze({
  clusterRoles: [clusterRole('r', [readSecrets(['get'])]), clusterRole('pods', [rule(['create'], ['pods'])])],
  roleBindings: [
    rb('a', { kind: 'ClusterRole', name: 'r' }, [user('alice "the admin"'), group(`system:serviceaccounts:${NS}`)]),
    rb('e', { kind: 'ClusterRole', name: 'pods' }, [group('system:authenticated')]),
  ],
  serviceAccounts: [{ namespace: NS, name: 'web' }],
  pods: [pod('web-1', { secret: SECRET, node: 'n1' })],
});
const graph = whoCanGraph(rows, { namespace: NS, name: SECRET });

describe('who-can graph', () => {
  it('draws subject → (group) → binding → role → Secret, indirect dashed', () => {
    const label = (id: string) => graph.nodes.find((n) => n.id === id)?.label;
    const edges = graph.edges.map(
      (e) => `${label(e.from)} -> ${label(e.to)}${e.label ? ` [${e.label}]` : ''}${e.dashed ? ' dashed' : ''}`,
    );
    expect(edges).toContain('User alice "the admin" -> RoleBinding app/a');
    expect(edges).toContain('RoleBinding app/a -> ClusterRole r');
    expect(edges).toContain(`ClusterRole r -> Secret ${NS}/${SECRET} [get]`);
    expect(edges).toContain(`ServiceAccount ${NS}/web -> Group system:serviceaccounts:${NS} [member]`);
    expect(edges).toContain(`ClusterRole pods -> Secret ${NS}/${SECRET} [create-workload: create pods] dashed`);
    expect(edges).toContain('User system:node:n1 -> Node authorizer');
    expect(graph.nodes.find((n) => n.label.startsWith('Group system:authenticated'))!.shape).toBe('everyone');
  });

  it('renders valid-looking dot with escaped quotes', () => {
    const dot = renderDot(graph);
    expect(dot).toMatch(/^digraph "who can read app\/db" \{\n {2}rankdir=LR;/);
    expect(dot).toContain('[label="User alice \\"the admin\\"", shape=box');
    expect(dot).toContain('style=dashed');
    expect(dot.trimEnd().endsWith('}')).toBe(true);
  });

  it('renders mermaid with entity-escaped quotes and dashed edges', () => {
    const mm = renderMermaid(graph);
    expect(mm.split('\n')[0]).toBe('flowchart LR');
    expect(mm).toContain('("User alice #quot;the admin#quot;")');
    expect(mm).toMatch(/n\d+ -\. "create-workload: create pods" \.-> n\d+/);
    expect(mm).toContain('classDef everyone');
  });
});
