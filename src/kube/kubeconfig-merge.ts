import path from 'node:path';

/** A kubeconfig file as written on disk (only the parts we use). */
export interface RawKubeconfig {
  'current-context'?: string;
  clusters?: NamedEntry[];
  users?: NamedEntry[];
  contexts?: NamedEntry[];
}

export interface NamedEntry {
  name: string;
  [section: string]: unknown;
}

export interface LoadedFile {
  path: string;
  doc: RawKubeconfig;
}

const PATH_FIELDS: Record<'clusters' | 'users', { section: string; fields: string[] }> = {
  clusters: { section: 'cluster', fields: ['certificate-authority'] },
  users: { section: 'user', fields: ['client-certificate', 'client-key', 'tokenFile'] },
};

/**
 * Merges kubeconfig files the way kubectl does with a multi-file KUBECONFIG:
 * the first file to define a cluster, user or context name wins, as does the
 * first file to set current-context. Relative paths inside each file are
 * resolved against that file's directory before merging.
 */
export function mergeKubeconfigs(files: readonly LoadedFile[]): RawKubeconfig {
  const merged: Required<Pick<RawKubeconfig, 'clusters' | 'users' | 'contexts'>> & RawKubeconfig = {
    clusters: [],
    users: [],
    contexts: [],
  };
  for (const { path: file, doc } of files) {
    const dir = path.dirname(file);
    if (merged['current-context'] === undefined && doc['current-context']) {
      merged['current-context'] = doc['current-context'];
    }
    for (const kind of ['clusters', 'users', 'contexts'] as const) {
      for (const entry of doc[kind] ?? []) {
        if (!entry || typeof entry.name !== 'string') continue;
        if (merged[kind].some((e) => e.name === entry.name)) continue;
        merged[kind].push(kind === 'contexts' ? entry : absolutePaths(entry, PATH_FIELDS[kind], dir));
      }
    }
  }
  return merged;
}

function absolutePaths(entry: NamedEntry, spec: { section: string; fields: string[] }, dir: string): NamedEntry {
  const section = entry[spec.section];
  if (!section || typeof section !== 'object') return entry;
  const copy: Record<string, unknown> = { ...(section as Record<string, unknown>) };
  for (const field of spec.fields) {
    const value = copy[field];
    if (typeof value === 'string' && value !== '' && !path.isAbsolute(value)) copy[field] = path.resolve(dir, value);
  }
  const exec = copy.exec as Record<string, unknown> | undefined;
  // kubectl resolves an exec command relative to the kubeconfig only when it names a path.
  if (exec && typeof exec.command === 'string' && exec.command.includes('/') && !path.isAbsolute(exec.command)) {
    copy.exec = { ...exec, command: path.resolve(dir, exec.command) };
  }
  return { ...entry, [spec.section]: copy };
}
