// Produces audit-log traffic on a cluster seeded with scenario.yaml: Secret
// reads by several users, denied attempts, an impersonated read and a
// ServiceAccount read. Prints one line per request (never a Secret value).
//   node test/cluster/demo/traffic.mjs [CLUSTER_DIR]
// CLUSTER_DIR defaults to $KUBECTL_SECRETS_TEST_CLUSTER, else the only running cluster.
import {
  apiRequest,
  isRunning,
  listClusters,
  loadCluster,
  makeUserKubeconfig,
  serviceAccountKubeconfig,
} from '../cluster.mjs';

async function findCluster() {
  const dir = process.argv[2] ?? process.env.KUBECTL_SECRETS_TEST_CLUSTER;
  if (dir) return loadCluster(dir);
  const running = (await listClusters()).filter(isRunning);
  if (running.length !== 1) throw new Error(`${running.length} clusters running: name one (test/cluster/cli.mjs list)`);
  return running[0];
}

const secrets = (ns, name = '') => `/api/v1/${ns ? `namespaces/${ns}/` : ''}secrets${name ? `/${name}` : ''}`;

async function main() {
  const cluster = await findCluster();
  const as = (user, groups) => makeUserKubeconfig(cluster, { user, groups });
  const alice = await as('alice', ['shop-devs']);
  const carol = await as('carol', ['payments-devs']);
  const grace = await as('grace', ['security-team']);
  const mallory = await as('mallory');
  const frank = await as('frank', ['support']);
  const paymentsApi = await serviceAccountKubeconfig(cluster, 'payments', 'payments-api');

  /** @type {[string, string, string, Record<string, string>?][]} who, kubeconfig, path, headers */
  const requests = [
    ['alice', alice, secrets('shop')],
    ['alice', alice, secrets('shop', 'db-credentials')],
    ['alice', alice, secrets('shop', 'shop-tls')],
    ['alice', alice, secrets('payments', 'payments-db')],
    ['carol', carol, secrets('payments', 'stripe-api-key')],
    ['carol', carol, secrets('payments', 'payments-db')],
    ['grace', grace, secrets('')],
    ['grace', grace, secrets('monitoring', 'grafana-admin')],
    ['mallory', mallory, secrets('shop', 'db-credentials')],
    ['mallory', mallory, secrets('payments')],
    ['frank as alice', frank, secrets('shop', 'db-credentials'), { 'Impersonate-User': 'alice' }],
    ['frank as grace', frank, secrets('monitoring', 'grafana-admin'), { 'Impersonate-User': 'grace' }],
    ['payments/payments-api', paymentsApi, secrets('payments', 'payments-db')],
  ];
  for (const [who, kubeconfig, path, headers] of requests) {
    const { status } = await apiRequest(kubeconfig, 'GET', path, { headers });
    console.log(`${status === 200 ? 'allowed' : 'denied '} ${status}  ${who.padEnd(22)} GET ${path}`);
  }
}

main().catch((e) => {
  console.error(`error: demo traffic: ${e.message}`);
  process.exit(1);
});
