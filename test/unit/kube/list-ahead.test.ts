// Paged lists ask for the next page as soon as its continue token is known (read from the list's
// metadata, which the API server writes before the items), then parse the page they hold.
import { afterEach, describe, expect, it } from 'vitest';
import { continueOf } from '../../../src/kube/client.js';
import { isNotFound, KubeApiError } from '../../../src/kube/errors.js';
import { clientFor, fakeApiServer } from './fake-apiserver.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A list page laid out as the API server writes it: kind, apiVersion, metadata, then items. */
const page = (items: unknown[], next: string) =>
  `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"9"${next ? `,"continue":"${next}","remainingItemCount":5` : ''}},"items":${JSON.stringify(items)}}`;

describe('continueOf', () => {
  it("reads the token from the list's head, '' at the last page", () => {
    expect(continueOf(Buffer.from(page([{ a: 1 }], 'eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ')))).toBe(
      'eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ',
    );
    expect(continueOf(Buffer.from(page([{ a: 1 }], '')))).toBe('');
    expect(continueOf(Buffer.from('{"kind":"PodList","metadata":{},"items":null}'))).toBe('');
  });

  it('gives up (undefined) when the head is not as expected', () => {
    expect(continueOf(Buffer.from('{"items":[],"metadata":{"continue":"x"}}'))).toBeUndefined();
    expect(continueOf(Buffer.from('not json,"items":'))).toBeUndefined();
  });
});

describe('KubeClient.list', () => {
  it('follows every page, reports progress per page, and keeps the order', async () => {
    const urls: string[] = [];
    const s = await fakeApiServer((req, res) => {
      urls.push(req.url!);
      const n = Number(/continue=p(\d)/.exec(req.url!)?.[1] ?? 0);
      res.end(page([{ n: 2 * n }, { n: 2 * n + 1 }], n < 2 ? `p${n + 1}` : ''));
    });
    cleanups.push(s.close);
    const client = clientFor(s.url);
    const progress: number[] = [];
    const { items, resourceVersion } = await client.list<{ n: number }>('/api/v1/pods', {
      limit: 2,
      onPage: (count) => progress.push(count),
    });
    client.close();
    expect(items.map((i) => i.n)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(resourceVersion).toBe('9');
    expect(progress).toEqual([2, 4, 6]);
    expect(urls).toEqual([
      '/api/v1/pods?limit=2',
      '/api/v1/pods?limit=2&continue=p1',
      '/api/v1/pods?limit=2&continue=p2',
    ]);
    expect(client.roundTrips).toBe(3);
  });

  it('lets go of managedFields when asked, and only then', async () => {
    const item = { metadata: { name: 'p', managedFields: [{ manager: 'kubectl' }] }, spec: { nodeName: 'n' } };
    const s = await fakeApiServer((_req, res) => res.end(page([item], '')));
    cleanups.push(s.close);
    const client = clientFor(s.url);
    const slim = await client.list<typeof item>('/api/v1/pods', { withoutManagedFields: true });
    const whole = await client.list<typeof item>('/api/v1/pods');
    client.close();
    expect(slim.items[0]!.metadata.managedFields).toBeUndefined();
    expect(slim.items[0]!.spec.nodeName).toBe('n');
    expect(whole.items[0]!.metadata.managedFields).toEqual([{ manager: 'kubectl' }]);
  });

  it.each([
    ['a mapped list (Secrets, say) maps each page before it asks for the next: no two raw pages at once', false],
    ['a mapped list that asks to read ahead (pods) asks for the next page before it maps this one', true],
  ])('%s', async (_name, readAhead) => {
    const events: string[] = [];
    const s = await fakeApiServer((req, res) => {
      const n = Number(/continue=p(\d)/.exec(req.url!)?.[1] ?? 0);
      res.end(page([{ n }], n < 2 ? `p${n + 1}` : ''));
    });
    cleanups.push(s.close);
    const client = clientFor(s.url);
    const { items } = await client.list<{ n: number }, number>('/api/v1/secrets', {
      limit: 1,
      readAhead,
      map: (item) => {
        events.push(`map ${item.n} after ${client.roundTrips} requests`);
        return item.n;
      },
    });
    client.close();
    expect(items).toEqual([0, 1, 2]);
    expect(events).toEqual(
      readAhead
        ? ['map 0 after 2 requests', 'map 1 after 3 requests', 'map 2 after 3 requests']
        : ['map 0 after 1 requests', 'map 1 after 2 requests', 'map 2 after 3 requests'],
    );
  });

  it('fails with the API error of a page asked for ahead (an expired continue token)', async () => {
    const s = await fakeApiServer((req, res) => {
      if (req.url!.includes('continue=')) {
        res.writeHead(410, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410, message: 'too old' }),
        );
        return;
      }
      res.end(page([{ n: 0 }], 'p1'));
    });
    cleanups.push(s.close);
    const client = clientFor(s.url);
    const err = await client.list('/api/v1/pods', { limit: 1 }).catch((e: unknown) => e);
    client.close();
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).status).toBe(410);
    expect(isNotFound(err)).toBe(false);
  });
});
