// sharingLists sends identical lists once; mapped lists only when mapped by the same function.
import { describe, expect, it } from 'vitest';
import type { Kube, ListOptions } from '../../../src/kube/client.js';
import { sharingLists } from '../../../src/kube/shared-lists.js';

function countingKube(): { kube: Kube; sent: string[] } {
  const sent: string[] = [];
  const unused = () => Promise.reject(new Error('not in this test'));
  const kube = {
    target: {
      server: 'https://k',
      namespace: 'default',
      contextName: 'c',
      clusterName: 'c',
      userName: 'u',
      sources: [],
    },
    roundTrips: 0,
    get: unused,
    create: unused,
    replace: unused,
    patch: unused,
    delete: unused,
    list: (path: string, options?: ListOptions & { map?: (item: unknown) => unknown }) => {
      sent.push(path);
      const items = [{ n: 1 }];
      return Promise.resolve({ items: options?.map ? items.map(options.map) : items, resourceVersion: '1' });
    },
  } as unknown as Kube;
  return { kube, sent };
}

describe('sharingLists', () => {
  it('sends a list once for the same options, and once per mapping function', async () => {
    const { kube, sent } = countingKube();
    const shared = sharingLists(kube);
    const reduce = (item: { n: number }) => item.n;
    await Promise.all([
      shared.list('/api/v1/pods'),
      shared.list('/api/v1/pods'),
      shared.list('/api/v1/pods', { map: reduce }),
      shared.list('/api/v1/pods', { map: reduce }),
    ]);
    expect(sent).toEqual(['/api/v1/pods', '/api/v1/pods']);
    const mapped = await shared.list<{ n: number }, number>('/api/v1/pods', { map: reduce });
    expect(mapped.items).toEqual([1]);
    expect(sent).toHaveLength(2);
  });

  it('never shares a list mapped by a closure made per call (Secrets)', async () => {
    const { kube, sent } = countingKube();
    const shared = sharingLists(kube);
    await shared.list<{ n: number }, number>('/api/v1/secrets', { map: (s) => s.n });
    await shared.list<{ n: number }, number>('/api/v1/secrets', { map: (s) => s.n });
    expect(sent).toHaveLength(2);
  });
});
