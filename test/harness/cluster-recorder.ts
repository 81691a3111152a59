// Watches the cluster for the whole e2e run and records every object the tool
// wrote (a managedFields entry of its field manager, "kubectl-secrets"), as it
// was after each write, into the run directory: namespaces are deleted by the
// tests, the record stays for the final canary scan. A Secret's data is left
// out (a new version holds its new value by design); its metadata, annotations
// and managedFields included, are kept. Annotations and labels that no
// "kubectl-secrets" field manager owns were written by someone else (a test's
// `kubectl apply` leaves its last-applied-configuration, value included, on
// the Secret it rotates): they are left out too.
import { appendFileSync, readFileSync } from 'node:fs';
import { request, type RequestOptions } from 'node:https';
import type { ClientRequest } from 'node:http';
import { join } from 'node:path';
import type { Cluster } from './cluster.js';

const TOOL_MANAGER = /^kubectl-secrets/;
/** Watch events name the kind of their objects; a Secret also always has a type. */
const isSecret = (o: { kind?: string; type?: string }): boolean => o.kind === 'Secret' || typeof o.type === 'string';

/** Every kind the tool writes. */
const WATCHED = [
  '/api/v1/secrets',
  '/api/v1/configmaps',
  '/api/v1/pods',
  '/api/v1/serviceaccounts',
  '/apis/apps/v1/deployments',
  '/apis/apps/v1/statefulsets',
  '/apis/apps/v1/daemonsets',
  '/apis/batch/v1/cronjobs',
  '/apis/coordination.k8s.io/v1/leases',
];

interface ManagedFields {
  manager?: string;
  fieldsV1?: { 'f:metadata'?: Record<string, Record<string, unknown> | undefined> };
}

/** The object with only the annotations and labels some of the tool's field managers own. */
function withToolMetadataOnly(object: any, tool: ManagedFields[]): any {
  const owned = (map: 'f:annotations' | 'f:labels', key: string): boolean =>
    tool.some((f) => f.fieldsV1?.['f:metadata']?.[map]?.[`f:${key}`] !== undefined);
  const keep = (values: Record<string, string> | undefined, map: 'f:annotations' | 'f:labels') =>
    values && Object.fromEntries(Object.entries(values).filter(([key]) => owned(map, key)));
  const metadata = object.metadata ?? {};
  return {
    ...object,
    metadata: {
      ...metadata,
      annotations: keep(metadata.annotations, 'f:annotations'),
      labels: keep(metadata.labels, 'f:labels'),
    },
  };
}

interface AdminKubeconfig {
  clusters: Array<{ cluster: { server: string; 'certificate-authority': string } }>;
  users: Array<{ user: { 'client-certificate': string; 'client-key': string } }>;
}

export interface ClusterRecorder {
  /** Objects recorded so far. */
  count(): number;
  stop(): void;
}

export function startClusterRecorder(cluster: Cluster, runDir: string): ClusterRecorder {
  const admin = JSON.parse(readFileSync(cluster.kubeconfig, 'utf8')) as AdminKubeconfig;
  const server = new URL(admin.clusters[0]!.cluster.server);
  const tls: RequestOptions = {
    host: server.hostname,
    port: server.port,
    ca: readFileSync(admin.clusters[0]!.cluster['certificate-authority']),
    cert: readFileSync(admin.users[0]!.user['client-certificate']),
    key: readFileSync(admin.users[0]!.user['client-key']),
  };
  const file = join(runDir, 'cluster-objects.jsonl');
  let stopped = false;
  let recorded = 0;
  const open = new Set<ClientRequest>();

  const record = (object: any): void => {
    const fields = (object?.metadata?.managedFields ?? []) as ManagedFields[];
    const tool = fields.filter((f) => TOOL_MANAGER.test(f.manager ?? ''));
    if (tool.length === 0) return;
    const { data: _data, stringData: _stringData, ...metadataOnly } = object;
    const written = withToolMetadataOnly(isSecret(object) ? metadataOnly : object, tool);
    appendFileSync(file, `${JSON.stringify(written)}\n`);
    recorded++;
  };

  const watch = (path: string, resourceVersion?: string): void => {
    if (stopped) return;
    const query = new URLSearchParams({
      watch: '1',
      allowWatchBookmarks: 'true',
      ...(resourceVersion ? { resourceVersion } : {}),
    });
    let last = resourceVersion;
    let buffered = '';
    const req = request({ ...tls, method: 'GET', path: `${path}?${query}` }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (!line) continue;
          const event = JSON.parse(line) as { type: string; object: any };
          if (event.type === 'ERROR') {
            last = undefined; // too old: start again from now
            continue;
          }
          last = event.object?.metadata?.resourceVersion ?? last;
          if (event.type === 'ADDED' || event.type === 'MODIFIED') record(event.object);
        }
      });
      res.on('end', () => {
        open.delete(req);
        setTimeout(() => watch(path, last), 100);
      });
    });
    req.on('error', () => {
      open.delete(req);
      if (!stopped) setTimeout(() => watch(path, last), 1_000);
    });
    open.add(req);
    req.end();
  };

  for (const path of WATCHED) watch(path);
  return {
    count: () => recorded,
    stop() {
      stopped = true;
      for (const req of open) req.destroy();
    },
  };
}
