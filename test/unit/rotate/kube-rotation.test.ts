// KubeRotationCluster over a stand-in API server: error mapping, conditional
// writes and DELETE bodies (preconditions) on a kept-alive connection.
import { afterEach, describe, expect, it } from 'vitest';
import type http from 'node:http';
import { KubeRotationCluster } from '../../../src/kube/rotation.js';
import { KubeApiError } from '../../../src/kube/errors.js';
import { ConflictError, RejectedError } from '../../../src/rotate/errors.js';
import { clientFor, fakeApiServer, status } from '../kube/fake-apiserver.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

interface Seen {
  method: string;
  url: string;
  type?: string;
  body: string;
}

async function cluster(
  handler: (req: Seen, res: http.ServerResponse) => void,
): Promise<{ c: KubeRotationCluster; seen: Seen[] }> {
  const seen: Seen[] = [];
  const s = await fakeApiServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const r: Seen = {
        method: req.method!,
        url: req.url!,
        body,
        ...(req.headers['content-type'] ? { type: req.headers['content-type'] } : {}),
      };
      seen.push(r);
      handler(r, res);
    });
  });
  const client = clientFor(s.url);
  cleanups.push(s.close, () => client.close());
  return { c: new KubeRotationCluster(client, 'shop'), seen };
}

describe('KubeRotationCluster', () => {
  it('sends DELETE preconditions as a body the server reads whole, then keeps talking on the same connection', async () => {
    const { c, seen } = await cluster((req, res) =>
      res.end(req.method === 'GET' ? '{"metadata":{"name":"db"}}' : '{}'),
    );
    expect(await c.deleteSecret('db-v1', { uid: 'u-1' })).toBe(true);
    await c.getSecret('db');
    expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      'DELETE /api/v1/namespaces/shop/secrets/db-v1',
      'GET /api/v1/namespaces/shop/secrets/db',
    ]);
    expect(JSON.parse(seen[0]!.body)).toEqual({
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      preconditions: { uid: 'u-1' },
    });
  });

  it('makes metadata patches conditional on a resourceVersion, and maps 409 to ConflictError', async () => {
    const { c, seen } = await cluster((_req, res) => status(res, 409, 'Conflict', 'the object has been modified'));
    await expect(c.patchSecretMetadata('db-v2', '42', { annotations: { a: 'b' } })).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(seen[0]).toMatchObject({ method: 'PATCH', type: 'application/merge-patch+json' });
    expect(JSON.parse(seen[0]!.body)).toEqual({ metadata: { resourceVersion: '42', annotations: { a: 'b' } } });
  });

  it('treats a rejected JSON Patch (a failed test) as a conflict, other refusals as RejectedError', async () => {
    const { c } = await cluster((req, res) =>
      req.method === 'PATCH'
        ? status(res, 422, 'Invalid', 'the server rejected our request due to an error in our request')
        : status(res, 403, 'Forbidden', 'no'),
    );
    await expect(
      c.jsonPatchWorkload('Deployment', 'api', [{ op: 'test', path: '/x', value: 'db' }]),
    ).rejects.toBeInstanceOf(ConflictError);
    const conflict = await c.jsonPatchWorkload('Deployment', 'api', []).catch((e: unknown) => e);
    expect((conflict as ConflictError).cause).toBeInstanceOf(KubeApiError);
    const err = await c.createSecret({ metadata: { name: 'db-v2' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RejectedError);
    expect((err as RejectedError).status).toBe(403);
    // The API's own error rides along, so that the CLI words a refusal as it does for every command.
    expect((err as RejectedError).cause).toMatchObject({ status: 403, reason: 'Forbidden' });
  });

  it('reports a missing object as gone, not as an error', async () => {
    const { c } = await cluster((_req, res) => status(res, 404, 'NotFound', 'not found'));
    expect(await c.getSecret('nope')).toBeUndefined();
    expect(await c.deleteLease('kubectl-secrets-rotate-db')).toBe(false);
    expect(await c.getWorkload('Deployment', 'gone')).toBeUndefined();
  });

  it('lists versions as metadata only, by label and by name', async () => {
    const { c, seen } = await cluster((req, res) =>
      res.end(
        JSON.stringify({
          items: req.url.includes('fieldSelector')
            ? [{ metadata: { name: 'db' } }]
            : [{ metadata: { name: 'db-v2' } }, { metadata: { name: 'db' } }],
          metadata: {},
        }),
      ),
    );
    expect((await c.listVersions('db')).map((s) => s.metadata.name).sort()).toEqual(['db', 'db-v2']);
    expect(seen.map((r) => decodeURIComponent(r.url))).toEqual([
      '/api/v1/namespaces/shop/secrets?labelSelector=secrets.kubectl-secrets.dev/name=db&limit=500',
      '/api/v1/namespaces/shop/secrets?fieldSelector=metadata.name=db&limit=500',
    ]);
  });
});
