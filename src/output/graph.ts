// Graph printers: Graphviz dot and Mermaid flowcharts of a small directed graph.

export type GraphNodeShape = 'subject' | 'everyone' | 'binding' | 'role' | 'secret' | 'authorizer';

export interface GraphNode {
  id: string;
  label: string;
  shape: GraphNodeShape;
}

export interface GraphEdge {
  from: string;
  to: string;
  label?: string;
  /** Drawn dashed: an indirect path. */
  dashed?: boolean;
}

export interface Graph {
  title: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

const DOT_STYLE: Record<GraphNodeShape, string> = {
  subject: 'shape=box, style="rounded"',
  everyone: 'shape=box, style="rounded,filled,bold", fillcolor="#f4b6b6", color="#b00000"',
  binding: 'shape=box',
  role: 'shape=box, style="filled", fillcolor="#eeeeee"',
  secret: 'shape=cylinder, style="filled", fillcolor="#fff2b3"',
  authorizer: 'shape=hexagon',
};

const dotString = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

export function renderDot(graph: Graph): string {
  const lines = [
    `digraph ${dotString(graph.title)} {`,
    '  rankdir=LR;',
    '  node [fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  for (const n of graph.nodes) lines.push(`  ${dotString(n.id)} [label=${dotString(n.label)}, ${DOT_STYLE[n.shape]}];`);
  for (const e of graph.edges) {
    const attrs = [e.label ? `label=${dotString(e.label)}` : '', e.dashed ? 'style=dashed' : ''].filter(
      (a) => a !== '',
    );
    lines.push(`  ${dotString(e.from)} -> ${dotString(e.to)}${attrs.length > 0 ? ` [${attrs.join(', ')}]` : ''};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

const MERMAID_SHAPE: Record<GraphNodeShape, [string, string]> = {
  subject: ['(', ')'],
  everyone: ['(', ')'],
  binding: ['[', ']'],
  role: ['[[', ']]'],
  secret: ['[(', ')]'],
  authorizer: ['{{', '}}'],
};

/** Mermaid labels are quoted; quotes and angle brackets become entity codes. */
const mermaidText = (s: string): string =>
  `"${s.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;').replace(/\n/g, ' ')}"`;

export function renderMermaid(graph: Graph): string {
  const ids = new Map<string, string>();
  graph.nodes.forEach((n, i) => ids.set(n.id, `n${i}`));
  const lines = ['flowchart LR', `  %% ${graph.title.replace(/\n/g, ' ')}`];
  for (const n of graph.nodes) {
    const [open, close] = MERMAID_SHAPE[n.shape];
    lines.push(`  ${ids.get(n.id)}${open}${mermaidText(n.label)}${close}`);
  }
  for (const e of graph.edges) {
    const from = ids.get(e.from);
    const to = ids.get(e.to);
    if (!from || !to) continue;
    if (e.dashed) lines.push(e.label ? `  ${from} -. ${mermaidText(e.label)} .-> ${to}` : `  ${from} -.-> ${to}`);
    else lines.push(e.label ? `  ${from} -- ${mermaidText(e.label)} --> ${to}` : `  ${from} --> ${to}`);
  }
  const everyone = graph.nodes.filter((n) => n.shape === 'everyone').map((n) => ids.get(n.id));
  if (everyone.length > 0) {
    lines.push('  classDef everyone fill:#f4b6b6,stroke:#b00000,stroke-width:2px');
    lines.push(`  class ${everyone.join(',')} everyone`);
  }
  return `${lines.join('\n')}\n`;
}
