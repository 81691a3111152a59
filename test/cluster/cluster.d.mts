// Types for cluster.mjs (plain ESM JavaScript so that node runs it directly).

export interface Cluster {
  name: string;
  /** State directory: certificates, kubeconfigs, etcd data, logs/, audit.log. */
  dir: string;
  /** Admin kubeconfig (CN=kubernetes-admin, O=system:masters), absolute path. */
  kubeconfig: string;
  /** https://127.0.0.1:PORT */
  server: string;
  auditLog: string;
  /** CA for client certificates and the API server's serving certificate. */
  caCert: string;
  caKey: string;
  /** Directory with kube-local, kubectl, kwok. */
  binDir: string;
  pids: { etcd?: number; apiserver?: number; controllerManager?: number; scheduler?: number; kwok?: number };
  /** e.g. v1.37.2 */
  version: string;
  /** Names of the KWOK nodes (empty without controllers). */
  nodes: string[];
  logs: Record<'etcd' | 'apiserver' | 'controllerManager' | 'scheduler' | 'kwok', string>;
  ports: { etcd: number; etcdPeer: number; apiserver: number };
  upPid: number;
  startedAt: string;
  ready: boolean;
  startupSeconds: number;
}

export interface UpOptions {
  /** Prefix of the state dir name (default kubectl-secrets). */
  name?: string;
  /** Number of KWOK nodes (default 2). */
  workers?: number;
  /** Start controller-manager, scheduler and KWOK (default true). */
  controllers?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Default: $KUBECTL_SECRETS_BIN_DIR, else the output of test/cluster/build.sh. */
  binDir?: string;
  /** Default: <stateRoot()>/<name>-<random>. Must not exist or be empty. */
  dir?: string;
  /** Fixed ports (default: free ports). */
  ports?: { etcd?: number; etcdPeer?: number; apiserver?: number };
}

export declare class ClusterError extends Error {
  step: string;
  log?: string;
  tail: string;
  /** `error: <message>` plus the indented log tail. */
  format(): string;
}

export declare function stateRoot(): string;
export declare function buildBinaries(options?: { log?: (line: string) => void; timeoutMs?: number }): Promise<string>;
export declare function up(options?: UpOptions): Promise<Cluster>;
export declare function down(dirOrCluster: string | Cluster): Promise<void>;
export declare function loadCluster(dir: string): Promise<Cluster>;
export declare function isRunning(cluster: Cluster): boolean;
/** Stops kube-apiserver and starts it again with the same command line; resolves once /readyz answers. */
export declare function restartApiserver(dirOrCluster: string | Cluster, options?: { downMs?: number }): Promise<void>;
export declare function listClusters(): Promise<Cluster[]>;
export declare function makeUserKubeconfig(
  cluster: Cluster,
  identity: { user: string; groups?: string[] },
): Promise<string>;
export declare function serviceAccountKubeconfig(
  cluster: Cluster,
  namespace: string,
  serviceAccount: string,
  options?: { expirationSeconds?: number },
): Promise<string>;
/** One request as the identity of a kubeconfig written by this module; never throws on HTTP errors. */
export declare function apiRequest(
  kubeconfig: string,
  method: string,
  path: string,
  options?: { body?: unknown; contentType?: string; timeoutMs?: number; headers?: Record<string, string> },
): Promise<{ status: number; body: any }>;
