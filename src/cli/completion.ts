import yargs from 'yargs/yargs';
import type { Argv } from 'yargs';
import { commandName, defineCommand, type CommandSpec } from './command.js';
import { createContext, type CommandContext } from './context.js';
import { CONNECTION, type SharedArgs } from './flags.js';
import { COMPLETION_SCRIPTS } from '../completion/scripts.js';
import {
  formatCobra,
  planCompletion,
  type CommandModel,
  type CompletionRequest,
  type FlagSpec,
} from '../completion/complete.js';
import { kubeconfigContexts, realKubeconfigEnv } from '../kube/kubeconfig.js';
import { listNames } from '../kube/names.js';
import { RESOURCES, resourcePath } from '../kube/paths.js';

export const completionCommand = defineCommand({
  command: 'completion <shell>',
  describe: 'Print a shell completion script (bash, zsh or fish)',
  builder: (y) =>
    y.positional('shell', { type: 'string', choices: ['bash', 'zsh', 'fish'] as const, demandOption: true }),
  examples: [
    {
      command: 'source <(kubectl-secrets completion bash)',
      describe: 'Completion in bash (for `kubectl secrets <TAB>`, put kubectl_complete-secrets on PATH)',
    },
    { command: '$0 completion zsh > _kubectl-secrets', describe: 'The zsh script, to put in a directory of $fpath' },
  ],
  handler: async (args, ctx) => {
    ctx.io.stdout.write(COMPLETION_SCRIPTS[args.shell]);
  },
});

/**
 * Answers `kubectl-secrets __complete <words...>` (what the shell scripts and
 * kubectl's kubectl_complete-secrets call) in cobra's format. Handled before
 * yargs parses anything, so words like --help are completed, not obeyed.
 */
export async function runComplete(
  words: readonly string[],
  commands: readonly CommandSpec<any>[],
  ctx: CommandContext,
): Promise<number> {
  const line = words.length > 0 ? words : [''];
  const plan = planCompletion(line, commands.filter((c) => !c.hidden).map(modelOf));
  // the cluster the completed command would ask: the --kubeconfig, --context... given on the line
  const asked = plan.connection ? connectTo(plan.connection, ctx) : ctx;
  try {
    const values = [...plan.candidates, ...(await lookUp(plan, asked))];
    const candidates = plan.prefix ? values.map((v) => `${plan.prefix}${v}`) : values;
    ctx.io.stdout.write(formatCobra(candidates, line[line.length - 1] ?? '', plan.files));
  } finally {
    if (asked !== ctx) asked.close();
  }
  return 0;
}

/** A context that connects with the connection flags of the line being completed. */
function connectTo(given: Record<string, string>, ctx: CommandContext): CommandContext {
  const args: SharedArgs = {
    output: 'table',
    noHeaders: false,
    v: 0,
    kubeconfig: given.kubeconfig,
    context: given.context,
    cluster: given.cluster,
    user: given.user,
    as: given.as,
    asGroup: given['as-group'] === undefined ? undefined : [given['as-group']],
    requestTimeout: given['request-timeout'],
    server: given.server,
    certificateAuthority: given['certificate-authority'],
    tlsServerName: given['tls-server-name'],
    token: given.token,
    clientCertificate: given['client-certificate'],
    clientKey: given['client-key'],
  };
  return createContext(args, ctx.io, ctx.interrupts);
}

async function lookUp(plan: CompletionRequest, ctx: CommandContext): Promise<string[]> {
  try {
    if (plan.dynamic === 'context')
      return kubeconfigContexts({ kubeconfig: plan.connection?.kubeconfig }, realKubeconfigEnv(ctx.io.env));
    if (plan.dynamic === 'namespace') return await listNames(ctx.connect(), resourcePath(RESOURCES.namespaces));
    if (plan.dynamic === 'secret') {
      const kube = ctx.connect();
      return await listNames(kube, resourcePath(RESOURCES.secrets, plan.namespace || kube.target.namespace));
    }
  } catch {
    // completion must never print errors into the shell
  }
  return [];
}

function modelOf(spec: CommandSpec<any>): CommandModel {
  const y = spec.builder(yargs([]) as unknown as Argv<any>) as unknown as {
    getOptions(): {
      key: Record<string, unknown>;
      alias: Record<string, string[]>;
      boolean: string[];
      choices: Record<string, string[]>;
    };
    getGroups(): Record<string, string[]>;
  };
  const options = y.getOptions();
  const connection = new Set(y.getGroups()[CONNECTION] ?? []);
  const positionals = [...spec.command.matchAll(/[<[]([\w-]+)/g)].map((m) => m[1]);
  const flags: FlagSpec[] = Object.keys(options.key)
    .filter((k) => !positionals.includes(k))
    .filter((k) => !Object.values(options.alias).some((aliases) => aliases.includes(k)) || k.length > 1)
    .filter((k) => !/[A-Z]/.test(k) && k !== 'help' && k !== 'version')
    .map((k) => ({
      names: [k, ...(options.alias[k] ?? []).filter((a) => a.length === 1)],
      takesValue: !options.boolean.includes(k),
      ...(options.choices[k] ? { choices: options.choices[k] } : {}),
      ...(connection.has(k) ? { connection: true } : {}),
    }));
  const first = spec.command.split(' ')[1] ?? '';
  const positional = /name/.test(first) ? 'secret' : /shell/.test(first) ? 'shell' : undefined;
  return { name: commandName(spec), flags, ...(positional ? { positional } : {}) };
}
