import type { Argv } from 'yargs';
import { defineCommand, type ArgsOf, type GlobalArgs } from './command.js';
import type { CommandContext } from './context.js';
import { asLogError, openLogs } from './audit-logs.js';
import { commaList, repeated, single, withOutput } from './flags.js';
import { auditView, deniedLine, emptyMessage, isSystemRow, withProgress } from './audit-view.js';
import { checkNamespaceArg, secretNameArg } from './secret-name.js';
import { runAuditCount } from '../sources/audit-count-threads.js';
import { UsageError } from '../errors.js';
import { auditDocument } from '../audit/document.js';
import type { ResolvedQuery } from '../audit/query.js';
import {
  GROUP_BY,
  READ_VERBS,
  anyInputUnread,
  resolveQuery,
  type AuditGroupBy,
  type AuditQuery,
  type AuditReport,
} from '../audit/run.js';
import { printPainted, printReport, printWarnings } from '../output/print.js';
import { PARTIAL_ANSWER_EXIT } from './exit.js';

const EPILOG = `audit reads API server audit logs and never talks to a cluster: it has no
connection flags, -n filters the logs, and --user filters subjects.

Inputs: files, directories (their files, oldest first), globs, rotated sets
(audit-2025-06-01T10-00-00.000.log), .gz files, and - for stdin; formats are
detected per input: audit.k8s.io v1/v1beta1 events, GKE Cloud Audit Logs, EKS
CloudWatch, AKS diagnostics. A request logged in several stages or files is
counted once. NAME without -n matches that name in every namespace; a list of
every Secret in a namespace counts as a read of each of them.

COUNT includes denied attempts; DENIED counts them apart. Kubelets and
control-plane components are summed up in one row unless --include-system.
Lines that cannot be read are skipped with a warning. An input that cannot
be read to its end (a truncated or corrupt .gz, an unreadable file of a
directory) gives a warning with where it stopped and exit code 5. Schema of -o json|yaml:
docs/output.md (AuditReport).`;

/** Options after Validate. */
interface AuditPlan {
  logs: string[];
  query: AuditQuery & { groupBy: AuditGroupBy; now: Date };
  /** The query checked and normalised, as the report's metadata shows it. */
  resolved: ResolvedQuery;
  output: string;
  noHeaders: boolean;
}

const builder = (y: Argv<GlobalArgs>) =>
  withOutput(y)
    .positional('name', { type: 'string', describe: 'Secret name (omit for all Secrets)' })
    .options({
      log: {
        type: 'string',
        coerce: repeated,
        describe: 'Audit log file, directory, glob or - for stdin (repeatable; .gz read too)',
        demandOption: true,
        requiresArg: true,
      },
      namespace: { alias: 'n', type: 'string', describe: 'Only Secrets in this namespace', requiresArg: true },
      'all-namespaces': {
        alias: 'A',
        type: 'boolean',
        describe: 'Secrets in every namespace (the default without -n)',
      },
      by: {
        type: 'string',
        choices: GROUP_BY,
        default: 'subject' as const,
        describe: 'Summarise by',
        requiresArg: true,
      },
      since: {
        type: 'string',
        coerce: repeated,
        describe: 'Only events after this time (duration like 2h, or RFC3339)',
        requiresArg: true,
      },
      until: {
        type: 'string',
        coerce: repeated,
        describe: 'Only events before this time (duration like 30m, or RFC3339)',
        requiresArg: true,
      },
      user: {
        type: 'string',
        coerce: repeated,
        describe: 'Only requests by this user (audit never talks to a cluster, so --user filters subjects here)',
        requiresArg: true,
      },
      verb: {
        type: 'string',
        coerce: repeated,
        describe: 'Only these verbs (get, list, watch; comma-separated)',
        requiresArg: true,
      },
      'denied-only': { type: 'boolean', default: false, describe: 'Only denied attempts' },
      'include-system': {
        type: 'boolean',
        default: false,
        describe: 'List kubelets and control-plane components one by one',
      },
    })
    .epilog(EPILOG);

type AuditArgs = ArgsOf<typeof builder>;

export const auditCommand = defineCommand({
  command: 'audit [name]',
  describe: 'Who read which Secret, when and how, from API server audit logs',
  builder,
  examples: [
    {
      command: '$0 audit db-credentials -n shop --log audit.log',
      describe: 'Who read Secret shop/db-credentials, when and how',
    },
    {
      command: '$0 audit -n payments --log audit.log --since 24h --denied-only',
      describe: 'Denied attempts on Secrets of namespace payments in the last day',
    },
    {
      command: 'cat audit.log | $0 audit --log - --by user-agent -o json',
      describe: 'Read stdin, summarise by user agent, as an AuditReport',
    },
  ],
  handler: async (args, ctx) => {
    const plan = validate(args);
    // A missing file is an error before anything is read or printed.
    const inputs = await openLogs(plan.logs, ctx.io.stdin);
    const { report, threads, recounted, threadCpuMs } = await withProgress(ctx.io, inputs, (onProgress) =>
      runAuditCount(inputs, { ...plan.query, onProgress }),
    ).catch(asLogError);
    if (ctx.verbosity >= 4 && (threads > 1 || recounted))
      ctx.io.stderr.write(
        recounted
          ? `audit: ${recounted}; counted again on one thread\n`
          : `audit: requests counted on ${threads} threads${cpuNote(threadCpuMs)}\n`,
      );
    print(report, plan, ctx);
    return anyInputUnread(report) ? PARTIAL_ANSWER_EXIT : 0;
  },
});

function cpuNote(cpuMs: (number | null)[] | undefined): string {
  return cpuMs?.every((ms) => ms !== null) ? ` (${cpuMs.map((ms) => `${Math.round(ms)} ms`).join(', ')} of CPU)` : '';
}

/** Flags alone: everything is checked before the first input is opened. */
function validate(args: AuditArgs): AuditPlan {
  const name = secretNameArg(args.name);
  if (args.allNamespaces && args.namespace)
    throw new UsageError(
      '--namespace and --all-namespaces cannot be combined: -n picks one namespace, -A (the default) every one',
    );
  const namespace = args.allNamespaces ? undefined : args.namespace || undefined;
  checkNamespaceArg(namespace);
  const logs = repeated(args.log);
  if (logs.length === 0) throw new UsageError('--log needs a file, directory, glob or - for stdin');
  // yargs does not check `choices` once it strips a flag's spelling; check them here.
  if (!GROUP_BY.includes(args.by))
    throw new UsageError(`invalid value "${args.by}" for --by (one of ${GROUP_BY.join(', ')})`);
  const verbs = commaList(args.verb).map((v) => v.toLowerCase());
  const badVerb = verbs.find((v) => !(READ_VERBS as readonly string[]).includes(v));
  if (badVerb) throw new UsageError(`invalid --verb "${badVerb}": one of ${READ_VERBS.join(', ')}`);
  const user = single('user', args.user, 'a part of the user name (case-insensitive)');
  const since = single('since', args.since, 'a duration or an RFC3339 time');
  const until = single('until', args.until, 'a duration or an RFC3339 time');
  const query: AuditPlan['query'] = {
    ...(name !== undefined ? { name } : {}),
    ...(namespace !== undefined ? { namespace } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(user !== undefined ? { user } : {}),
    verbs: READ_VERBS.filter((v) => verbs.includes(v)),
    deniedOnly: args.deniedOnly === true,
    includeSystem: args.includeSystem === true,
    groupBy: args.by,
    // Features read no clock: durations count back from the command's start.
    now: new Date(),
  };
  const resolved = resolveQuery(query); // throws UsageError on a bad --since/--until
  return { logs, query, resolved, output: args.output, noHeaders: args.noHeaders };
}

/** A flag that may be given once (yargs makes an array of a repeated one). */

function print(report: AuditReport, plan: AuditPlan, ctx: CommandContext): void {
  const { io } = ctx;
  const document = auditDocument(report, plan.resolved, plan.query.user ?? null);
  const view = auditView(report.groupBy, emptyMessage(report, plan.resolved), plan.output === 'wide');
  // A system summary row has no key to hand to a script.
  const shown =
    plan.output === 'name' ? { ...document, items: document.items.filter((r) => !isSystemRow(r)) } : document;
  printReport(shown, view, plan, io);
  printWarnings(document, io);
  const denied = deniedLine(report);
  if (denied) printPainted(io, denied, 'red');
}
