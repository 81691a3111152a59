// Kubernetes objects for `kubectl apply -f -`: YAML documents (with comment
// lines first) or one JSON v1 List.
import yaml from 'js-yaml';

/** Control characters (a newline in an object name, an escape sequence) shown escaped, never acted on. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function renderManifests(objects: readonly object[], comments: readonly string[], format: 'yaml' | 'json'): string {
  if (format === 'json') return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`;
  const head = comments.map((c) => `# ${printable(c)}\n`).join('');
  const docs = objects.map((o) => yaml.dump(o, { noRefs: true, lineWidth: -1, sortKeys: false }));
  return `${head}${docs.map((d) => `---\n${d}`).join('')}`;
}
