import type { Argv, Options } from 'yargs';
import { OUTPUT_FORMATS } from '../output/report.js';
import { UsageError } from '../errors.js';
import type { KubectlOverrides } from '../kube/kubeconfig.js';

/** The help group of kubectl's connection flags (completion asks the cluster they name). */
export const CONNECTION = 'Cluster connection (as in kubectl):';
const OUTPUT = 'Output:';

/** kubectl's connection and namespace flags, shared by every command that talks to a cluster. */
export const connectionOptions = {
  namespace: {
    alias: 'n',
    type: 'string',
    group: CONNECTION,
    describe: 'Namespace (default: the context\'s namespace, then "default")',
    requiresArg: true,
  },
  'all-namespaces': { alias: 'A', type: 'boolean', group: CONNECTION, describe: 'All namespaces' },
  context: { type: 'string', group: CONNECTION, describe: 'Kubeconfig context to use', requiresArg: true },
  cluster: { type: 'string', group: CONNECTION, describe: 'Kubeconfig cluster to use', requiresArg: true },
  user: { type: 'string', group: CONNECTION, describe: 'Kubeconfig user to use', requiresArg: true },
  kubeconfig: {
    type: 'string',
    group: CONNECTION,
    describe: 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)',
    requiresArg: true,
  },
  server: {
    alias: 's',
    type: 'string',
    group: CONNECTION,
    describe: "The API server, instead of the kubeconfig cluster's (also with no kubeconfig at all)",
    requiresArg: true,
  },
  'certificate-authority': {
    type: 'string',
    group: CONNECTION,
    describe: 'Path to a CA file to check the API server with',
    requiresArg: true,
  },
  'insecure-skip-tls-verify': {
    type: 'boolean',
    group: CONNECTION,
    describe: "Do not check the API server's certificate (insecure)",
  },
  'tls-server-name': {
    type: 'string',
    group: CONNECTION,
    describe: "Server name to check the API server's certificate against",
    requiresArg: true,
  },
  token: { type: 'string', group: CONNECTION, describe: 'Bearer token to authenticate with', requiresArg: true },
  'client-certificate': {
    type: 'string',
    group: CONNECTION,
    describe: 'Path to a client certificate file for TLS',
    requiresArg: true,
  },
  'client-key': { type: 'string', group: CONNECTION, describe: 'Path to a client key file for TLS', requiresArg: true },
  as: { type: 'string', group: CONNECTION, describe: 'User to impersonate', requiresArg: true },
  'as-group': {
    type: 'string',
    coerce: repeated,
    group: CONNECTION,
    describe: 'Group to impersonate (repeatable)',
    requiresArg: true,
  },
  'request-timeout': {
    type: 'string',
    group: CONNECTION,
    default: '30s',
    describe: 'Timeout of one API request (e.g. 10s, 1m, or 5 for seconds; 0 = none)',
    requiresArg: true,
  },
} as const satisfies Record<string, Options>;

export function outputOptions(extraFormats: readonly string[] = []) {
  return {
    output: {
      alias: 'o',
      type: 'string',
      group: OUTPUT,
      default: 'table',
      choices: [...OUTPUT_FORMATS, ...extraFormats],
      describe: 'Output format',
      requiresArg: true,
    },
    'no-headers': { type: 'boolean', group: OUTPUT, default: false, describe: 'Omit table headers' },
  } as const satisfies Record<string, Options>;
}

export const verbosityOption = {
  v: {
    type: 'string',
    default: '0',
    coerce: logLevel,
    describe: 'Log level: 1 adds error details and stack traces, 6 logs API requests',
    requiresArg: true,
  },
} as const satisfies Record<string, Options>;

/** -v's value, as kubectl reads it: a whole number from 0 (the last one given). */
function logLevel(value: string | string[]): number {
  const text = String(Array.isArray(value) ? value[value.length - 1] : value);
  const level = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(level))
    throw new UsageError(`invalid argument "${text}" for "-v" flag: a log level is a whole number from 0`);
  return level;
}

/** The parsed shared flags, as every command sees them. */
export interface SharedArgs extends KubectlOverrides {
  namespace?: string | undefined;
  allNamespaces?: boolean | undefined;
  context?: string | undefined;
  cluster?: string | undefined;
  user?: string | undefined;
  kubeconfig?: string | undefined;
  as?: string | undefined;
  asGroup?: string | string[] | undefined;
  requestTimeout?: string | undefined;
  output: string;
  noHeaders: boolean;
  v: number;
}

/** `--flag value` when given: a flag of one value, for the commands the tool prints. */
const given = (flag: string, value: string | undefined): string[] => (value !== undefined ? [`--${flag}`, value] : []);

/** The connection flags that chose the cluster (not the identity), as given: for commands the tool prints. */
export function clusterFlags(
  args: Pick<
    SharedArgs,
    'context' | 'cluster' | 'kubeconfig' | 'server' | 'certificateAuthority' | 'insecureSkipTlsVerify' | 'tlsServerName'
  >,
): string[] {
  return [
    ...given('context', args.context),
    ...given('cluster', args.cluster),
    ...given('kubeconfig', args.kubeconfig),
    ...given('server', args.server),
    ...given('certificate-authority', args.certificateAuthority),
    ...(args.insecureSkipTlsVerify ? ['--insecure-skip-tls-verify'] : []),
    ...given('tls-server-name', args.tlsServerName),
  ];
}

/**
 * The identity flags as given (--user, --as, each --as-group, the client certificate's files): for commands the tool
 * prints to run as the same one. Never --token: a credential is not printed (the pasted command needs it added).
 */
export function identityFlags(
  args: Pick<SharedArgs, 'user' | 'as' | 'asGroup' | 'clientCertificate' | 'clientKey'>,
): string[] {
  return [
    ...given('user', args.user),
    ...given('as', args.as),
    ...repeated(args.asGroup).flatMap((g) => ['--as-group', g]),
    ...given('client-certificate', args.clientCertificate),
    ...given('client-key', args.clientKey),
  ];
}

export function withConnection<T>(y: Argv<T>) {
  return y.options(connectionOptions);
}

export function withOutput<T>(y: Argv<T>, extraFormats: readonly string[] = []) {
  return y.options(outputOptions(extraFormats));
}

/**
 * A flag that may be given several times arrives as a string or an array:
 * as an option's `coerce`, always an array (and typed so).
 */
export function repeated(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String).filter((v) => v !== '');
}

/** A repeatable flag whose values may also be comma-separated (`--verb get,list`). */
export function commaList(value: string | string[] | undefined): string[] {
  return repeated(value)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** A flag given at most once (yargs collects repeats into an array). */
export function single(flag: string, value: string | string[] | undefined, what: string): string | undefined {
  const values = repeated(value);
  if (values.length > 1) throw new UsageError(`--${flag} takes one value: ${what}`);
  return values[0];
}
