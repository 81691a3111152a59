import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../harness/runCli.js';
import { toCliError, KubeApiError, isForbidden } from '../../../src/kube/errors.js';
import { clientFor, fakeApiServer, resolvedFor, status } from './fake-apiserver.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function serve(handler: Parameters<typeof fakeApiServer>[0]) {
  const s = await fakeApiServer(handler);
  cleanups.push(s.close);
  return s;
}

async function firstLineOf(server: string, timeoutMs = 2000): Promise<string> {
  const client = clientFor(server, timeoutMs);
  try {
    await client.get('/api/v1/namespaces/default/pods');
    return 'no error';
  } catch (err) {
    const cli = toCliError(err, resolvedFor(server).target);
    return cli ? cli.message : `unmapped: ${String(err)}`;
  } finally {
    client.close();
  }
}

describe('KubeClient', () => {
  it('follows continue tokens and sends the bearer token, limit and impersonation', async () => {
    const seen: Array<{ url: string; auth?: string; imp?: string | string[] }> = [];
    const s = await serve((req, res) => {
      seen.push({ url: req.url!, auth: req.headers.authorization, imp: req.headers['impersonate-group'] });
      const page2 = req.url!.includes('continue=t2');
      res.end(
        JSON.stringify({
          items: page2 ? [{ n: 3 }] : [{ n: 1 }, { n: 2 }],
          metadata: { continue: page2 ? '' : 't2', resourceVersion: '7' },
        }),
      );
    });
    const client = clientFor(s.url);
    const { items, resourceVersion } = await client.list<{ n: number }>('/api/v1/pods', { limit: 2 });
    client.close();
    expect(items.map((i) => i.n)).toEqual([1, 2, 3]);
    expect(resourceVersion).toBe('7');
    expect(seen[0]!.url).toBe('/api/v1/pods?limit=2');
    expect(seen[1]!.url).toBe('/api/v1/pods?limit=2&continue=t2');
    expect(seen[0]!.auth).toBe('Bearer unit-test-token');
  });

  it('maps each page as it arrives, keeping only what the map returns', async () => {
    const s = await serve((req, res) => {
      const page2 = req.url!.includes('continue=t2');
      res.end(
        JSON.stringify({
          items: page2
            ? [{ n: 3, data: 'x' }]
            : [
                { n: 1, data: 'x' },
                { n: 2, data: 'x' },
              ],
          metadata: { continue: page2 ? '' : 't2' },
        }),
      );
    });
    const client = clientFor(s.url);
    const seen: number[] = [];
    const { items } = await client.list<{ n: number; data: string }, number>('/api/v1/secrets', {
      limit: 2,
      map: (item) => {
        seen.push(client.roundTrips);
        return item.n;
      },
    });
    client.close();
    expect(items).toEqual([1, 2, 3]);
    expect(seen).toEqual([1, 1, 2]); // items of the first page were mapped before the second was fetched
  });

  it('retries a GET on 503 and 429, then succeeds', async () => {
    let n = 0;
    const s = await serve((_req, res) => {
      n++;
      if (n === 1) return status(res, 503, 'ServiceUnavailable', 'try later');
      if (n === 2) {
        res.setHeader('Retry-After', '0');
        return status(res, 429, 'TooManyRequests', 'slow down');
      }
      res.end('{"ok":true}');
    });
    const client = clientFor(s.url);
    await expect(client.get('/x')).resolves.toEqual({ ok: true });
    client.close();
    expect(client.roundTrips).toBe(3);
  });

  it('does not retry a POST on 503', async () => {
    const s = await serve((_req, res) => status(res, 503, 'ServiceUnavailable', 'down'));
    const client = clientFor(s.url);
    await expect(client.create('/x', {})).rejects.toBeInstanceOf(KubeApiError);
    client.close();
    expect(s.requests).toHaveLength(1);
  });

  it('logs request lines at -v=6 without bodies', async () => {
    const s = await serve((_req, res) => res.end('{"data":{"password":"c2VjcmV0"}}'));
    const log: string[] = [];
    const client = clientFor(s.url, 2000, log);
    await client.get('/api/v1/namespaces/a/secrets/b');
    client.close();
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/namespaces\/a\/secrets\/b 200 in \d+ ms$/);
    expect(log.join('\n')).not.toContain('c2VjcmV0');
  });
});

describe('API and network errors become one error line', () => {
  it('401 Unauthorized', async () => {
    const s = await serve((_req, res) => status(res, 401, 'Unauthorized', 'Unauthorized'));
    expect(await firstLineOf(s.url)).toBe(
      `unauthorized: the API server at ${s.url} (context "test") rejected the credentials of user "tester"; log in again or refresh the token`,
    );
  });

  it('403 Forbidden keeps the server message', async () => {
    const msg = 'pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default"';
    const s = await serve((_req, res) => status(res, 403, 'Forbidden', msg));
    expect(await firstLineOf(s.url)).toBe(
      `forbidden: ${msg} (${s.url} (context "test")); ask for that permission or run as someone who has it (--as)`,
    );
  });

  it('404 Not Found', async () => {
    const s = await serve((_req, res) =>
      status(res, 404, 'NotFound', 'the server could not find the requested resource'),
    );
    expect(await firstLineOf(s.url)).toBe(
      `not found: the server could not find the requested resource (${s.url} (context "test"))`,
    );
  });

  it('500 with a body that is not a Status: the body is never quoted', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('boom c2VjcmV0LXZhbHVl');
    });
    expect(await firstLineOf(s.url)).toBe(
      `the API server at ${s.url} (context "test") answered 500 Internal Server Error: Internal Server Error (a 21-byte text/plain body that is not a Kubernetes Status)`,
    );
  });

  it('a truncated answer never quotes the body in its error', async () => {
    const s = await serve((_req, res) => res.end('{"kind":"Secret","data":{"password":"c2VjcmV0LXZhbHVl'));
    const client = clientFor(s.url);
    const err = (await client.get('/api/v1/namespaces/a/secrets/b').catch((e: unknown) => e)) as Error;
    client.close();
    expect(err.message).toBe(
      "the API server's answer to GET /api/v1/namespaces/a/secrets/b is not valid JSON (53 bytes)",
    );
    expect(String(err.stack)).not.toContain('c2VjcmV0');
  });

  it('timeout', async () => {
    const s = await serve(() => {
      /* never answers */
    });
    expect(await firstLineOf(s.url, 300)).toBe(
      `request timed out after 0.3s talking to ${s.url} (context "test"); check the network or raise --request-timeout`,
    );
  });

  it('connection refused', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}`;
    expect(await firstLineOf(url)).toBe(
      `cannot reach the API server at ${url} (context "test"): connection refused; is the cluster running and the kubeconfig current?`,
    );
  });

  it('an exec credential plugin that is missing or fails: one line naming the user and the plugin, not an internal error', async () => {
    const s = await serve((_req, res) => res.end('{}'));
    const withPlugin = (command: string, args: string[]) => {
      const file = join(mkdtempSync(join(tmpdir(), 'kc-exec-')), 'config');
      const exec = { apiVersion: 'client.authentication.k8s.io/v1', command, args, interactiveMode: 'Never' };
      writeFileSync(
        file,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          'current-context': 'test',
          clusters: [{ name: 'test', cluster: { server: s.url } }],
          users: [{ name: 'eks-user', user: { exec } }],
          contexts: [{ name: 'test', context: { cluster: 'test', user: 'eks-user' } }],
        }),
      );
      return file;
    };
    const missing = await runCli(['exposure', '-A'], { kubeconfig: withPlugin('no-such-credential-plugin', []) });
    expect([missing.code, missing.stderr]).toEqual([
      1,
      'error: cannot get the credentials of user "eks-user" (context "test"): its exec plugin "no-such-credential-plugin" was not found: install it, or fix the command in the kubeconfig\n',
    ]);
    const failing = await runCli(['exposure', '-A'], {
      kubeconfig: withPlugin('sh', ['-c', 'echo "token expired: run aws sso login" >&2; exit 3']),
    });
    expect([failing.code, failing.stderr]).toEqual([
      1,
      'error: cannot get the credentials of user "eks-user" (context "test"): its exec plugin "sh" failed: token expired: run aws sso login\n',
    ]);
    const silent = await runCli(['exposure', '-A'], { kubeconfig: withPlugin('false', []) });
    expect(silent.stderr).toBe(
      'error: cannot get the credentials of user "eks-user" (context "test"): its exec plugin "false" failed\n',
    );
    // A raw token printed where an ExecCredential belongs (gcloud auth print-access-token as the command): JSON.parse's
    // message quotes the start of it; -v's stack trace shows the causes.
    const token = 'ya29.a0AfB_byCANARYtokenVALUE';
    for (const verbosity of [[], ['-v=1']]) {
      const raw = await runCli(['exposure', '-A', ...verbosity], { kubeconfig: withPlugin('echo', [token]) });
      expect(raw.stderr.split('\n')[0]).toBe(
        'error: cannot get the credentials of user "eks-user" (context "test"): its exec plugin "echo" failed: it did not print an ExecCredential (JSON) on its standard output',
      );
      expect(raw.stderr + raw.stdout).not.toMatch(/ya29|CANARY/);
    }
  });

  it("a missing exec plugin: the kubeconfig's installHint says how to install it, as kubectl shows it", async () => {
    const s = await serve((_req, res) => res.end('{}'));
    const file = join(mkdtempSync(join(tmpdir(), 'kc-exec-')), 'config');
    const hint =
      'Install gke-gcloud-auth-plugin for use with kubectl by following\nhttps://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin';
    const exec = {
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      command: 'gke-gcloud-auth-plugin-missing',
      installHint: hint,
      provideClusterInfo: true,
    };
    writeFileSync(
      file,
      JSON.stringify({
        'current-context': 'gke',
        clusters: [{ name: 'gke', cluster: { server: s.url } }],
        users: [{ name: 'gke-user', user: { exec } }],
        contexts: [{ name: 'gke', context: { cluster: 'gke', user: 'gke-user' } }],
      }),
    );
    const r = await runCli(['exposure', '-A'], { kubeconfig: file });
    expect([r.code, r.stderr]).toEqual([
      1,
      'error: cannot get the credentials of user "gke-user" (context "gke"): its exec plugin "gke-gcloud-auth-plugin-missing" was not found: Install gke-gcloud-auth-plugin for use with kubectl by following https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin\n',
    ]);
  });

  it('an exec plugin gets no standard input and KUBERNETES_EXEC_INFO, as kubectl runs it: one that reads stdin never hangs', async () => {
    const s = await serve((req, res) => {
      res.writeHead(req.headers.authorization === 'Bearer from-plugin' ? 200 : 401, {
        'Content-Type': 'application/json',
      });
      res.end('{"kind":"NamespaceList","items":[]}');
    });
    const dir = mkdtempSync(join(tmpdir(), 'kc-exec-'));
    const credential =
      '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-plugin"}}';
    // a plugin that prompts (an expired SSO login): end of input at once, as kubectl gives it, or it waits 3s and fails
    const script = `read -t 3 -r answer; [ $? -gt 128 ] && { echo "still waiting for input" >&2; exit 1; }; printf '%s' "$KUBERNETES_EXEC_INFO" > '${dir}/info'; echo '${credential}'`;
    const file = join(dir, 'config');
    writeFileSync(
      file,
      JSON.stringify({
        'current-context': 'test',
        clusters: [
          {
            name: 'test',
            cluster: {
              server: s.url,
              'tls-server-name': 'api.example',
              'certificate-authority-data': 'Q0E=',
              extensions: [{ name: 'client.authentication.k8s.io/exec', extension: { audience: 'prod' } }],
            },
          },
        ],
        users: [
          {
            name: 'plain',
            user: {
              exec: {
                apiVersion: 'client.authentication.k8s.io/v1',
                command: 'bash',
                args: ['-c', script],
                interactiveMode: 'Never',
              },
            },
          },
          {
            name: 'cluster-info',
            user: {
              exec: {
                apiVersion: 'client.authentication.k8s.io/v1beta1',
                command: 'bash',
                args: ['-c', script],
                provideClusterInfo: true,
              },
            },
          },
        ],
        contexts: [
          { name: 'test', context: { cluster: 'test', user: 'plain' } },
          { name: 'info', context: { cluster: 'test', user: 'cluster-info' } },
        ],
      }),
    );
    const r = await runCli(['exposure', '-A', '-o', 'name'], { kubeconfig: file });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(JSON.parse(readFileSync(join(dir, 'info'), 'utf8'))).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      spec: { interactive: false },
    });
    const withInfo = await runCli(['exposure', '-A', '-o', 'name', '--context', 'info'], { kubeconfig: file });
    expect(withInfo.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'info'), 'utf8'))).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      kind: 'ExecCredential',
      spec: {
        interactive: false,
        cluster: {
          server: s.url,
          'tls-server-name': 'api.example',
          'certificate-authority-data': 'Q0E=',
          config: { audience: 'prod' },
        },
      },
    });
  });

  it('isForbidden recognises 403', async () => {
    const s = await serve((_req, res) => status(res, 403, 'Forbidden', 'no'));
    const client = clientFor(s.url);
    const err = await client.get('/x').catch((e: unknown) => e);
    client.close();
    expect(isForbidden(err)).toBe(true);
  });
});

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
