// Seeds a running cluster with the demo scenario: scenario.yaml (namespaces
// shop, payments, monitoring; Secrets, consumers, RBAC), a real self-signed
// TLS Secret (made here so no key sits in the repository), Deployments
// available, and audit traffic by several users (traffic.mjs).
//   node test/cluster/demo/seed.mjs CLUSTER_DIR
// Used by scripts/demo and by the test that runs every --help example.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadCluster } from '../cluster.mjs';

const here = import.meta.dirname;

/** @param {{binDir: string, kubeconfig: string, dir: string}} cluster */
export function seedDemo(cluster) {
  const env = { ...process.env, KUBECONFIG: cluster.kubeconfig };
  const kubectl = (args, input) =>
    execFileSync(join(cluster.binDir, 'kubectl'), args, { env, input, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
  const scenario = join(here, 'scenario.yaml');
  try {
    kubectl(['apply', '-f', scenario]);
  } catch {
    kubectl(['apply', '-f', scenario]); // objects in namespaces the first pass created
  }
  const tls = mkdtempSync(join(tmpdir(), 'demo-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '30',
        '-subj',
        '/CN=shop.example.com',
        '-keyout',
        join(tls, 'tls.key'),
        '-out',
        join(tls, 'tls.crt'),
      ],
      { stdio: 'ignore' },
    );
    const secret = kubectl([
      '-n',
      'shop',
      'create',
      'secret',
      'tls',
      'shop-tls',
      `--cert=${join(tls, 'tls.crt')}`,
      `--key=${join(tls, 'tls.key')}`,
      '--dry-run=client',
      '-o',
      'yaml',
    ]);
    kubectl(['apply', '-f', '-'], secret);
  } finally {
    rmSync(tls, { recursive: true, force: true });
  }
  for (const ns of ['shop', 'payments']) {
    kubectl(['wait', '--for=condition=Available', 'deployment', '--all', '-n', ns, '--timeout=90s']);
  }
  execFileSync(process.execPath, [join(here, 'traffic.mjs'), cluster.dir], { stdio: 'ignore' });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node test/cluster/demo/seed.mjs CLUSTER_DIR');
    process.exit(2);
  }
  seedDemo(await loadCluster(dir));
}
