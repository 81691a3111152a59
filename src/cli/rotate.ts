import crypto from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import type { Argv } from 'yargs';
import { hostname } from 'node:os';
import { defineCommand, type ArgsOf, type GlobalArgs } from './command.js';
import type { CommandContext } from './context.js';
import { InterruptedError } from './interrupt.js';
import { clusterFlags, identityFlags, repeated, withConnection, withOutput, type SharedArgs } from './flags.js';
import { warn, type IO, type Writer } from './io.js';
import { canPrompt, confirm } from './rotate-prompt.js';
import { secretNameArg } from './secret-name.js';
import { isAlive } from './process-alive.js';
import {
  nothingToResumeReport,
  outcomeReport,
  planHeader,
  planLines,
  planReport,
  retireLines,
  retireReport,
  ROTATION_VIEW,
} from './rotate-view.js';
import { CliError, UsageError } from '../errors.js';
import { requirePermissions } from '../kube/permissions.js';
import { KubeRotationCluster } from '../kube/rotation.js';
import { printReport } from '../output/print.js';
import { startProgress } from '../output/progress.js';
import { ConflictError, EXIT, RejectedError, RotateError } from '../rotate/errors.js';
import type { Journal } from '../rotate/journal.js';
import { holderIdentity } from '../rotate/lock.js';
import type { Plan } from '../rotate/plan.js';
import { outcomeLine } from '../rotate/report.js';
import {
  exitCodeOf,
  lockedNow,
  planRetire,
  proposeRotation,
  resumeRotation,
  retire,
  startRotation,
  type Proposal,
  type RotateDeps,
} from '../rotate/run.js';
import type { RunEvents } from '../rotate/run-steps.js';
import { readValueSources } from '../sources/value-files.js';
import { MAX_SECRET_BYTES, refuseEmptyValues, requireNewValues } from '../rotate/values.js';
import { parseDuration } from '../util/duration.js';
import { safeText } from '../output/safe-text.js';

const DEFAULT_TIMEOUT = '5m';

const EPILOG = `Blue/green (default): creates NAME-vN with the new values (immutable unless --mutable),
repoints every Deployment, StatefulSet, DaemonSet and CronJob that uses the current version,
waits for each rollout (a crash loop, or pods not ready within --timeout, fails it), then
stages NAME-vN current and the old version previous. A failed rollout repoints everything back
(unless --no-rollback); the new version stays, staged failed, until --retire or a later
rotation deletes it. --in-place updates the Secret itself (its old values go to NAME-previous)
and restarts only the consumers that read it at start (env, envFrom, subPath).

Every step is journalled on the Secret that records the rotation (annotation
secrets.kubectl-secrets.dev/rotation, never a value) under a Lease kubectl-secrets-rotate-NAME:
an interrupted rotation is finished or rolled back, from any machine, with --resume.

Exit codes:
  0  rotated (or: dry run, nothing to resume, versions retired)
  1  refused or failed before anything changed (bad input, owner, lock held, not confirmed,
     a consumer not healthy before the rotation: --skip-unhealthy or --rotate-unhealthy)
  3  a rollout failed and every consumer is back on the previous version (or nothing changed)
  4  a rollout failed and was left as is (--no-rollback), the rollback failed, or the rotation
     was interrupted: run the same command with --resume
  130  stopped by SIGINT, SIGTERM or SIGHUP at a safe point: run the printed --resume command`;

const builder = (y: Argv<GlobalArgs>) =>
  withOutput(withConnection(y))
    .positional('name', {
      type: 'string',
      describe: 'Secret name (the logical name for versioned Secrets)',
      demandOption: true,
    })
    .options({
      'from-file': {
        type: 'string',
        array: true,
        requiresArg: true,
        describe: 'New value from a file: [key=]path (repeatable; key=- reads stdin; a directory adds each file)',
      },
      'from-env-file': {
        type: 'string',
        array: true,
        requiresArg: true,
        describe: 'New values from a KEY=VALUE file (repeatable)',
      },
      'from-literal': {
        type: 'string',
        array: true,
        requiresArg: true,
        describe: 'New value key=value (repeatable; ends up in shell history)',
      },
      'replace-all': { type: 'boolean', default: false, describe: 'Drop keys not given instead of carrying them over' },
      'allow-empty': {
        type: 'boolean',
        default: false,
        describe: 'Accept an empty new value, or one of whitespace only (refused by default)',
      },
      'in-place': {
        type: 'boolean',
        default: false,
        describe: 'Update the Secret itself and restart consumers that need it',
      },
      'restart-all': { type: 'boolean', default: false, describe: 'With --in-place, restart file-mount consumers too' },
      mutable: { type: 'boolean', default: false, describe: 'Create the new version mutable (default: immutable)' },
      timeout: {
        type: 'string',
        requiresArg: true,
        describe: `How long each rollout may take (default ${DEFAULT_TIMEOUT}; --resume: the rotation's own)`,
      },
      keep: { type: 'number', default: 2, requiresArg: true, describe: 'Versions to keep, current included' },
      'no-rollback': {
        type: 'boolean',
        default: false,
        describe: 'Leave a failed rotation for inspection instead of rolling back',
      },
      'dry-run': {
        type: 'boolean',
        default: false,
        describe: 'Print the plan and change nothing (new values optional)',
      },
      yes: { alias: 'y', type: 'boolean', default: false, describe: 'Do not ask for confirmation' },
      resume: { type: 'boolean', default: false, describe: 'Finish or roll back an interrupted rotation' },
      retire: {
        type: 'boolean',
        default: false,
        describe: 'Delete versions no consumer uses (never the current one, nor one a rollout undo would need)',
      },
      force: {
        type: 'boolean',
        default: false,
        describe: 'Rotate a Secret another tool manages, and repoint workloads Helm/Argo CD/Flux manage',
      },
      'skip-unhealthy': {
        type: 'boolean',
        default: false,
        describe: 'Leave out (NOT ROTATED) consumers that are not healthy before the rotation, instead of refusing',
      },
      'rotate-unhealthy': {
        type: 'boolean',
        default: false,
        describe: 'Rotate consumers that are not healthy before the rotation too (a rollback does not wait for them)',
      },
    })
    .epilog(EPILOG);

type RotateArgs = ArgsOf<typeof builder>;

export const rotateCommand = defineCommand({
  command: 'rotate <name>',
  cluster: true,
  describe: 'Rotate a Secret blue/green: new version, repoint consumers, wait for rollouts, roll back on failure',
  builder,
  examples: [
    {
      command: '$0 rotate api-keys -n shop --from-literal token=new-demo-value --dry-run',
      describe: 'The plan: new version, consumers to repoint, nothing changed',
    },
    {
      command: '$0 rotate api-keys -n shop --from-file token=./token.txt --yes',
      describe: 'Rotate blue/green without a prompt, the new value read from a file',
    },
    {
      command: '$0 rotate api-keys -n shop --resume',
      describe: 'Finish or roll back a rotation that was interrupted (from any machine)',
    },
    {
      command: '$0 rotate api-keys -n shop --retire --dry-run',
      describe: 'Versions no consumer uses any more, which --retire would delete',
    },
  ],
  handler: async (args, ctx) => {
    const options = validate(args);
    const running = args.resume
      ? resumeCommand(args, options, ctx)
      : args.retire
        ? retireCommand(args, ctx)
        : rotateNow(args, options, ctx);
    return running.catch(rethrowAsCliError);
  },
});

interface Validated {
  timeoutMs: number | undefined;
}

function validate(args: RotateArgs): Validated {
  // secret/NAME, as kubectl and the -o name outputs print it, is NAME for every step that follows.
  args.name = secretNameArg(args.name)!;
  if (args.allNamespaces) throw new UsageError('rotate works in one namespace: use -n instead of -A');
  const values = repeated(args.fromFile).length + repeated(args.fromEnvFile).length + repeated(args.fromLiteral).length;
  if (args.resume && args.retire) throw new UsageError('--resume and --retire cannot be combined');
  if (
    (args.resume || args.retire) &&
    (values > 0 ||
      args.inPlace ||
      args.replaceAll ||
      args.allowEmpty ||
      args.mutable ||
      args.restartAll ||
      args.skipUnhealthy ||
      args.rotateUnhealthy)
  ) {
    throw new UsageError(`--${args.resume ? 'resume' : 'retire'} takes no new values and no rotation flags`);
  }
  if (args.resume && args.dryRun) throw new UsageError('--dry-run cannot be combined with --resume');
  if (args.skipUnhealthy && args.rotateUnhealthy)
    throw new UsageError('--skip-unhealthy and --rotate-unhealthy cannot be combined');
  if (args.restartAll && !args.inPlace) throw new UsageError('--restart-all applies to --in-place rotations');
  if (args.mutable && args.inPlace)
    throw new UsageError('--mutable applies to new versions (blue/green), not to --in-place');
  if (!Number.isInteger(args.keep) || args.keep < 1)
    throw new UsageError(`invalid --keep ${args.keep}: a whole number of versions, at least 1`);
  let timeoutMs: number | undefined;
  if (args.timeout !== undefined) {
    timeoutMs = parseDuration(args.timeout);
    if (timeoutMs === undefined || timeoutMs <= 0)
      throw new UsageError(`invalid --timeout "${args.timeout}": use a duration such as 90s or 5m`);
  }
  return { timeoutMs };
}

async function rotateNow(args: RotateArgs, { timeoutMs }: Validated, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const rotationTimeout = timeoutMs ?? parseDuration(DEFAULT_TIMEOUT)!;
  // Input problems are reported before the cluster is even contacted.
  const read = await readValueSources(
    {
      fromFile: repeated(args.fromFile),
      fromEnvFile: repeated(args.fromEnvFile),
      fromLiteral: repeated(args.fromLiteral),
    },
    io.stdin,
    {
      maxBytes: MAX_SECRET_BYTES,
    },
  );
  for (const w of read.warnings) warn(io, w);
  if (!args.allowEmpty) refuseEmptyValues(read.values);
  // A plan needs no values (investigate's next step plans one before they exist); a rotation does.
  if (!args.dryRun) requireNewValues(read.values);
  else if (args.replaceAll && read.values.length === 0)
    throw new UsageError('--replace-all needs the new values: give --from-file, --from-env-file or --from-literal');

  const deps = connect(ctx, args);
  // Every permission rotate may need is checked before its first write: a refusal, never a half-done rotation.
  if (!args.dryRun) await requirePermissions(ctx.connect(), 'rotate', deps.cluster.namespace);
  const proposal = await proposeRotation(
    deps,
    args.name,
    read.values,
    {
      mode: args.inPlace ? 'in-place' : 'blue-green',
      replaceAll: args.replaceAll,
      mutable: args.mutable,
      force: args.force,
      restartAll: args.restartAll,
      unhealthy: args.skipUnhealthy ? 'skip' : args.rotateUnhealthy ? 'rotate' : 'refuse',
      keep: args.keep,
      timeoutMs: rotationTimeout,
    },
    { dryRun: args.dryRun, warn: (w) => warn(io, w) },
  );
  const { prepared } = proposal;

  if (args.dryRun) {
    if (isTable(args)) writeLines(io.stdout, planHeader(prepared, true));
    printReport(planReport(proposal), ROTATION_VIEW, args, io);
    return EXIT.ok;
  }
  if (!args.yes) {
    if (read.usedStdin)
      throw new CliError(
        'the new value came from stdin, so no confirmation can be read: add --yes (or --dry-run to see the plan)',
      );
    if (!canPrompt(io))
      throw new CliError(
        'refusing to rotate without confirmation: not a terminal; add --yes (or --dry-run to see the plan)',
      );
    writeLines(io.stderr, planLines(prepared));
    if (!(await confirm(io, `Rotate ${prepared.plan.logical}?`))) throw new CliError('not confirmed: nothing changed');
  }

  const journal = await withProgress(ctx, (events, stopRequested) =>
    startRotation(
      prepared,
      { ...deps, events, stopRequested },
      { timeoutMs: rotationTimeout, rollback: !args.noRollback },
    ),
  );
  printOutcome(journal, prepared.plan, proposal, args, io);
  return exitCodeOf(journal);
}

async function resumeCommand(args: RotateArgs, { timeoutMs }: Validated, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const deps = connect(ctx, args);
  await requirePermissions(ctx.connect(), 'rotate', deps.cluster.namespace);
  const result = await withProgress(ctx, (events, stopRequested) =>
    resumeRotation(
      args.name,
      { ...deps, events, stopRequested },
      { ...(timeoutMs ? { timeoutMs } : {}), rollback: !args.noRollback },
    ),
  );
  if (result.nothing) {
    writeLines(io.stderr, result.notes);
    if (isStructured(args))
      printReport(nothingToResumeReport(deps.cluster.namespace, args.name, result), ROTATION_VIEW, args, io);
    // A rotation that stopped before its first write changed nothing, but did not rotate either.
    return result.abandoned ? EXIT.rolledBack : EXIT.ok;
  }
  printOutcome(result.journal!, undefined, { complete: true, warnings: [] }, args, io);
  return exitCodeOf(result.journal!);
}

async function retireCommand(args: RotateArgs, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const deps = connect(ctx, args);
  const { namespace } = deps.cluster;
  if (!args.dryRun) await requirePermissions(ctx.connect(), 'rotate', namespace);
  const plan = await planRetire(deps.cluster, args.name);
  const candidates = plan.retire.map((v) => v.name);
  const locked = await lockedNow(deps, args.name);
  if (locked && !args.dryRun) throw new CliError(locked);
  for (const gap of plan.gaps) warn(io, `${gap}: users there are not seen, so no version is deleted`);
  if (args.dryRun || candidates.length === 0) {
    // Without --dry-run, a retire with nothing to delete is done: `retired`, deleting nothing.
    if (isStructured(args))
      printReport(
        retireReport(namespace, plan, {
          dryRun: args.dryRun,
          deleted: candidates,
          result: args.dryRun ? 'planned' : 'retired',
        }),
        ROTATION_VIEW,
        args,
        io,
      );
    else writeLines(io.stdout, retireLines(plan));
    return EXIT.ok;
  }
  if (!args.yes) {
    if (!canPrompt(io))
      throw new CliError(
        'refusing to delete versions without confirmation: not a terminal; add --yes (or --dry-run to see what would go)',
      );
    writeLines(io.stderr, retireLines(plan));
    if (
      !(await confirm(
        io,
        `Delete ${candidates.length} unused version${candidates.length === 1 ? '' : 's'} of ${args.name}?`,
      ))
    ) {
      throw new CliError('not confirmed: nothing deleted');
    }
  }
  const deleted = await withProgress(ctx, (events, stopRequested) => retire(plan, { ...deps, events, stopRequested }));
  if (isStructured(args))
    printReport(
      retireReport(namespace, plan, { dryRun: args.dryRun, deleted, result: 'retired' }),
      ROTATION_VIEW,
      args,
      io,
    );
  else
    io.stdout.write(
      `retired ${deleted.length} version${deleted.length === 1 ? '' : 's'} of ${args.name}${deleted.length ? `: ${deleted.join(', ')}` : ''}\n`,
    );
  return EXIT.ok;
}

/** This process, its clock and the cluster (in the namespace of -n or the kubeconfig context) as a rotation sees them. */
function connect(ctx: CommandContext, args: SharedArgs): Omit<RotateDeps, 'events'> {
  const kube = ctx.connect();
  const host = hostname();
  const machine = machineIdentity();
  return {
    // KUBECTL_SECRETS_ROTATE_POLL=1 waits for rollouts by polling, as before watches (the bench compares both).
    cluster: new KubeRotationCluster(kube, kube.target.namespace, {
      watch: ctx.io.env.KUBECTL_SECRETS_ROTATE_POLL !== '1',
    }),
    clock: { now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
    identity: { holder: holderIdentity(host, process.pid, machine), host, ...(machine ? { machine } : {}), isAlive },
    newId: () => crypto.randomBytes(6).toString('hex'),
    commandFlags: resumeFlags(args),
  };
}

/**
 * Runs `work` with its progress on stderr (a spinner on a terminal), and the
 * crash-test switch: KUBECTL_SECRETS_CRASH_AT_STEP=K exits abruptly once step K is recorded.
 * SIGINT, SIGTERM and SIGHUP ask the rotation to stop at its next safe point
 * (between two recorded steps): rotate takes the interrupts over from the app.
 * A second signal still quits at once, which every step being recorded and
 * idempotent also survives.
 */
async function withProgress<T>(
  ctx: CommandContext,
  work: (events: RunEvents, stopRequested: () => string | undefined) => Promise<T>,
): Promise<T> {
  const { io, interrupts } = ctx;
  const progress = await startProgress(io);
  const crashAt = io.env.KUBECTL_SECRETS_CRASH_AT_STEP;
  let stop: string | undefined;
  const onSignal = (): void => {
    const reason: unknown = interrupts.signal.reason;
    stop = reason instanceof InterruptedError ? reason.signal : 'SIGINT';
    progress.done(`${stop}: stopping at the next safe point (send it again to quit at once)`);
  };
  interrupts.takeOver();
  if (interrupts.signal.aborted) onSignal();
  else interrupts.signal.addEventListener('abort', onSignal, { once: true });
  try {
    return await work(
      {
        line: (text) => progress.done(text),
        status: (text) => progress.step(text),
        recorded: (step) => {
          if (crashAt !== undefined && crashAt !== '' && Number(crashAt) === step.n) process.exit(137);
        },
      },
      () => stop,
    );
  } finally {
    interrupts.signal.removeEventListener('abort', onSignal);
    progress.stop();
  }
}

/**
 * This boot of this kernel and this pid namespace (Linux): two containers or
 * machines with the same host name differ here, so a pid is only judged where
 * it means the same process. Undefined elsewhere: the lock then waits for the
 * lease to expire instead.
 */
function machineIdentity(): string | undefined {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const pidNamespace = readlinkSync('/proc/self/ns/pid');
    return crypto.createHash('sha256').update(`${boot}\n${pidNamespace}`).digest('hex').slice(0, 12);
  } catch {
    return undefined;
  }
}

const isTable = (args: SharedArgs): boolean => args.output === 'table' || args.output === 'wide';
const isStructured = (args: SharedArgs): boolean => args.output === 'json' || args.output === 'yaml';

/** Lines of the plan and its notes: they quote the cluster's text (a Secret's type, key names), made inert. */
function writeLines(stream: Writer, lines: readonly string[]): void {
  for (const line of lines) stream.write(`${safeText(line)}\n`);
}

/** What --resume needs to find this rotation again: the cluster and the identity it ran with. */
const resumeFlags = (args: SharedArgs): string[] => [...clusterFlags(args), ...identityFlags(args)];

function printOutcome(
  journal: Journal,
  plan: Plan | undefined,
  completeness: Pick<Proposal, 'complete' | 'warnings'>,
  args: SharedArgs,
  io: IO,
): void {
  printReport(outcomeReport(journal, plan, completeness), ROTATION_VIEW, args, io);
  if (isTable(args)) io.stdout.write(`${outcomeLine(journal, plan, resumeFlags(args))}\n`);
}

/**
 * Rotation errors become the one-line `error:` the app prints, with the
 * rotation's exit code. A refused write that ends the command (no lease
 * rights, say) is handed on as the API error it was, which the app words.
 */
function rethrowAsCliError(err: unknown): never {
  if (err instanceof RotateError) throw new CliError(err.message, { exitCode: err.exitCode, cause: err });
  if ((err instanceof RejectedError || err instanceof ConflictError) && err.cause !== undefined) throw err.cause;
  throw err;
}
