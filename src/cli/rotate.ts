import { randomBytes } from 'node:crypto';
import type { Argv } from 'yargs';
import { hostname } from 'node:os';
import { defineCommand } from './command.js';
import type { CommandContext } from './context.js';
import { repeated, withConnection, withOutput, type SharedArgs } from './flags.js';
import { warn, type IO } from './io.js';
import { canPrompt, confirm } from './rotate-prompt.js';
import { planHeader, retireLines, ROTATION_VIEW, type RotationReport } from './rotate-view.js';
import { CliError, UsageError } from '../errors.js';
import { KubeRotationCluster } from '../kube/rotation.js';
import { printReport } from '../output/print.js';
import { startProgress } from '../output/progress.js';
import { EXIT, RotateError } from '../rotate/errors.js';
import type { Journal } from '../rotate/journal.js';
import { holderIdentity } from '../rotate/lock.js';
import { outcomeLine, rotationRows, summaryOf } from '../rotate/report.js';
import { inspect, prepare, type Prepared } from '../rotate/run-inspect.js';
import { exitCodeOf, lockedNow, planRetire, resumeRotation, retire, startRotation, type RotateDeps } from '../rotate/run.js';
import type { RunEvents } from '../rotate/run-steps.js';
import { readValueSources, ValueSourceError } from '../sources/value-files.js';
import { parseDuration } from '../util/duration.js';

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
  1  refused or failed before anything changed (bad input, owner, lock held, not confirmed)
  3  a rollout failed and every consumer is back on the previous version (or nothing changed)
  4  a rollout failed and was left as is (--no-rollback), the rollback failed, or the rotation
     was interrupted: run the same command with --resume`;

interface RotateArgs {
  name: string;
  fromFile?: string[];
  fromEnvFile?: string[];
  fromLiteral?: string[];
  replaceAll: boolean;
  inPlace: boolean;
  restartAll: boolean;
  mutable: boolean;
  timeout?: string;
  keep: number;
  noRollback: boolean;
  dryRun: boolean;
  yes: boolean;
  resume: boolean;
  retire: boolean;
  force: boolean;
}

export const rotateCommand = defineCommand<RotateArgs>({
  command: 'rotate <name>',
  describe: 'Rotate a Secret blue/green: new version, repoint consumers, wait for rollouts, roll back on failure',
  builder: (y) =>
    withOutput(withConnection(y))
      .positional('name', { type: 'string', describe: 'Secret name (the logical name for versioned Secrets)', demandOption: true })
      .options({
        'from-file': { type: 'string', array: true, requiresArg: true, describe: 'New value from a file: [key=]path (repeatable; key=- reads stdin; a directory adds each file)' },
        'from-env-file': { type: 'string', array: true, requiresArg: true, describe: 'New values from a KEY=VALUE file (repeatable)' },
        'from-literal': { type: 'string', array: true, requiresArg: true, describe: 'New value key=value (repeatable; ends up in shell history)' },
        'replace-all': { type: 'boolean', default: false, describe: 'Drop keys not given instead of carrying them over' },
        'in-place': { type: 'boolean', default: false, describe: 'Update the Secret itself and restart consumers that need it' },
        'restart-all': { type: 'boolean', default: false, describe: 'With --in-place, restart file-mount consumers too' },
        mutable: { type: 'boolean', default: false, describe: 'Create the new version mutable (default: immutable)' },
        timeout: { type: 'string', requiresArg: true, describe: `How long each rollout may take (default ${DEFAULT_TIMEOUT}; --resume: the rotation's own)` },
        keep: { type: 'number', default: 2, requiresArg: true, describe: 'Versions to keep, current included' },
        'no-rollback': { type: 'boolean', default: false, describe: 'Leave a failed rotation for inspection instead of rolling back' },
        'dry-run': { type: 'boolean', default: false, describe: 'Print the plan and change nothing' },
        yes: { alias: 'y', type: 'boolean', default: false, describe: 'Do not ask for confirmation' },
        resume: { type: 'boolean', default: false, describe: 'Finish or roll back an interrupted rotation' },
        retire: { type: 'boolean', default: false, describe: 'Delete versions no consumer uses (never the current one)' },
        force: { type: 'boolean', default: false, describe: 'Rotate a Secret another tool manages, and repoint workloads Helm/Argo CD/Flux manage' },
      })
      // yargs types keep the dashed names; the app strips them ('strip-dashed').
      .epilog(EPILOG) as unknown as Argv<RotateArgs>,
  handler: async (args, ctx) => {
    const options = validate(args);
    if (args.resume) return resumeCommand(args, options, ctx);
    if (args.retire) return retireCommand(args, ctx);
    return rotateNow(args, options, ctx);
  },
});

interface Validated {
  timeoutMs: number | undefined;
}

function validate(args: RotateArgs & SharedArgs): Validated {
  if (args.allNamespaces) throw new UsageError('rotate works in one namespace: use -n instead of -A');
  const values = repeated(args.fromFile).length + repeated(args.fromEnvFile).length + repeated(args.fromLiteral).length;
  if (args.resume && args.retire) throw new UsageError('--resume and --retire cannot be combined');
  if ((args.resume || args.retire) && (values > 0 || args.inPlace || args.replaceAll || args.mutable || args.restartAll)) {
    throw new UsageError(`--${args.resume ? 'resume' : 'retire'} takes no new values and no rotation flags`);
  }
  if (args.resume && args.dryRun) throw new UsageError('--dry-run cannot be combined with --resume');
  if (args.restartAll && !args.inPlace) throw new UsageError('--restart-all applies to --in-place rotations');
  if (args.mutable && args.inPlace) throw new UsageError('--mutable applies to new versions (blue/green), not to --in-place');
  if (!Number.isInteger(args.keep) || args.keep < 1) throw new UsageError(`invalid --keep ${args.keep}: a whole number of versions, at least 1`);
  let timeoutMs: number | undefined;
  if (args.timeout !== undefined) {
    timeoutMs = parseDuration(args.timeout);
    if (timeoutMs === undefined || timeoutMs <= 0) throw new UsageError(`invalid --timeout "${args.timeout}": use a duration such as 90s or 5m`);
  }
  return { timeoutMs };
}

async function rotateNow(args: RotateArgs & SharedArgs, { timeoutMs }: Validated, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const rotationTimeout = timeoutMs ?? parseDuration(DEFAULT_TIMEOUT)!;
  // Input problems are reported before the cluster is even contacted.
  const read = await readValueSources(
    { fromFile: repeated(args.fromFile), fromEnvFile: repeated(args.fromEnvFile), fromLiteral: repeated(args.fromLiteral) },
    io.stdin,
  ).catch(rethrowAsCliError);
  for (const w of read.warnings) warn(io, w);

  const { cluster, deps } = connect(args, ctx);
  const ins = await inspect(cluster, args.name).catch(rethrowAsCliError);
  for (const note of ins.notes) warn(io, note);
  const locked = await lockedNow(cluster, ins.logical);
  if (locked && !args.dryRun) throw new CliError(locked);
  if (locked) {
    const note = `${locked} (this plan shows the cluster as it is now)`;
    warn(io, note);
    ins.notes.push(note);
  }
  const prepared = await Promise.resolve()
    .then(() =>
      prepare(ins, read.values, {
        mode: args.inPlace ? 'in-place' : 'blue-green',
        replaceAll: args.replaceAll,
        mutable: args.mutable,
        force: args.force,
        restartAll: args.restartAll,
        keep: args.keep,
        timeoutMs: rotationTimeout,
        id: deps.newId(),
        holder: deps.identity.holder,
        now: deps.clock.now(),
      }),
    )
    .catch(rethrowAsCliError);
  const warnings = [...ins.notes];
  if (ins.blocker && args.force) warnings.push(`${prepared.plan.from} is managed by ${ins.blocker.manager}; rotating it anyway (--force): ${ins.blocker.instead}`);
  if (prepared.merged.changed.length === 0 && prepared.merged.added.length === 0) warnings.push('the new values are the same as the current ones');
  for (const gap of ins.scan.gaps) warnings.push(`${gap}: consumers there are not seen`);
  for (const w of warnings.slice(ins.notes.length)) warn(io, w);
  const completeness = { complete: ins.scan.gaps.length === 0, warnings };

  if (args.dryRun) {
    printPlan(prepared, completeness, args, io);
    return EXIT.ok;
  }
  if (!args.yes) {
    if (read.usedStdin) throw new CliError('the new value came from stdin, so no confirmation can be read: add --yes (or --dry-run to see the plan)');
    if (!canPrompt(io)) throw new CliError('refusing to rotate without confirmation: not a terminal; add --yes (or --dry-run to see the plan)');
    for (const line of planLines(prepared)) io.stderr.write(`${line}\n`);
    if (!(await confirm(io, `Rotate ${prepared.plan.logical}?`))) throw new CliError('not confirmed: nothing changed');
  }

  const progress = await startProgress(io);
  let journal: Journal;
  try {
    journal = await startRotation(prepared, { ...deps, events: events(progress, io) }, { timeoutMs: rotationTimeout, rollback: !args.noRollback }).catch(rethrowAsCliError);
  } finally {
    progress.stop();
  }
  printOutcome(journal, prepared, completeness, args, io);
  return exitCodeOf(journal);
}

async function resumeCommand(args: RotateArgs & SharedArgs, { timeoutMs }: Validated, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const { cluster, deps } = connect(args, ctx);
  const progress = await startProgress(io);
  let result;
  try {
    result = await resumeRotation(args.name, { ...deps, events: events(progress, io) }, { ...(timeoutMs ? { timeoutMs } : {}), rollback: !args.noRollback }).catch(
      rethrowAsCliError,
    );
  } finally {
    progress.stop();
  }
  if (result.nothing) {
    for (const n of result.notes) io.stderr.write(`${n}\n`);
    if (args.output === 'json' || args.output === 'yaml') {
      const report: RotationReport = {
        kind: 'RotationReport',
        metadata: { namespace: cluster.namespace, name: args.name, result: result.abandoned ? 'aborted' : 'nothing-to-resume', notes: result.notes },
        items: [],
      };
      printReport(report, ROTATION_VIEW, args, io);
    }
    // A rotation that stopped before its first write changed nothing, but did not rotate either.
    return result.abandoned ? EXIT.rolledBack : EXIT.ok;
  }
  printOutcome(result.journal!, undefined, { complete: true, warnings: [] }, args, io);
  return exitCodeOf(result.journal!);
}

async function retireCommand(args: RotateArgs & SharedArgs, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const { cluster, deps } = connect(args, ctx);
  const plan = await planRetire(cluster, args.name).catch(rethrowAsCliError);
  const structured = args.output === 'json' || args.output === 'yaml';
  const report = (deleted: string[], result: string): RotationReport => ({
    kind: 'RotationReport',
    metadata: {
      namespace: cluster.namespace,
      name: args.name,
      operation: 'retire',
      dryRun: args.dryRun,
      result,
      current: plan.current,
      deleted,
      keptInUse: plan.inUse.map((v) => v.name),
      ...(plan.gaps.length ? { complete: false, warnings: plan.gaps } : {}),
    },
    items: [],
  });
  const candidates = plan.retire.map((v) => v.name);
  const locked = await lockedNow(cluster, args.name);
  if (locked && !args.dryRun) throw new CliError(locked);
  if (args.dryRun || candidates.length === 0) {
    if (structured) printReport(report(candidates, 'planned'), ROTATION_VIEW, args, io);
    else for (const line of retireLines(plan)) io.stdout.write(`${line}\n`);
    return EXIT.ok;
  }
  if (!args.yes) {
    if (!canPrompt(io)) throw new CliError('refusing to delete versions without confirmation: not a terminal; add --yes (or --dry-run to see what would go)');
    for (const line of retireLines(plan)) io.stderr.write(`${line}\n`);
    if (!(await confirm(io, `Delete ${candidates.length} unused version${candidates.length === 1 ? '' : 's'} of ${args.name}?`))) {
      throw new CliError('not confirmed: nothing deleted');
    }
  }
  const progress = await startProgress(io);
  let deleted: string[];
  try {
    deleted = await retire(plan, { ...deps, events: events(progress, io) }).catch(rethrowAsCliError);
  } finally {
    progress.stop();
  }
  if (structured) printReport(report(deleted, 'retired'), ROTATION_VIEW, args, io);
  else io.stdout.write(`retired ${deleted.length} version${deleted.length === 1 ? '' : 's'} of ${args.name}${deleted.length ? `: ${deleted.join(', ')}` : ''}\n`);
  return EXIT.ok;
}

function connect(args: SharedArgs, ctx: CommandContext): { cluster: KubeRotationCluster; deps: Omit<RotateDeps, 'events'> & { events: RunEvents } } {
  const kube = ctx.connect();
  const cluster = new KubeRotationCluster(kube, args.namespace ?? kube.target.namespace ?? 'default');
  const host = hostname();
  return {
    cluster,
    deps: {
      cluster,
      clock: { now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
      events: { line: () => {}, status: () => {} },
      identity: { holder: holderIdentity(host, process.pid), host, isAlive },
      newId: () => randomBytes(6).toString('hex'),
    },
  };
}

/** The progress sink, plus the crash-test switch: KUBECTL_SECRETS_CRASH_AT_STEP=K exits abruptly once step K is recorded. */
function events(progress: { step(t: string): void; done(t: string): void }, io: IO): RunEvents {
  const crashAt = io.env.KUBECTL_SECRETS_CRASH_AT_STEP;
  return {
    line: (text) => progress.done(text),
    status: (text) => progress.step(text),
    recorded: (step) => {
      if (crashAt !== undefined && crashAt !== '' && Number(crashAt) === step.n) process.exit(137);
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function planLines(prepared: Prepared): string[] {
  const lines = planHeader(prepared, false);
  for (const row of rotationRows(undefined, prepared.plan)) {
    lines.push(`  ${row.action === 'skip' ? 'NOT ROTATED' : row.action} ${row.kind}/${row.name}${row.uses.length ? ` (${row.uses.join(', ')})` : ''}: ${row.message ?? ''}`);
  }
  if (prepared.plan.consumers.length === 0) lines.push('  no workload uses it: only the Secret changes');
  return lines;
}

interface Completeness {
  complete: boolean;
  warnings: string[];
}

/** --dry-run: the plan as a RotationReport (warnings were printed on stderr as they came). */
function printPlan(prepared: Prepared, completeness: Completeness, args: SharedArgs, io: IO): void {
  const report: RotationReport = {
    kind: 'RotationReport',
    metadata: { ...summaryOf(prepared.journal, true), ...completeness },
    items: rotationRows(undefined, prepared.plan),
  };
  if (args.output === 'table' || args.output === 'wide') {
    for (const line of planHeader(prepared, true)) io.stdout.write(`${line}\n`);
  }
  printReport(report, ROTATION_VIEW, args, io);
}

function printOutcome(journal: Journal, prepared: Prepared | undefined, completeness: Completeness, args: SharedArgs, io: IO): void {
  const report: RotationReport = {
    kind: 'RotationReport',
    metadata: { ...summaryOf(journal, false), ...completeness },
    items: rotationRows(journal, prepared?.plan),
  };
  printReport(report, ROTATION_VIEW, args, io);
  if (args.output === 'table' || args.output === 'wide') io.stdout.write(`${outcomeLine(journal, prepared?.plan)}\n`);
}

/** Rotation and input errors become the one-line `error:` the app prints, with the rotation's exit code. */
function rethrowAsCliError(err: unknown): never {
  if (err instanceof RotateError) throw new CliError(err.message, { exitCode: err.exitCode, cause: err });
  if (err instanceof ValueSourceError) throw new CliError(err.message, { cause: err });
  throw err;
}
