import type { Kube } from './client.js';

/** Names of the objects at a collection path, fetched as metadata only. */
export async function listNames(kube: Kube, path: string): Promise<string[]> {
  // Only names are kept, page by page: annotations of Secrets may hold a copy of their values.
  const { items } = await kube.list<{ metadata?: { name?: string } }, string>(path, {
    metadataOnly: true,
    map: (i) => i.metadata?.name ?? '',
  });
  return items.filter((n) => n !== '');
}
