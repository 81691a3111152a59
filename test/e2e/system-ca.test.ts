// A kubeconfig that names no certificate authority: kubectl (client-go) then trusts the system's CAs (on
// Linux, SSL_CERT_FILE or /etc/ssl), such as a company CA installed there; so must the tool.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCluster } from '../harness/cluster.js';
import { ensureBinary, runBuilt } from '../harness/runCli.js';

let kubeconfig: string;
let caFile: string;

beforeAll(() => {
  ensureBinary();
  const config = yaml.load(readFileSync(useCluster().kubeconfig, 'utf8')) as any;
  const cluster = config.clusters[0].cluster;
  caFile = cluster['certificate-authority'];
  delete cluster['certificate-authority'];
  delete cluster['certificate-authority-data'];
  kubeconfig = join(mkdtempSync(join(tmpdir(), 'system-ca-')), 'config');
  writeFileSync(kubeconfig, yaml.dump(config));
});

const exposure = (env: Record<string, string>) =>
  runBuilt(['exposure', '-n', 'default', '-o', 'json'], { binary: true, kubeconfig, env });

describe('a kubeconfig without certificate-authority', () => {
  it("trusts the system's CAs, as kubectl does", async () => {
    const r = await exposure({ SSL_CERT_FILE: caFile });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('still refuses a server no trusted CA signed', async () => {
    const r = await exposure({});
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: TLS error talking to /);
  });
});
