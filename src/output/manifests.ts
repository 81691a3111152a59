// Kubernetes objects for `kubectl apply -f -`: YAML documents (with comment
// lines first) or one JSON v1 List.
import yaml from 'js-yaml';
import { safeText } from './safe-text.js';

export function renderManifests(
  objects: readonly object[],
  comments: readonly string[],
  format: 'yaml' | 'json',
): string {
  if (format === 'json') return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`;
  // A newline in a name must not end the comment: the rest would be applied as YAML.
  const head = comments.map((c) => `# ${safeText(c).replace(/\n/g, '\\n')}\n`).join('');
  const docs = objects.map((o) => yaml.dump(o, { noRefs: true, lineWidth: -1, sortKeys: false }));
  return `${head}${docs.map((d) => `---\n${d}`).join('')}`;
}
