// Answers and journals that get lost: a first write whose answer never
// comes back although the API server applied it (through a proxy that
// swallows that one response), and --resume when the journal is missing or
// unreadable while consumers may already use the new version.
import http from 'node:http';
import https from 'node:https';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { api, applyYaml } from '../harness/cluster.js';
import { runCli } from '../harness/runCli.js';
import {
  assertConsistent,
  consumerYaml,
  createSecret,
  decode,
  JOURNAL,
  namespaces,
  readSecret,
  rolloutsComplete,
  rotationLease,
  runBundle,
  templateRefs,
  useCluster,
} from './rotate-harness.js';

const spaces = namespaces();
afterAll(() => spaces.cleanup());

/**
 * A plain-HTTP proxy in front of the API server (it authenticates as admin).
 * Requests `swallow` picks are sent on and applied, but their answer never
 * comes back: the client sees its --request-timeout.
 */
async function swallowingProxy(
  swallow: (method: string, url: string) => boolean,
): Promise<{ kubeconfig: string; swallowed: string[] }> {
  const kc = new KubeConfig();
  kc.loadFromFile(useCluster().kubeconfig);
  const tls: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(tls);
  const upstream = new URL(useCluster().server);
  const swallowed: string[] = [];
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = { ...req.headers, host: upstream.host };
      const up = https.request(
        { ...tls, hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
        (answer) => {
          if (swallow(req.method ?? '', req.url ?? '')) {
            swallowed.push(`${req.method} ${req.url} → ${answer.statusCode}`);
            answer.resume();
            held.push(res);
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  spaces.defer(async () => {
    for (const res of held) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const kubeconfig = join(mkdtempSync(join(tmpdir(), 'rotate-lost-')), 'kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'proxy', cluster: { server: `http://127.0.0.1:${port}` } }],
      users: [{ name: 'proxy', user: {} }],
      contexts: [{ name: 'proxy', context: { cluster: 'proxy', user: 'proxy' } }],
      'current-context': 'proxy',
    }),
  );
  return { kubeconfig, swallowed };
}

/** Only the first request that matches. */
const once = (match: (method: string, url: string) => boolean) => {
  let done = false;
  return (method: string, url: string): boolean => {
    if (done || !match(method, url)) return false;
    done = true;
    return true;
  };
};

async function setUp(prefix: string): Promise<string> {
  const ns = await spaces.fresh(prefix);
  await createSecret(ns, 'db', { password: 'old-password' });
  await applyYaml(
    [consumerYaml('Deployment', 'api', 'db', ['env']), consumerYaml('Deployment', 'web', 'db', ['volume'])].join(
      '---\n',
    ),
    ns,
  );
  await rolloutsComplete(ns);
  return ns;
}

describe('a first write whose answer is lost after the server applied it', () => {
  it('blue/green: finds the new version it created and goes on', async () => {
    const ns = await setUp('rot-lost-bg');
    const proxy = await swallowingProxy(
      once((m, u) => m === 'POST' && u.startsWith(`/api/v1/namespaces/${ns}/secrets`)),
    );
    const r = await runCli(
      [
        'rotate',
        'db',
        '-n',
        ns,
        '--from-literal',
        'password=new',
        '--yes',
        '--timeout',
        '60s',
        '--request-timeout',
        '3s',
      ],
      {
        kubeconfig: proxy.kubeconfig,
      },
    );
    expect(proxy.swallowed).toEqual([expect.stringMatching(/^POST .* → 201$/)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/db-v2: the answer to its write was lost \(.*\), but the write landed: going on/);
    expect(r.stderr).not.toMatch(/nothing changed/);
    await assertConsistent(ns, 'db-v2');
    expect(await rotationLease(ns, 'db')).toBeUndefined();
  });

  it('in place: finds its journal on the Secret and goes on', async () => {
    const ns = await setUp('rot-lost-ip');
    const proxy = await swallowingProxy(
      once((m, u) => m === 'PATCH' && u.startsWith(`/api/v1/namespaces/${ns}/secrets/db`)),
    );
    const r = await runCli(
      [
        'rotate',
        'db',
        '-n',
        ns,
        '--in-place',
        '--from-literal',
        'password=new',
        '--yes',
        '--timeout',
        '60s',
        '--request-timeout',
        '3s',
      ],
      {
        kubeconfig: proxy.kubeconfig,
      },
    );
    expect(proxy.swallowed).toEqual([expect.stringMatching(/^PATCH .* → 200$/)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/db: the answer to its write was lost/);
    expect(decode(await readSecret(ns, 'db'), 'password')).toBe('new');
    expect(await rotationLease(ns, 'db')).toBeUndefined();
  });
});

describe('--resume when the journal is lost', () => {
  it.each([
    ['unreadable', '{"v":1,"id":'],
    ['missing', null],
  ])('%s: inspects the consumers, reports who uses which version, keeps the lock', async (what, value) => {
    const ns = await setUp(`rot-lost-j${what.slice(0, 3)}`);
    // Steps 2 and 3 switch Deployment/api and Deployment/web (one batch); the process dies once they are recorded.
    const crashed = await runBundle(['rotate', 'db', '-n', ns, '--from-literal', 'password=new', '--yes'], {
      env: { KUBECTL_SECRETS_CRASH_AT_STEP: '2' },
    });
    expect(crashed.code, crashed.stderr).toBe(137);
    expect(await templateRefs(ns)).toEqual({ 'Deployment/api': ['db-v2'], 'Deployment/web': ['db-v2'] });
    const patched = await api('PATCH', `/api/v1/namespaces/${ns}/secrets/db-v2`, {
      body: { metadata: { annotations: { [JOURNAL]: value } } },
      contentType: 'application/merge-patch+json',
    });
    expect(patched.status).toBe(200);

    const r = await runCli(['rotate', 'db', '-n', ns, '--resume'], { kubeconfig: useCluster().kubeconfig });
    expect(r.code).toBe(4);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toEqual([
      expect.stringContaining(`the journal of the interrupted rotation of db on db-v2 is ${what}`),
    ]);
    // Old pods may still be on db while the rollouts run: what matters is that the move to db-v2 is reported.
    expect(errors[0]).toMatch(
      /found: db-v2 was written by this rotation; .*Deployment\/api, Deployment\/web use db-v2\./,
    );
    expect(errors[0]).toContain('the lock (Lease kubectl-secrets-rotate-db) is kept');
    expect(r.stderr).not.toMatch(/stopped before changing anything/);
    expect(await rotationLease(ns, 'db')).toBeDefined();
    // Nothing was changed by --resume: api is still on db-v2, which still exists.
    expect(await templateRefs(ns)).toEqual({ 'Deployment/api': ['db-v2'], 'Deployment/web': ['db-v2'] });
  });
});
