import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realKubeconfigEnv, resolveKubeconfig, type KubeconfigEnv } from '../../../src/kube/kubeconfig.js';
import { CliError } from '../../../src/errors.js';

/** A file given as an Error exists but cannot be read (permission denied, a directory). */
function host(files: Record<string, string | Error>, env: NodeJS.ProcessEnv = {}): KubeconfigEnv {
  return {
    env,
    homedir: '/home/u',
    readFile: (f) => {
      const text = files[f];
      if (text instanceof Error) throw text;
      return text;
    },
  };
}

const config = (name: string, server: string, extra = '') => `
apiVersion: v1
kind: Config
current-context: ${name}
clusters:
- name: ${name}
  cluster:
    server: ${server}
    certificate-authority: certs/ca.crt
users:
- name: ${name}-user
  user:
    client-certificate: certs/${name}.crt
    client-key: /abs/${name}.key
contexts:
- name: ${name}
  context:
    cluster: ${name}
    user: ${name}-user
${extra}`;

describe('realKubeconfigEnv', () => {
  it('reads a missing file as none, and throws for one that exists but cannot be read', () => {
    const { readFile } = realKubeconfigEnv({});
    const dir = mkdtempSync(join(tmpdir(), 'kc-dir-'));
    expect(readFile(join(dir, 'missing'))).toBeUndefined();
    expect(readFile(join(dir, 'missing', 'below'))).toBeUndefined();
    expect(() => readFile(dir)).toThrow(/EISDIR/);
  });
});

describe('resolveKubeconfig', () => {
  it('reads ~/.kube/config and defaults the namespace to "default"', () => {
    const r = resolveKubeconfig({}, host({ '/home/u/.kube/config': config('dev', 'https://dev:6443') }));
    expect(r.target).toMatchObject({
      contextName: 'dev',
      server: 'https://dev:6443',
      namespace: 'default',
      userName: 'dev-user',
    });
  });

  it('a server without a scheme gets the one client-go gives it: https with TLS settings, else http', () => {
    const resolve = (server: string, tls: boolean) =>
      resolveKubeconfig(
        {},
        host({
          '/home/u/.kube/config': tls
            ? config('dev', server)
            : config('dev', server).replace(/^ *(certificate-authority|client-certificate|client-key):.*\n/gm, ''),
        }),
      ).target.server;
    expect(resolve('10.0.0.1:6443', true)).toBe('https://10.0.0.1:6443');
    expect(resolve('my-host:6443', true)).toBe('https://my-host:6443');
    expect(resolve('localhost:8080', false)).toBe('http://localhost:8080');
    expect(resolve('https://dev:6443', false)).toBe('https://dev:6443');
  });

  it("refuses a context's namespace that is no DNS label (.. would change every request's path), as -n is refused", () => {
    const file = config('dev', 'https://dev:6443').replace('  context:\n', '  context:\n    namespace: ..\n');
    expect(file).toContain('namespace: ..');
    expect(() => resolveKubeconfig({}, host({ '/home/u/.kube/config': file }))).toThrow(
      /^context "dev" in kubeconfig \/home\/u\/\.kube\/config has an invalid namespace "\.\.": a lowercase DNS label such as prod$/,
    );
    expect(resolveKubeconfig({ namespace: 'prod' }, host({ '/home/u/.kube/config': file })).target.namespace).toBe(
      'prod',
    );
  });

  it('resolves relative paths against the file that holds them', () => {
    const r = resolveKubeconfig({}, host({ '/home/u/.kube/config': config('dev', 'https://dev:6443') }));
    expect((r.cluster.cluster as Record<string, string>)['certificate-authority']).toBe('/home/u/.kube/certs/ca.crt');
    expect((r.user.user as Record<string, string>)['client-certificate']).toBe('/home/u/.kube/certs/dev.crt');
    expect((r.user.user as Record<string, string>)['client-key']).toBe('/abs/dev.key');
  });

  it('merges several KUBECONFIG files: the first to define a name or current-context wins', () => {
    const files = {
      '/a/one.yaml': config('one', 'https://one:6443'),
      '/b/two.yaml': `${config('two', 'https://two:6443')}\n`,
      '/c/dup.yaml': config('one', 'https://evil:6443'),
    };
    const env = { KUBECONFIG: '/a/one.yaml:/missing.yaml:/b/two.yaml:/c/dup.yaml' };
    const r = resolveKubeconfig({}, host(files, env));
    expect(r.target).toMatchObject({ contextName: 'one', server: 'https://one:6443' });
    expect(r.target.sources).toEqual(['/a/one.yaml', '/b/two.yaml', '/c/dup.yaml']);
    const two = resolveKubeconfig({ context: 'two' }, host(files, env));
    expect(two.target.server).toBe('https://two:6443');
    expect((two.cluster.cluster as Record<string, string>)['certificate-authority']).toBe('/b/certs/ca.crt');
  });

  it('takes the namespace from the context, and -n over it', () => {
    const text = config('dev', 'https://dev:6443').replace(
      '    user: dev-user',
      '    user: dev-user\n    namespace: team',
    );
    const files = { '/home/u/.kube/config': text };
    expect(resolveKubeconfig({}, host(files)).target.namespace).toBe('team');
    expect(resolveKubeconfig({ namespace: 'prod' }, host(files)).target.namespace).toBe('prod');
  });

  it('honours --cluster and --user over the context', () => {
    const files = {
      '/x/a': config('dev', 'https://dev:6443'),
      '/x/b': config('prod', 'https://prod:6443'),
    };
    const r = resolveKubeconfig({ cluster: 'prod', user: 'prod-user' }, host(files, { KUBECONFIG: '/x/a:/x/b' }));
    expect(r.target).toMatchObject({
      contextName: 'dev',
      clusterName: 'prod',
      userName: 'prod-user',
      server: 'https://prod:6443',
    });
  });

  it('uses --kubeconfig alone, ignoring KUBECONFIG', () => {
    const files = {
      '/k/flag.yaml': config('flag', 'https://flag:6443'),
      '/k/env.yaml': config('env', 'https://env:6443'),
    };
    const r = resolveKubeconfig({ kubeconfig: '/k/flag.yaml' }, host(files, { KUBECONFIG: '/k/env.yaml' }));
    expect(r.target.contextName).toBe('flag');
  });

  it('falls back to the in-cluster service account', () => {
    const files = {
      '/var/run/secrets/kubernetes.io/serviceaccount/token': 'tok',
      '/var/run/secrets/kubernetes.io/serviceaccount/namespace': 'app\n',
    };
    const r = resolveKubeconfig(
      {},
      host(files, { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }),
    );
    expect(r.inCluster).toBe(true);
    expect(r.target).toMatchObject({ server: 'https://10.0.0.1:443', namespace: 'app', contextName: 'in-cluster' });
  });

  const failures: Array<[string, () => unknown, RegExp]> = [
    [
      'no kubeconfig at all',
      () => resolveKubeconfig({}, host({})),
      /^no kubeconfig found \(looked in \/home\/u\/\.kube\/config and the in-cluster service account\)/,
    ],
    [
      'KUBECONFIG naming only missing files',
      () => resolveKubeconfig({}, host({}, { KUBECONFIG: '/nope/a:/nope/b' })),
      /^no kubeconfig found \(looked in KUBECONFIG=\/nope\/a:\/nope\/b/,
    ],
    [
      'a KUBECONFIG file that exists but cannot be read (kubectl: error loading config file), never the next one instead',
      () =>
        resolveKubeconfig(
          {},
          host(
            {
              '/etc/prod.yaml': Object.assign(new Error('EACCES: permission denied, open'), { code: 'EACCES' }),
              '/home/u/dev.yaml': config('dev', 'https://dev'),
            },
            { KUBECONFIG: '/etc/prod.yaml:/home/u/dev.yaml' },
          ),
        ),
      /^cannot read kubeconfig \/etc\/prod\.yaml \(from KUBECONFIG\): EACCES: permission denied, open$/,
    ],
    [
      '--kubeconfig missing',
      () => resolveKubeconfig({ kubeconfig: '/nope.yaml' }, host({})),
      /^kubeconfig \/nope\.yaml \(from --kubeconfig\) does not exist/,
    ],
    [
      'broken YAML',
      () => resolveKubeconfig({}, host({ '/home/u/.kube/config': 'clusters: [\n  - name: x\n   bad' })),
      /^kubeconfig \/home\/u\/\.kube\/config is not valid YAML at line \d+/,
    ],
    [
      'not a mapping',
      () => resolveKubeconfig({}, host({ '/home/u/.kube/config': '- 1\n- 2\n' })),
      /is not a kubeconfig/,
    ],
    [
      'a server that is not a URL',
      () => resolveKubeconfig({}, host({ '/home/u/.kube/config': config('dev', '"dev cluster"') })),
      /^cluster "dev" in kubeconfig \/home\/u\/\.kube\/config has a server that is not a URL: "dev cluster"$/,
    ],
    [
      'unknown context',
      () => resolveKubeconfig({ context: 'nope' }, host({ '/home/u/.kube/config': config('dev', 'https://dev') })),
      /^context "nope" not found in kubeconfig \/home\/u\/\.kube\/config$/,
    ],
    [
      'no current-context',
      () =>
        resolveKubeconfig(
          {},
          host({ '/home/u/.kube/config': config('dev', 'https://dev').replace('current-context: dev', '') }),
        ),
      /has no current-context; pass --context/,
    ],
    [
      'an unknown --user (kubectl: auth info "x" does not exist), never the anonymous user in its place',
      () => resolveKubeconfig({ user: 'nope' }, host({ '/home/u/.kube/config': config('dev', 'https://dev') })),
      /^user "nope" not found in kubeconfig \/home\/u\/\.kube\/config$/,
    ],
    [
      'context pointing at a missing cluster',
      () =>
        resolveKubeconfig(
          { cluster: 'ghost', user: 'x' },
          host({ '/home/u/.kube/config': config('dev', 'https://dev') }),
        ),
      /^cluster "ghost" not found/,
    ],
  ];
  it.each(failures)('%s gives a one-line CliError', (_name, run, message) => {
    let caught: unknown;
    try {
      run();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CliError);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).not.toContain('\n');
  });
});

describe("kubectl's override flags (--server, --token, --certificate-authority...)", () => {
  const home = { '/home/u/.kube/config': config('dev', 'https://dev:6443') };

  it('--server and --token alone, with no kubeconfig at all, as kubectl takes them', () => {
    const r = resolveKubeconfig({ server: 'https://10.0.0.1:6443', token: 't0ken', namespace: 'shop' }, host({}));
    expect(r.target).toMatchObject({ server: 'https://10.0.0.1:6443', namespace: 'shop', sources: ['flags'] });
    expect(r.cluster.cluster).toEqual({ server: 'https://10.0.0.1:6443' });
    expect(r.user.user).toEqual({ token: 't0ken' });
  });

  it('over the context chosen: the server, a CA file instead of the CA data, a token instead of the plugin', () => {
    const withData = config('dev', 'https://dev:6443').replace(
      'certificate-authority: certs/ca.crt',
      'certificate-authority-data: Zm9v',
    );
    const plugin = `${withData.replace(/ {4}client-certificate: .*\n {4}client-key: .*\n/, '    exec: {command: aws}\n')}`;
    const r = resolveKubeconfig(
      { server: 'https://other:443', certificateAuthority: '/ca.pem', token: 'abc', tlsServerName: 'api' },
      host({ '/home/u/.kube/config': plugin }),
    );
    expect(r.target).toMatchObject({ contextName: 'dev', server: 'https://other:443' });
    expect(r.cluster.cluster).toEqual({
      server: 'https://other:443',
      'certificate-authority': '/ca.pem',
      'tls-server-name': 'api',
    });
    expect(r.user.user).toEqual({ token: 'abc' });
  });

  it('--insecure-skip-tls-verify alone drops the CA; with --certificate-authority it is refused, as in kubectl', () => {
    const r = resolveKubeconfig({ insecureSkipTlsVerify: true }, host(home));
    expect(r.cluster.cluster).toEqual({ server: 'https://dev:6443', 'insecure-skip-tls-verify': true });
    expect(() => resolveKubeconfig({ insecureSkipTlsVerify: true, certificateAuthority: '/ca' }, host(home))).toThrow(
      '--certificate-authority and --insecure-skip-tls-verify cannot be given together (as in kubectl)',
    );
  });

  it('client certificate files replace the kubeconfig user’s; a --server that is no URL is an error', () => {
    const r = resolveKubeconfig({ clientCertificate: '/me.crt', clientKey: '/me.key' }, host(home));
    expect(r.user.user).toEqual({ 'client-certificate': '/me.crt', 'client-key': '/me.key' });
    expect(() => resolveKubeconfig({ server: 'a b' }, host(home))).toThrow(CliError);
  });

  it('without --server and a kubeconfig, still the error that says where it looked', () => {
    expect(() => resolveKubeconfig({ token: 'abc' }, host({}))).toThrow(/no kubeconfig found/);
  });
});
