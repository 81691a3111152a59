import type { Kube } from './client.js';
import { isForbidden } from './errors.js';
import { RESOURCES, resourcePath } from './paths.js';
import type { SecretHistory } from '../investigate/report.js';

interface MetaOnly {
  metadata?: {
    name?: string;
    creationTimestamp?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    managedFields?: Array<{ manager?: string; operation?: string; time?: string }>;
  };
}

/**
 * One Secret's metadata from a metadata-only list field-selected to its name: no value
 * crosses the wire. Undefined when it does not exist; null when listing is forbidden.
 */
export async function loadSecretHistory(
  kube: Kube,
  namespace: string,
  name: string,
): Promise<SecretHistory | undefined | null> {
  try {
    const { items } = await kube.list<MetaOnly>(resourcePath(RESOURCES.secrets, namespace), {
      metadataOnly: true,
      limit: 1,
      query: { fieldSelector: `metadata.name=${name}` },
    });
    const m = items.find((i) => i.metadata?.name === name)?.metadata;
    if (!m) return undefined;
    let last: SecretHistory['lastChange'] = null;
    for (const f of m.managedFields ?? []) {
      if (f.time && (last === null || f.time > last.time))
        last = { time: f.time, manager: f.manager ?? '', operation: f.operation ?? '' };
    }
    return {
      creationTimestamp: m.creationTimestamp ?? null,
      lastChange: last,
      resourceVersion: m.resourceVersion ?? null,
      labels: m.labels ?? {},
    };
  } catch (err) {
    if (isForbidden(err)) return null;
    throw err;
  }
}
