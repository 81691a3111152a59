import type { Argv } from 'yargs';
import { defineCommand, type ArgsOf, type GlobalArgs } from './command.js';
import type { CommandContext } from './context.js';
import { clusterFlags, identityFlags, repeated, withConnection, withOutput, type SharedArgs } from './flags.js';
import { withProgress } from './audit-view.js';
import { asLogError, openLogs } from './audit-logs.js';
import { leastPrivilegeView, notes, suggestionComments, undoComments } from './least-privilege-view.js';
import { UsageError } from '../errors.js';
import { resolveQuery } from '../audit/query.js';
import { loadLeastPrivilegeSnapshot } from '../kube/least-privilege.js';
import { runLeastPrivilege, type LeastPrivilegeResult } from '../leastpriv/run.js';
import type { LeastPrivilegeItem } from '../leastpriv/types.js';
import { renderManifests } from '../output/manifests.js';
import { shellLine } from '../util/shell.js';
import { printReport, printWarnings } from '../output/print.js';
import type { Report } from '../output/report.js';

const EPILOG = `Every binding that lets someone read Secrets is compared with what its
subjects read through it in the window, from the API server's audit logs:
unused-binding, unused-subject, unused-verb (list/watch granted, only get used),
too-broad (any name granted, only some read: their names are proposed),
wildcard (* verbs, resources or API groups). Denied attempts are not use.
Bindings and ServiceAccounts younger than the window are not judged; neither
are control-plane components, nodes and system:masters (--include-system).

--suggest prints YAML that "kubectl apply -f -" makes effective on its own: new
narrowed roles and bindings (names ending in -least-privilege), and the
existing bindings re-declared without the subjects that moved. Existing roles
are never edited. Before it is printed, the who-can engine checks that every
read seen in the window is still allowed with it applied; otherwise it is
refused. --suggest-undo prints the bindings as they were, before or after applying.
Schema of -o json|yaml: docs/output.md (LeastPrivilegeReport).`;

interface Plan {
  logs: string[];
  since: string;
  /** --since was given (else the default). */
  sinceGiven: boolean;
  now: Date;
  includeSystem: boolean;
  mode: 'report' | 'suggest' | 'undo';
  output: string;
  noHeaders: boolean;
}

const builder = (y: Argv<GlobalArgs>) =>
  withOutput(withConnection(y))
    .options({
      log: {
        type: 'string',
        coerce: repeated,
        describe: 'Audit log file, directory, glob or - for stdin (repeatable; .gz read too)',
        demandOption: true,
        requiresArg: true,
      },
      since: {
        type: 'string',
        coerce: repeated,
        describe: 'Start of the window: a duration such as 90d, or an RFC3339 time (default 90d)',
        requiresArg: true,
      },
      'include-system': {
        type: 'boolean',
        default: false,
        describe: 'Also judge control-plane components, nodes and system:masters',
      },
      suggest: {
        type: 'boolean',
        default: false,
        describe: 'Print the narrowed RBAC as YAML for kubectl apply -f - (JSON List with -o json)',
      },
      'suggest-undo': {
        type: 'boolean',
        default: false,
        describe: 'Print the YAML that restores the bindings --suggest changes',
      },
    })
    .epilog(EPILOG);

type LeastPrivilegeArgs = ArgsOf<typeof builder>;

export const leastPrivilegeCommand = defineCommand({
  command: 'least-privilege',
  cluster: true,
  describe: 'Who can read Secrets but never did, and a tighter RBAC proven to keep every read',
  builder,
  examples: [
    {
      command: '$0 least-privilege -A --log audit.log --since 90d',
      describe: 'Judge every binding that grants reading Secrets against 90 days of audit logs',
    },
    {
      command: '$0 least-privilege -n shop --log audit.log -o yaml',
      describe: 'The same for namespace shop, as a LeastPrivilegeReport (schema: docs/output.md)',
    },
    {
      command: '$0 least-privilege -n shop --log audit.log --suggest-undo > undo.yaml',
      describe: 'Keep the YAML that restores the bindings, before applying a --suggest',
    },
  ],
  handler: async (args, ctx) => {
    const plan = validate(args);
    const inputs = await openLogs(plan.logs, ctx.io.stdin);
    const kube = ctx.connect();
    const namespace = args.allNamespaces ? undefined : kube.target.namespace;
    const result = await withProgress(ctx.io, inputs, (onProgress) =>
      runLeastPrivilege(
        inputs,
        {
          namespace,
          since: plan.since,
          now: plan.now,
          includeSystem: plan.includeSystem,
          suggest: plan.mode === 'suggest',
          onProgress,
        },
        { load: () => loadLeastPrivilegeSnapshot(kube, namespace) },
      ),
    ).catch(asLogError);
    print(result, plan, args, ctx);
    return 0;
  },
});

function validate(args: LeastPrivilegeArgs): Plan {
  if (args.allNamespaces && args.namespace)
    throw new UsageError(
      '--namespace and --all-namespaces cannot be combined: -n judges one namespace, -A every binding',
    );
  const logs = repeated(args.log);
  if (logs.length === 0) throw new UsageError('--log needs a file, directory, glob or - for stdin');
  const sinces = repeated(args.since);
  if (sinces.length > 1) throw new UsageError('--since takes one value: a duration or an RFC3339 time');
  if (args.suggest && args.suggestUndo)
    throw new UsageError('--suggest and --suggest-undo cannot be combined: run one, then the other');
  const mode = args.suggest ? 'suggest' : args.suggestUndo ? 'undo' : 'report';
  if (mode !== 'report' && !['table', 'yaml', 'json'].includes(args.output)) {
    throw new UsageError(
      `--${mode === 'suggest' ? 'suggest' : 'suggest-undo'} prints objects for kubectl apply: use -o yaml (the default) or -o json`,
    );
  }
  const since = sinces[0] ?? '90d';
  const now = new Date();
  const bound = resolveQuery({ since, now }).sinceMs!; // throws UsageError on a bad --since
  if (bound >= now.getTime()) throw new UsageError(`--since ${since} is not in the past`);
  return {
    logs,
    since,
    sinceGiven: sinces.length > 0,
    now,
    includeSystem: args.includeSystem,
    mode,
    output: args.output,
    noHeaders: args.noHeaders,
  };
}

function print(result: LeastPrivilegeResult, plan: Plan, args: LeastPrivilegeArgs, ctx: CommandContext): void {
  const { io } = ctx;
  const report: Report<LeastPrivilegeItem> = {
    kind: 'LeastPrivilegeReport',
    metadata: result.metadata,
    items: result.items,
  };
  if (plan.mode === 'report') {
    printReport(report, leastPrivilegeView(), plan, io);
    printWarnings(report, io);
    if (plan.output === 'table' || plan.output === 'wide')
      for (const line of notes(result.metadata)) io.stderr.write(`${line}\n`);
    return;
  }
  const format = plan.output === 'json' ? 'json' : 'yaml';
  if (plan.mode === 'suggest') {
    const suggestion = result.suggestion!;
    const comments = suggestionComments(result.metadata, undoCommand(plan, args), clusterFlags(args));
    io.stdout.write(renderManifests(suggestion.objects, comments, format));
    if (format === 'json') for (const c of comments) io.stderr.write(`${c}\n`);
    printWarnings(report, io);
    if (suggestion.objects.length === 0)
      io.stderr.write('nothing to narrow: every judged binding is used as granted\n');
    return;
  }
  io.stdout.write(renderManifests(result.undo, undoComments(result.metadata, clusterFlags(args)), format));
  printWarnings(report, io);
  if (result.undo.length === 0)
    io.stderr.write('nothing to undo: no binding would change, and no earlier suggestion was applied\n');
}

/**
 * The command whose output undoes the suggestion: the same scope, logs, window and judgement, for the shell, on
 * the cluster it ran against (else, pasted later, it reads and changes the current context), read as it read; the
 * apply is made by whoever runs it, as `kubectl apply -f -` of the suggestion was.
 */
export function undoCommand(
  plan: Pick<Plan, 'logs' | 'since' | 'sinceGiven' | 'includeSystem'>,
  args: Pick<
    SharedArgs,
    'namespace' | 'allNamespaces' | 'context' | 'cluster' | 'user' | 'kubeconfig' | 'as' | 'asGroup'
  >,
): string {
  const cluster = clusterFlags(args);
  const words = [
    ...(args.allNamespaces ? ['-A'] : args.namespace ? ['-n', args.namespace] : []),
    ...plan.logs.flatMap((l) => ['--log', l]),
    ...(plan.sinceGiven ? ['--since', plan.since] : []),
    ...(plan.includeSystem ? ['--include-system'] : []),
    ...cluster,
    ...identityFlags(args),
  ];
  return `${shellLine(['kubectl', 'secrets', 'least-privilege', ...words])} --suggest-undo | ${shellLine(['kubectl', 'apply', '-f', '-', ...cluster])}`;
}
