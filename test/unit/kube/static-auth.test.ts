// Users without plugins are authenticated without loading client-node: the options must be
// exactly those client-node's applyToHTTPSOptions sets for the same kubeconfig entries.
import { mkdtempSync, writeFileSync } from 'node:fs';
import type https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { newClusters, newUsers } from '@kubernetes/client-node/dist/config_types.js';
import { describe, expect, it } from 'vitest';
import type { ResolvedKubeconfig } from '../../../src/kube/kubeconfig.js';
import { staticAuthOptions } from '../../../src/kube/static-auth.js';
import { CliError } from '../../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'static-auth-'));
const file = (name: string, content: string) => {
  writeFileSync(join(dir, name), content);
  return join(dir, name);
};
const b64 = (s: string) => Buffer.from(s).toString('base64');

function resolved(cluster: Record<string, unknown>, user: Record<string, unknown>): ResolvedKubeconfig {
  const server = 'https://127.0.0.1:6443';
  return {
    target: { contextName: 'c', clusterName: 'c', userName: 'u', server, namespace: 'default', sources: [] },
    cluster: { name: 'c', cluster: { server, ...cluster } },
    user: { name: 'u', user },
    inCluster: false,
  };
}

async function viaClientNode(r: ResolvedKubeconfig): Promise<https.RequestOptions> {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: newClusters([r.cluster]),
    users: newUsers([r.user]),
    contexts: [{ name: 't', cluster: r.cluster.name, user: r.user.name }],
    currentContext: 't',
  });
  const opts: https.RequestOptions = { headers: {} };
  await config.applyToHTTPSOptions(opts);
  return opts;
}

const CASES: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
  [
    'client certificate files and a CA file',
    { 'certificate-authority': file('ca.crt', 'CA PEM') },
    { 'client-certificate': file('c.crt', 'CERT PEM'), 'client-key': file('c.key', 'KEY PEM') },
  ],
  [
    'inline data',
    { 'certificate-authority-data': b64('CA') },
    { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') },
  ],
  [
    'a token, TLS checks off, a server name',
    { 'insecure-skip-tls-verify': true, 'tls-server-name': 'api.example' },
    { token: 'abc' },
  ],
  ['a token file', {}, { 'token-file': file('token', 'from-file') }],
  ['basic auth and as', {}, { username: 'alice', password: 'pw', as: 'bob' }],
  ['nothing', {}, {}],
];

describe('staticAuthOptions', () => {
  for (const [name, cluster, user] of CASES) {
    it(`matches client-node: ${name}`, async () => {
      const r = resolved(cluster, user);
      const expected = await viaClientNode(r);
      const actual = staticAuthOptions(r);
      expect(actual).toBeDefined();
      const pick = (o: https.RequestOptions) => ({
        ca: o.ca?.toString(),
        cert: o.cert?.toString(),
        key: o.key?.toString(),
        rejectUnauthorized: o.rejectUnauthorized,
        servername: o.servername,
        auth: o.auth,
        headers: o.headers,
      });
      expect(pick(actual!)).toEqual(pick(expected));
    });
  }

  it('a file it cannot read is an error that names the field, the file and the user', () => {
    const missing = join(dir, 'missing.crt');
    const r = resolved({}, { 'client-certificate': missing, 'client-key': file('k.key', 'KEY') });
    expect(() => staticAuthOptions(r)).toThrow(CliError);
    expect(() => staticAuthOptions(r)).toThrow(
      `cannot read client-certificate ${missing} of user "u" in the kubeconfig: no such file or directory`,
    );
  });

  it('as kubectl: a password may be empty, tokens are trimmed, as-groups, as-uid and as-user-extra impersonate', () => {
    expect(staticAuthOptions(resolved({}, { username: 'alice' }))!.auth).toBe('alice:');
    expect(staticAuthOptions(resolved({}, { token: 'abc\n' }))!.headers).toEqual({ Authorization: 'Bearer abc' });
    const tokenFile = file('token-nl', 'from-file\n');
    expect(staticAuthOptions(resolved({}, { 'token-file': tokenFile }))!.headers).toEqual({
      Authorization: 'Bearer from-file',
    });
    const user = {
      as: 'bob',
      'as-groups': ['readers', 'ops'],
      'as-uid': '42',
      'as-user-extra': { scopes: ['a', 'b'] },
    };
    expect(staticAuthOptions(resolved({}, user))!.headers).toEqual({
      'Impersonate-User': 'bob',
      'Impersonate-Group': ['readers', 'ops'],
      'Impersonate-Uid': '42',
      'Impersonate-Extra-scopes': ['a', 'b'],
    });
  });

  it('a token and a username in one user is refused, as kubectl refuses it', () => {
    expect(() => staticAuthOptions(resolved({}, { token: 'abc', username: 'alice', password: 'pw' }))).toThrow(
      'user "u" in the kubeconfig has more than one authentication method (token, basic auth): only one is allowed',
    );
  });

  it('leaves exec plugins and auth-providers to client-node', () => {
    expect(
      staticAuthOptions(resolved({}, { exec: { command: 'x', apiVersion: 'client.authentication.k8s.io/v1' } })),
    ).toBeUndefined();
    expect(staticAuthOptions(resolved({}, { 'auth-provider': { name: 'oidc', config: {} } }))).toBeUndefined();
  });
});
