import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { CliError, errorMessage } from '../errors.js';
import { mergeKubeconfigs, type LoadedFile, type NamedEntry, type RawKubeconfig } from './kubeconfig-merge.js';
import { isNamespaceName, NAMESPACE_RULE } from '../util/k8s-names.js';

/** kubectl's overrides of the cluster and user chosen (--server, --token...): a kubeconfig is not needed with --server. */
export interface KubectlOverrides {
  server?: string | undefined;
  certificateAuthority?: string | undefined;
  insecureSkipTlsVerify?: boolean | undefined;
  tlsServerName?: string | undefined;
  token?: string | undefined;
  clientCertificate?: string | undefined;
  clientKey?: string | undefined;
}

/** kubectl's connection flags, shared by every subcommand that talks to a cluster. */
export interface ConnectionFlags extends KubectlOverrides {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  cluster?: string | undefined;
  user?: string | undefined;
  namespace?: string | undefined;
  as?: string | undefined;
  asGroup?: string[] | undefined;
  requestTimeout?: string | undefined;
}

/** Where and as whom the tool talks: the resolved kubeconfig, without credentials. */
export interface ClusterTarget {
  contextName: string;
  clusterName: string;
  userName: string;
  server: string;
  namespace: string;
  /** Files the configuration came from, or "in-cluster". */
  sources: string[];
}

/** A resolved configuration: the target plus the raw entries client-node needs. */
export interface ResolvedKubeconfig {
  target: ClusterTarget;
  cluster: NamedEntry;
  user: NamedEntry;
  inCluster: boolean;
}

export interface KubeconfigEnv {
  env: NodeJS.ProcessEnv;
  homedir: string;
  /** The file's text; undefined when it does not exist; throws when it exists but cannot be read. */
  readFile: (file: string) => string | undefined;
}

export const IN_CLUSTER_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export function realKubeconfigEnv(env: NodeJS.ProcessEnv): KubeconfigEnv {
  return {
    env,
    homedir: env.HOME ?? os.homedir(),
    readFile: (file) => {
      try {
        return fs.readFileSync(file, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
        throw err;
      }
    },
  };
}

/** Resolves flags, KUBECONFIG, ~/.kube/config or the in-cluster account to one target. */
export function resolveKubeconfig(flags: ConnectionFlags, host: KubeconfigEnv): ResolvedKubeconfig {
  if (flags.insecureSkipTlsVerify && flags.certificateAuthority)
    throw new CliError(
      '--certificate-authority and --insecure-skip-tls-verify cannot be given together (as in kubectl)',
    );
  return withOverrides(fromFiles(flags, host), flags);
}

function fromFiles(flags: ConnectionFlags, host: KubeconfigEnv): ResolvedKubeconfig {
  const { files, looked } = loadFiles(flags, host);
  if (files.length === 0) {
    if (flags.server) return fromFlagsAlone(flags);
    const inCluster = resolveInCluster(flags, host);
    if (inCluster) return inCluster;
    throw new CliError(
      `no kubeconfig found (looked in ${looked.join(', ')} and the in-cluster service account); pass --kubeconfig or set KUBECONFIG`,
    );
  }
  const merged = mergeKubeconfigs(files);
  const sources = files.map((f) => f.path);
  const where = sources.join(':');

  const contextName = flags.context || merged['current-context'];
  let context: Record<string, unknown> = {};
  if (contextName) {
    const entry = merged.contexts?.find((c) => c.name === contextName);
    if (!entry) throw new CliError(`context "${contextName}" not found in kubeconfig ${where}`);
    context = (entry.context as Record<string, unknown> | undefined) ?? {};
  } else if (!flags.cluster || !flags.user) {
    if (flags.server) return fromFlagsAlone(flags);
    throw new CliError(`kubeconfig ${where} has no current-context; pass --context`);
  }

  const clusterName = flags.cluster || String(context.cluster ?? '');
  const userName = flags.user || String(context.user ?? '');
  const cluster = merged.clusters?.find((c) => c.name === clusterName);
  if (!cluster) throw new CliError(`cluster "${clusterName}" not found in kubeconfig ${where}`);
  const found = merged.users?.find((u) => u.name === userName);
  // As kubectl: a --user that names no user is an error (a context's user that is missing means no credentials).
  if (!found && flags.user) throw new CliError(`user "${userName}" not found in kubeconfig ${where}`);
  const user = found ?? { name: userName, user: {} };
  const contextNamespace = String(context.namespace ?? '');
  if (!flags.namespace && contextNamespace && !isNamespaceName(contextNamespace))
    throw new CliError(
      `context "${contextName ?? ''}" in kubeconfig ${where} has an invalid namespace "${contextNamespace}": ${NAMESPACE_RULE}`,
    );
  const clusterEntry = (cluster.cluster ?? {}) as Record<string, unknown>;
  const written = String(clusterEntry.server ?? '');
  // (--server stands for it: withOverrides)
  if (!written && !flags.server) throw new CliError(`cluster "${clusterName}" in kubeconfig ${where} has no server`);
  const server = flags.server ? '' : serverUrl(written, clusterEntry, (user.user ?? {}) as Record<string, unknown>);
  if (server === undefined)
    throw new CliError(`cluster "${clusterName}" in kubeconfig ${where} has a server that is not a URL: "${written}"`);

  return {
    target: {
      contextName: contextName ?? '',
      clusterName,
      userName,
      server,
      namespace: flags.namespace || contextNamespace || 'default',
      sources,
    },
    cluster,
    user,
    inCluster: false,
  };
}

/** No kubeconfig, but --server: the cluster and user are the flags alone (withOverrides fills them), as in kubectl. */
function fromFlagsAlone(flags: ConnectionFlags): ResolvedKubeconfig {
  return {
    target: {
      contextName: '',
      clusterName: '',
      userName: '',
      server: '',
      namespace: flags.namespace || 'default',
      sources: ['flags'],
    },
    cluster: { name: '', cluster: {} },
    user: { name: '', user: {} },
    inCluster: false,
  };
}

/**
 * kubectl's flags over the cluster and user chosen, as client-go's overrides go: a CA file replaces the CA data,
 * --insecure-skip-tls-verify alone drops the CA, a token replaces the user's other token (and plugins), client
 * certificate files replace the data.
 */
function withOverrides(resolved: ResolvedKubeconfig, flags: ConnectionFlags): ResolvedKubeconfig {
  const { server, certificateAuthority, insecureSkipTlsVerify, tlsServerName, token, clientCertificate, clientKey } =
    flags;
  const clusterChanged = server || certificateAuthority || insecureSkipTlsVerify || tlsServerName;
  const userChanged = token || clientCertificate || clientKey;
  if (!clusterChanged && !userChanged) return resolved;
  const cluster = { ...((resolved.cluster.cluster ?? {}) as Record<string, unknown>) };
  const user = { ...((resolved.user.user ?? {}) as Record<string, unknown>) };
  if (certificateAuthority) {
    cluster['certificate-authority'] = certificateAuthority;
    delete cluster['certificate-authority-data'];
  }
  if (insecureSkipTlsVerify) {
    cluster['insecure-skip-tls-verify'] = true;
    delete cluster['certificate-authority'];
    delete cluster['certificate-authority-data'];
  }
  if (tlsServerName) cluster['tls-server-name'] = tlsServerName;
  if (token) {
    user.token = token;
    for (const other of ['token-file', 'tokenFile', 'exec', 'auth-provider', 'username', 'password'])
      delete user[other];
  }
  for (const [field, file] of [
    ['client-certificate', clientCertificate],
    ['client-key', clientKey],
  ] as const) {
    if (!file) continue;
    user[field] = file;
    delete user[`${field}-data`];
  }
  let target = resolved.target;
  if (server) {
    const url = serverUrl(server, cluster, user);
    if (url === undefined) throw new CliError(`--server is not a URL: "${server}"`);
    cluster.server = server;
    target = { ...target, server: url };
  }
  return { ...resolved, target, cluster: { ...resolved.cluster, cluster }, user: { ...resolved.user, user } };
}

/**
 * The server as a URL. One written without a scheme (`10.0.0.1:6443`) gets the one client-go gives it: https when
 * the kubeconfig has TLS settings (a CA, a client certificate, insecure-skip-tls-verify), else http.
 */
function serverUrl(
  server: string,
  cluster: Record<string, unknown>,
  user: Record<string, unknown>,
): string | undefined {
  if (URL.canParse(server) && new URL(server).host !== '') return server;
  const tls = [
    cluster['certificate-authority'],
    cluster['certificate-authority-data'],
    cluster['insecure-skip-tls-verify'],
    user['client-certificate'],
    user['client-certificate-data'],
  ].some(Boolean);
  const withScheme = `${tls ? 'https' : 'http'}://${server}`;
  return URL.canParse(withScheme) ? withScheme : undefined;
}

/** Context names of the merged kubeconfig (for completion). */
export function kubeconfigContexts(flags: ConnectionFlags, host: KubeconfigEnv): string[] {
  return (mergeKubeconfigs(loadFiles(flags, host).files).contexts ?? []).map((c) => c.name);
}

function loadFiles(flags: ConnectionFlags, host: KubeconfigEnv): { files: LoadedFile[]; looked: string[] } {
  if (flags.kubeconfig) {
    const file = path.resolve(flags.kubeconfig);
    const text = readKubeconfig(host, file, '--kubeconfig');
    if (text === undefined)
      throw new CliError(`kubeconfig ${file} (from --kubeconfig) does not exist or cannot be read`);
    return { files: [parseFile(file, text)], looked: [file] };
  }
  const fromEnv = (host.env.KUBECONFIG ?? '').split(path.delimiter).filter((p) => p !== '');
  const candidates = fromEnv.length > 0 ? fromEnv : [path.join(host.homedir, '.kube', 'config')];
  const files: LoadedFile[] = [];
  for (const candidate of candidates) {
    const file = path.resolve(candidate);
    // a missing file is skipped, as kubectl skips it; one that cannot be read is an error, as in kubectl, not the
    // next file's cluster instead
    const text = readKubeconfig(host, file, fromEnv.length > 0 ? 'KUBECONFIG' : 'the default location');
    if (text !== undefined) files.push(parseFile(file, text));
  }
  const looked = fromEnv.length > 0 ? [`KUBECONFIG=${fromEnv.join(path.delimiter)}`] : candidates;
  return { files, looked };
}

function readKubeconfig(host: KubeconfigEnv, file: string, from: string): string | undefined {
  try {
    return host.readFile(file);
  } catch (err) {
    throw new CliError(`cannot read kubeconfig ${file} (from ${from}): ${errorMessage(err)}`);
  }
}

function parseFile(file: string, text: string): LoadedFile {
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (err) {
    const reason = err instanceof yaml.YAMLException ? err.reason : String(err);
    const line = err instanceof yaml.YAMLException ? ` at line ${err.mark.line + 1}` : '';
    throw new CliError(`kubeconfig ${file} is not valid YAML${line}: ${reason}`);
  }
  if (doc === null || doc === undefined) return { path: file, doc: {} };
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new CliError(`kubeconfig ${file} is not a kubeconfig (expected a mapping with clusters, users and contexts)`);
  }
  return { path: file, doc: doc as RawKubeconfig };
}

function resolveInCluster(flags: ConnectionFlags, host: KubeconfigEnv): ResolvedKubeconfig | undefined {
  const { KUBERNETES_SERVICE_HOST: hostName, KUBERNETES_SERVICE_PORT: port } = host.env;
  const tokenFile = path.join(IN_CLUSTER_DIR, 'token');
  const readable = (file: string) => {
    try {
      return host.readFile(file);
    } catch {
      return undefined;
    }
  };
  if (!hostName || !port || readable(tokenFile) === undefined) return undefined;
  const ns = readable(path.join(IN_CLUSTER_DIR, 'namespace'))?.trim();
  const server = `https://${hostName.includes(':') ? `[${hostName}]` : hostName}:${port}`;
  return {
    target: {
      contextName: 'in-cluster',
      clusterName: 'in-cluster',
      userName: 'service-account',
      server,
      namespace: flags.namespace || ns || 'default',
      sources: ['in-cluster'],
    },
    cluster: { name: 'in-cluster', cluster: { server, 'certificate-authority': path.join(IN_CLUSTER_DIR, 'ca.crt') } },
    user: { name: 'service-account', user: { tokenFile } },
    inCluster: true,
  };
}
