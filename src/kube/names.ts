import type { Kube } from './client.js';

/** Names of the objects at a collection path, fetched as metadata only. */
export async function listNames(kube: Kube, path: string): Promise<string[]> {
  const { items } = await kube.list<{ metadata?: { name?: string } }>(path, { metadataOnly: true });
  return items.map((i) => i.metadata?.name ?? '').filter((n) => n !== '');
}
