import type { Argv } from 'yargs';
import { defineCommand, type ArgsOf, type GlobalArgs } from './command.js';
import { clusterFlags, repeated, withConnection, withOutput } from './flags.js';
import { investigateSecret } from './access-deps.js';
import { locateAndInvestigate, type InvestigatePlan } from './investigate-locate.js';
import { logWindow, openLogs } from './audit-logs.js';
import { printIncident } from './investigate-view.js';
import { secretNameArg } from './secret-name.js';
import { UsageError } from '../errors.js';
import { sharingLists } from '../kube/shared-lists.js';
import { openedFileOf } from '../sources/audit-inputs.js';
import { readLeakedValue } from '../sources/value-files.js';

const EPILOG = `One incident report for a Secret: who could read it (who-can), who did
(audit logs), where it is mounted (exposure) and the exact commands to run next.
The cluster is read while the logs are scanned. Without --log, "did read" is
left out and the audit policy that records Secret reads is shown.

Verdicts: expected (a consumer's ServiceAccount, the kubelet of its node, the
control plane), authorised (RBAC allows it, not a consumer: review),
not-authorised-now (it read, RBAC no longer allows it: investigate), unknown
(the same, but not every role and binding could be listed: check), denied
(only denied attempts), failed (no path found for it, its only attempts failed:
a 401 of refused credentials, a 404), unused (could read, never did in the
window).

--value-from-file PATH (- for stdin) finds the Secrets and keys holding a
leaked value (exact, inside another value such as a DSN or a dockerconfigjson
auth, or base64) in every namespace you may list (-n narrows), then
investigates each; -o name only lists them. The value is never a flag, never
printed, and compared in memory only (at most 64 KiB).
Schema of -o json|yaml: docs/output.md (IncidentReport, LeakedValueReport).`;

const builder = (y: Argv<GlobalArgs>) =>
  withOutput(withConnection(y), ['markdown'])
    .positional('name', { type: 'string', describe: 'Secret name' })
    .options({
      log: {
        type: 'string',
        coerce: repeated,
        requiresArg: true,
        describe: 'Audit log file, directory, glob or - for stdin (repeatable; .gz read too)',
      },
      since: {
        type: 'string',
        coerce: repeated,
        requiresArg: true,
        describe: 'Only requests after this time (duration like 30d, or RFC3339)',
      },
      until: {
        type: 'string',
        coerce: repeated,
        requiresArg: true,
        describe: 'Only requests before this time (duration or RFC3339)',
      },
      'include-system': { type: 'boolean', default: false, describe: 'List control-plane components one by one' },
      'value-from-file': {
        type: 'string',
        requiresArg: true,
        describe:
          'Find the Secrets and keys that hold a leaked value read from this file (- for stdin), then investigate each; never give the value itself',
      },
    })
    .epilog(EPILOG);

type InvestigateArgs = ArgsOf<typeof builder>;

export const investigateCommand = defineCommand({
  command: 'investigate [name]',
  cluster: true,
  describe: 'Incident report for a Secret: could read × did read × mounted where × what to do now',
  builder,
  examples: [
    {
      command: '$0 investigate db-credentials -n shop --log audit.log --since 30d',
      describe: 'Who could and did read shop/db-credentials in 30 days, where it is mounted, what to do',
    },
    {
      command: '$0 investigate db-credentials -n shop --log audit.log -o markdown > incident.md',
      describe: 'The same report for a ticket, with Mermaid diagrams',
    },
    {
      command: '$0 investigate --value-from-file leaked.txt -o name',
      describe: 'Which Secrets hold a leaked value (exact, inside a DSN or dockerconfigjson, or base64)',
    },
  ],
  handler: async (args, ctx) => {
    const plan = validate(args);
    // The leaked value (refused if too large) and the log inputs (a missing file is an error) before the cluster.
    const value = plan.valueFile !== undefined ? await readLeakedValue(plan.valueFile, ctx.io.stdin) : undefined;
    const inputs = plan.logs.length > 0 ? await openLogs(plan.logs, ctx.io.stdin) : undefined;
    // Each Secret that holds the value reads the logs again: a pipe (--log <(zcat ...)) gives its lines once only,
    // so the next would read none and call every reader unused (a FIFO would wait for a writer that is gone).
    const pipe = value !== undefined ? inputs?.find((i) => openedFileOf(i) === undefined) : undefined;
    if (pipe) {
      value!.fill(0);
      throw new UsageError(
        `--log ${pipe.path} is a pipe, read once, and --value-from-file reads the logs again for each Secret that holds the value: give the log files`,
      );
    }
    const kube = sharingLists(ctx.connect());
    if (value !== undefined)
      return locateAndInvestigate(
        kube,
        value,
        { ...plan, inputs, namespace: args.allNamespaces ? undefined : args.namespace || undefined },
        ctx.io,
      );
    const secret = { namespace: kube.target.namespace, name: plan.name! };
    const { report, rows } = await investigateSecret(kube, secret, {
      inputs,
      query: plan.query,
      includeSystem: plan.includeSystem,
      io: ctx.io,
      verbosity: ctx.verbosity,
      clusterFlags: plan.clusterFlags,
    });
    printIncident(report, rows, { output: plan.output, noHeaders: plan.noHeaders }, ctx.io);
    return 0;
  },
});

function validate(args: InvestigateArgs): InvestigatePlan {
  const name = secretNameArg(args.name);
  const valueFile = args.valueFromFile;
  if (valueFile !== undefined) {
    if (name !== undefined) throw new UsageError('give a Secret NAME or --value-from-file, not both');
    if (valueFile === '') throw new UsageError('--value-from-file needs a path, or - for stdin');
  } else {
    if (name === undefined)
      throw new UsageError(
        'investigate needs a Secret name: kubectl secrets investigate NAME [-n NAMESPACE] [--log PATH]',
      );
    if (args.allNamespaces)
      throw new UsageError(
        'investigate answers for one Secret, which lives in one namespace: use -n NAMESPACE, not --all-namespaces',
      );
  }
  if (args.allNamespaces && args.namespace) throw new UsageError('--namespace and --all-namespaces cannot be combined');
  const logs = repeated(args.log);
  if (valueFile !== undefined && logs.includes('-'))
    throw new UsageError(
      '--log - cannot be combined with --value-from-file: each match reads the logs again; give the log files',
    );
  const { window: query } = logWindow(args);
  return {
    name,
    valueFile,
    logs,
    query,
    includeSystem: args.includeSystem === true,
    output: args.output,
    noHeaders: args.noHeaders,
    clusterFlags: clusterFlags(args),
  };
}
