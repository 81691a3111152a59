import type { IO } from './io.js';
import type { SharedArgs } from './flags.js';
import { repeated } from './flags.js';
import type { Interrupts } from './interrupt.js';
import { UsageError } from '../errors.js';
import { KubeClient, type Kube } from '../kube/client.js';
import { realKubeconfigEnv, resolveKubeconfig, type ClusterTarget, type ConnectionFlags } from '../kube/kubeconfig.js';
import { parseRequestTimeout } from '../util/duration.js';
import { checkNamespaceArg } from './secret-name.js';

/** What a command's handler gets besides its flags. */
export interface CommandContext {
  io: IO;
  /** Connects lazily, so commands that fail validation never touch the kubeconfig. */
  connect(): Kube;
  verbosity: number;
  /** Ctrl-C, SIGTERM, SIGHUP: they end the command at once unless it calls `interrupts.takeOver()` (see interrupt.ts). */
  interrupts: Interrupts;
  /** The target, when the command has connected (error messages name it). */
  connectedTarget(): ClusterTarget | undefined;
  /** Closes connections; called by the app once the command is done. */
  close(): void;
}

export function connectionFlags(args: SharedArgs): ConnectionFlags {
  return {
    kubeconfig: args.kubeconfig,
    context: args.context,
    cluster: args.cluster,
    user: args.user,
    namespace: args.namespace,
    as: args.as,
    asGroup: repeated(args.asGroup),
    requestTimeout: args.requestTimeout,
    server: args.server,
    certificateAuthority: args.certificateAuthority,
    insecureSkipTlsVerify: args.insecureSkipTlsVerify,
    tlsServerName: args.tlsServerName,
    token: args.token,
    clientCertificate: args.clientCertificate,
    clientKey: args.clientKey,
  };
}

export function createContext(args: SharedArgs, io: IO, interrupts: Interrupts): CommandContext {
  let client: KubeClient | undefined;
  const verbosity = Number.isFinite(args.v) ? args.v : 0;
  return {
    io,
    verbosity,
    interrupts,
    connect() {
      if (client) return client;
      const flags = connectionFlags(args);
      if (flags.asGroup?.length && !flags.as) throw new UsageError('--as-group requires --as (as in kubectl)');
      checkNamespaceArg(flags.namespace);
      const timeoutMs = parseRequestTimeout(flags.requestTimeout ?? '30s');
      if (timeoutMs === undefined) {
        throw new UsageError(
          `invalid --request-timeout "${flags.requestTimeout}": use seconds (5) or a duration such as 30s or 2m (0 for none)`,
        );
      }
      const resolved = resolveKubeconfig(flags, realKubeconfigEnv(io.env));
      if (verbosity >= 6) {
        io.stderr.write(
          `using context "${resolved.target.contextName}" (${resolved.target.server}) from ${resolved.target.sources.join(':')}\n`,
        );
      }
      client = new KubeClient(resolved, {
        impersonate: { user: flags.as, groups: flags.asGroup },
        timeoutMs,
        verbosity,
        log: (line) => io.stderr.write(`${line}\n`),
        env: io.env,
      });
      return client;
    },
    connectedTarget: () => client?.target,
    close() {
      client?.close();
    },
  };
}
