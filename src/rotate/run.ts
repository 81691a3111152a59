// Orchestrates a rotation through an injected cluster port: propose it
// (inspect, check, prepare), then lock and hand it to the Runner (which makes
// the first, atomic write of the journal, then every other step); resume from
// the journal; retire unused versions. No I/O of its own.
import type { RotationMode } from './constants.js';
import {
  ANNOTATION_JOURNAL,
  ANNOTATION_MODE,
  ANNOTATION_RECORD,
  ANNOTATION_ROTATION_ID,
  backupName,
  LABEL_NAME,
  leaseName,
} from './constants.js';
import { lastAppliedWarnings } from './applied-config.js';
import { ConflictError, EXIT, RotateError } from './errors.js';
import { nextStep, parseJournal, type Journal } from './journal.js';
import { isFinished } from './lifecycle.js';
import {
  heldSince,
  judgeLease,
  LEASE_SECONDS,
  newLease,
  renewedLease,
  type LeaseObject,
  type LockRequest,
} from './lock.js';
import { unseenUsers, type RotationCluster } from './port.js';
import { inspect, prepare, type Prepared, type PrepareOptions } from './run-inspect.js';
import { releaseLock, Runner, type RunnerDeps } from './run-steps.js';
import { describeStep, endingError } from './outcome.js';
import { resumeCommand } from './report.js';
import { shellLine } from '../util/shell.js';
import { describeHistoryUse, secretHistory, secretUsers } from './usage.js';
import { foreignBackup } from './steps-values.js';
import { describeCopies, hasCopies, valueCopies, type ValueCopies } from './value-copies.js';
import { addedLineBreaks, printableKey, type NewValue } from './values.js';
import { checkLogicalName, currentVersion, versionsOf, type SecretVersion } from './versions.js';

export interface RotateDeps extends RunnerDeps {
  /** The flags that chose the cluster and identity, for the --resume command it prints (resumeCommand). */
  commandFlags?: readonly string[];
  /** This process, as the lock names it, and how to tell whether a local holder still runs. */
  identity: { holder: string; host: string; machine?: string; isAlive(pid: number): boolean };
  newId(): string;
}

/** A rotation checked and computed, ready to confirm and start. */
export interface Proposal {
  prepared: Prepared;
  /** What was warned about, in order: the report's metadata.warnings. */
  warnings: string[];
  /** False when some lists were forbidden, so consumers may be missed. */
  complete: boolean;
}

/**
 * Everything before the first change: reads the Secret and its users,
 * refuses while a rotation holds its lock (a dry run only notes it), checks
 * the rotation and computes what it will write. Each warning goes to `warn`
 * as soon as it is known, so that it shows even when a later check refuses.
 */
export async function proposeRotation(
  deps: Omit<RotateDeps, 'events'>,
  name: string,
  values: readonly NewValue[],
  opts: Omit<PrepareOptions, 'id' | 'holder' | 'now'>,
  { dryRun, warn }: { dryRun: boolean; warn(message: string): void },
): Promise<Proposal> {
  const { cluster } = deps;
  const warnings: string[] = [];
  const note = (message: string): void => {
    warnings.push(message);
    warn(message);
  };
  const ins = await inspect(cluster, name);
  ins.notes.forEach(note);
  const locked = await lockedNow(deps, ins.logical);
  if (locked && !dryRun) throw new RotateError(locked);
  if (locked) note(`${locked} (this plan shows the cluster as it is now)`);
  if (opts.mode === 'in-place') {
    // Found by the backup step only after the journal was written: refused here, before any change.
    const foreign = foreignBackup(await cluster.getSecret(backupName(ins.logical)), ins.logical);
    if (foreign) throw new RotateError(foreign);
  }
  const prepared = prepare(ins, values, {
    ...opts,
    id: deps.newId(),
    holder: deps.identity.holder,
    now: deps.clock.now(),
  });
  if (ins.blocker && opts.force)
    note(
      `${prepared.plan.from} is managed by ${ins.blocker.manager}; rotating it anyway (--force): ${ins.blocker.instead}`,
    );
  if (values.length === 0)
    note(
      'no new values given: this plan keeps the current keys; rotate with --from-file, --from-env-file or --from-literal',
    );
  else if (prepared.merged.changed.length === 0 && prepared.merged.added.length === 0)
    note('the new values are the same as the current ones');
  for (const key of addedLineBreaks(ins.current.data ?? {}, values))
    note(
      `the new value of key "${printableKey(key)}" ends with a line break that the current one has not (echo adds one: printf '%s' "$VALUE" does not); it is kept as given`,
    );
  const copies = valueCopies(ins.current.metadata, ins.current.data ?? {});
  if (hasCopies(copies)) note(copiesNote(prepared.plan.from, prepared.plan.to, opts.mode, copies));
  lastAppliedWarnings(prepared.plan, ins.scan).forEach(note);
  for (const gap of ins.scan.gaps) note(`${gap}: consumers there are not seen`);
  if (ins.scan.historyGap) note(`${ins.scan.historyGap}: old revisions are not seen, so no version is deleted`);
  return { prepared, warnings, complete: unseenUsers(ins.scan).length === 0 };
}

function copiesNote(from: string, to: string, mode: RotationMode, copies: ValueCopies): string {
  const what = `${describeCopies(copies)} of ${from} hold${copies.annotations.length + copies.labels.length === 1 ? 's' : ''} a copy of its values`;
  if (mode === 'in-place')
    return `${what}: the rotation removes ${copies.annotations.length + copies.labels.length === 1 ? 'it' : 'them'}`;
  const kept =
    copies.labels.length > 0 ? `; ${copies.labels.map((k) => `label ${k}`).join(', ')} not copied to ${to}` : '';
  return `${what} (metadata readers see them)${kept}`;
}

export interface RunOptions {
  timeoutMs: number;
  rollback: boolean;
}

const resumeHint = (logical: string, namespace: string, flags: readonly string[] | undefined): string =>
  `run ${resumeCommand(logical, namespace, flags)} to finish or roll it back`;

/** Takes the lock, then runs the rotation: its first write (creating the new version, or the journal in place), then the rest. */
export async function startRotation(prepared: Prepared, deps: RotateDeps, opts: RunOptions): Promise<Journal> {
  const first = prepared.journal;
  const lease = await lock(deps, {
    logical: first.logical,
    rotationId: first.id,
    record: prepared.record,
    mode: first.mode,
  });
  deps.events.recorded?.({ n: 0, action: 'lock' });
  const runner = new Runner(deps, first, prepared.record, undefined, lease, {
    ...opts,
    ...(prepared.newVersion ? {} : { newData: prepared.merged.data }),
  });
  const hint = resumeHint(first.logical, first.namespace, deps.commandFlags);
  await runner.start(
    { ...(prepared.newVersion ? { newVersion: prepared.newVersion } : {}), readVersion: prepared.readVersion },
    hint,
  );
  return runToEnd(runner, hint);
}

async function runToEnd(runner: Runner, hint: string): Promise<Journal> {
  try {
    return await runner.run();
  } catch (err) {
    throw endingError(err, nextStep(runner.current), hint);
  }
}

/** Takes the lock of a logical Secret for this process; refused (RotateError) while another rotation holds it. */
async function lock(
  deps: Omit<RotateDeps, 'events'>,
  req: Pick<LockRequest, 'logical' | 'rotationId' | 'record' | 'mode'>,
): Promise<LeaseObject> {
  const { cluster } = deps;
  const lease = newLease({ ...req, namespace: cluster.namespace, holder: deps.identity.holder, now: deps.clock.now() });
  try {
    return await cluster.createLease(lease);
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    throw new RotateError(lockedMessage(deps, req.logical, await cluster.getLease(leaseName(req.logical))));
  }
}

type LockDeps = Pick<RotateDeps, 'cluster' | 'clock' | 'identity' | 'commandFlags'>;

function lockedMessage(deps: LockDeps, logical: string, lease: LeaseObject | undefined): string {
  const holder = lease?.spec?.holderIdentity ?? (lease ? 'no live process: left for --resume' : 'another process');
  const since = heldSince(lease?.spec);
  const held = `another rotation of ${logical} holds the lock (Lease ${leaseName(logical)}, ${holder}${since})`;
  const resume = resumeHint(logical, deps.cluster.namespace, deps.commandFlags);
  // A holder on this machine whose process is gone will never finish: --resume takes it over at once.
  const verdict = lease?.spec?.holderIdentity ? judgeLease(lease, deps.clock.now(), deps.identity) : undefined;
  if (verdict && !verdict.held && verdict.gone) return `${held} but no longer runs (${verdict.gone}): ${resume}`;
  return `${held}: wait for it, or if it died ${resume}`;
}

/**
 * Why `logical` cannot be rotated or retired now (a rotation holds its lock,
 * running or interrupted), or undefined. Checked before planning, so that no
 * plan is shown for a Secret whose consumers may be half-way to a new version.
 */
export async function lockedNow(deps: LockDeps, logical: string): Promise<string | undefined> {
  const lease = await deps.cluster.getLease(leaseName(logical));
  return lease ? lockedMessage(deps, logical, lease) : undefined;
}

export interface ResumeResult {
  journal?: Journal;
  /** What was found, for the user: "took over from ...", "nothing to resume". */
  notes: string[];
  /** True when there was nothing interrupted to resume. */
  nothing: boolean;
  /** True when a lock was left by a rotation that had changed nothing yet (its values are lost): it was released. */
  abandoned?: boolean;
}

/**
 * Finishes or rolls back an interrupted rotation, from whatever machine:
 * takes over the lock when its holder is gone (or its lease ran out), reads
 * the journal it points to, and runs the remaining steps.
 */
export async function resumeRotation(
  logical: string,
  deps: RotateDeps,
  opts: { timeoutMs?: number; rollback: boolean },
): Promise<ResumeResult> {
  checkLogicalName(logical);
  const { cluster, clock, identity, events } = deps;
  const notes: string[] = [];
  const name = leaseName(logical);
  let lease = await cluster.getLease(name);
  let journal: Journal | undefined;
  let record: string;
  let recordVersion: string | undefined;

  if (lease) {
    const verdict = judgeLease(lease, clock.now(), identity);
    if (verdict.held) {
      throw new RotateError(
        `the rotation of ${logical} is still running (${verdict.why}): --resume takes over only once its process is gone or its lock goes ${LEASE_SECONDS}s without renewal`,
      );
    }
    try {
      lease = await cluster.replaceLease(renewedLease(lease, identity.holder, clock.now()));
    } catch (err) {
      if (err instanceof ConflictError)
        throw new RotateError(`another process took over the rotation of ${logical} just now`);
      throw err;
    }
    notes.push(`took over the lock from ${verdict.why}`);
    const id = lease.metadata.annotations?.[ANNOTATION_ROTATION_ID];
    record = lease.metadata.annotations?.[ANNOTATION_RECORD] ?? logical;
    const holderSecret = await cluster.getSecret(record);
    journal = parseJournal(holderSecret?.metadata.annotations?.[ANNOTATION_JOURNAL]);
    recordVersion = holderSecret?.metadata.resourceVersion;
    const ours = journal?.id === id ? journal : undefined;
    if (!ours || isFinished(ours)) {
      if (!ours) {
        // No journal of this rotation: make sure it really changed nothing before saying so.
        const found = await tracesOf(cluster, logical, {
          id: id ?? '',
          record,
          mode: lease.metadata.annotations?.[ANNOTATION_MODE],
        });
        if (found.changed) {
          const why = holderSecret?.metadata.annotations?.[ANNOTATION_JOURNAL] === undefined ? 'missing' : 'unreadable';
          throw new RotateError(
            journalLostMessage(logical, cluster.namespace, record, why, found.facts, deps.commandFlags),
            EXIT.needsAttention,
          );
        }
      }
      await cluster.deleteLease(name, lease.metadata.uid ? { uid: lease.metadata.uid } : undefined);
      notes.push(
        `released the lock: ${ours ? `it had already ended (${ours.state})` : 'it stopped before changing anything; run the rotation again'}`,
      );
      return ours ? { notes, nothing: true, journal: ours } : { notes, nothing: true, abandoned: true };
    }
    journal = ours;
  } else {
    const found = await unfinishedJournal(cluster, logical);
    if (!found) {
      const unreadable = await unreadableJournal(cluster, logical);
      if (unreadable) {
        const traces = await tracesOf(cluster, logical, { id: '', record: unreadable, mode: undefined });
        throw new RotateError(
          journalLostMessage(logical, cluster.namespace, unreadable, 'unreadable', traces.facts, deps.commandFlags),
          EXIT.needsAttention,
        );
      }
      return { notes: [`no interrupted rotation of ${logical} in namespace ${cluster.namespace}`], nothing: true };
    }
    ({ journal, record, recordVersion } = found);
    lease = await lock(deps, { logical, rotationId: journal.id, record, mode: journal.mode });
    notes.push(`found the journal of an unfinished rotation on ${record} (its lock was gone)`);
  }

  const step = nextStep(journal);
  // A rollback goes back: from the new version to the one it replaced; in place, one Secret changes its values.
  const back = journal.state === 'rolling-back';
  const what =
    journal.mode === 'in-place'
      ? `${back ? 'rollback of the ' : ''}in-place rotation of ${journal.logical}`
      : back
        ? `rollback ${journal.to} → ${journal.from}`
        : `rotation ${journal.from} → ${journal.to}`;
  notes.push(`resuming the ${what} at ${step ? describeStep(step) : 'its end'}`);
  for (const n of notes) events.line(n);
  const runner = new Runner(deps, { ...journal, holder: identity.holder }, record, recordVersion, lease, {
    timeoutMs: opts.timeoutMs ?? journal.timeoutSeconds * 1000,
    rollback: opts.rollback,
  });
  return {
    journal: await runToEnd(runner, resumeHint(logical, cluster.namespace, deps.commandFlags)),
    notes,
    nothing: false,
  };
}

/** What a rotation whose journal is lost left in the cluster: the objects it wrote, and who uses which version now. */
async function tracesOf(
  cluster: RotationCluster,
  logical: string,
  rotation: { id: string; record: string; mode: string | undefined },
): Promise<{ changed: boolean; facts: string[] }> {
  const facts: string[] = [];
  let changed = false;
  const listed = await cluster.listVersions(logical);
  const backup = await cluster.getSecret(backupName(logical)).catch(() => undefined);
  const all = [...listed, ...(backup ? [backup] : [])];
  for (const s of all) {
    if (rotation.id && s.metadata.annotations?.[ANNOTATION_ROTATION_ID] === rotation.id) {
      changed = true;
      facts.push(`${s.metadata.name} was written by this rotation`);
    }
  }
  const scan = await cluster.scanConsumers();
  const names = all.map((s) => s.metadata.name ?? '');
  const users = secretUsers(scan, cluster.namespace, names);
  for (const n of [...new Set(names)].sort()) {
    const who = users.get(n);
    if (!who) continue;
    facts.push(`${who.join(', ')} use${who.length === 1 ? 's' : ''} ${n}`);
    // blue/green: anything on the version it created was switched by it.
    if (n === rotation.record && rotation.mode !== 'in-place' && n !== logical) changed = true;
  }
  for (const gap of scan.gaps) facts.push(`${gap}: consumers there are not seen`);
  return { changed, facts };
}

function journalLostMessage(
  logical: string,
  namespace: string,
  record: string,
  why: string,
  facts: string[],
  flags: readonly string[] = [],
): string {
  // With the flags that chose the cluster (see resumeCommand): pasted after a context switch, the delete must not
  // remove the lock of a rotation on another cluster.
  const exposure = shellLine(['kubectl', 'secrets', 'exposure', logical, '-n', namespace, ...flags]);
  const unlock = shellLine(['kubectl', 'delete', 'lease', leaseName(logical), '-n', namespace, ...flags]);
  return (
    `the journal of the interrupted rotation of ${logical} on ${record} is ${why}, so it cannot be finished or rolled back by itself; ` +
    `found: ${facts.length ? facts.join('; ') : 'nothing'}. Nothing was changed now and the lock (Lease ${leaseName(logical)}) is kept: ` +
    `point every consumer at the version you want (${exposure}), then delete the lock (${unlock})`
  );
}

/** A version of `logical` whose journal annotation is there but cannot be read. */
async function unreadableJournal(cluster: RotationCluster, logical: string): Promise<string | undefined> {
  for (const s of await cluster.listVersions(logical)) {
    const text = s.metadata.annotations?.[ANNOTATION_JOURNAL];
    if (text !== undefined && !parseJournal(text)) return s.metadata.name;
  }
  return undefined;
}

async function unfinishedJournal(
  cluster: RotationCluster,
  logical: string,
): Promise<{ journal: Journal; record: string; recordVersion: string | undefined } | undefined> {
  const found: Array<{ journal: Journal; record: string; recordVersion: string | undefined }> = [];
  for (const s of await cluster.listVersions(logical)) {
    const journal = parseJournal(s.metadata.annotations?.[ANNOTATION_JOURNAL]);
    if (journal && journal.logical === logical && !isFinished(journal)) {
      found.push({ journal, record: s.metadata.name ?? logical, recordVersion: s.metadata.resourceVersion });
    }
  }
  found.sort((a, b) => b.journal.startedAt.localeCompare(a.journal.startedAt));
  return found[0];
}

export { exitCodeOf } from './outcome.js';

export interface RetirePlan {
  logical: string;
  current: string | undefined;
  /** Unused versions (and the in-place backup) that would be deleted. */
  retire: SecretVersion[];
  /** Versions kept: something uses them, an old revision of a workload names them, or the scan has gaps. */
  inUse: SecretVersion[];
  /** Who uses each kept version (`Kind/name`). */
  usedBy: Record<string, string[]>;
  /** The retained old revisions (`kubectl rollout undo` targets) that name each kept version. */
  undoNeeds: Record<string, string[]>;
  gaps: string[];
}

/** Which versions nothing uses any more (never the current one); with gaps in the scan, none. */
export async function planRetire(cluster: RotationCluster, logical: string): Promise<RetirePlan> {
  checkLogicalName(logical);
  const listed = await cluster.listVersions(logical);
  const versions = versionsOf(logical, listed);
  const current = currentVersion(logical, versions);
  if (!current) throw new RotateError(`no versions of "${logical}" in namespace "${cluster.namespace}"`);
  const scan = await cluster.scanConsumers();
  const others = versions.filter((v) => v.name !== current.name);
  const backup = listed.find(
    (s) => s.metadata.name === backupName(logical) && s.metadata.labels?.[LABEL_NAME] === logical,
  );
  if (backup) others.push({ name: backupName(logical), version: 0, stage: 'previous', unversioned: false });
  const names = others.map((v) => v.name);
  const users = secretUsers(scan, cluster.namespace, names);
  const history = secretHistory(scan, cluster.namespace);
  // Never delete on an incomplete view: a list we may not read could hide a user.
  const gaps = unseenUsers(scan);
  const kept = (v: SecretVersion): boolean => gaps.length > 0 || users.has(v.name) || history.has(v.name);
  const pick = <T>(of: Map<string, T[]>, f: (t: T) => string): Record<string, string[]> =>
    Object.fromEntries(names.flatMap((n) => (of.has(n) ? [[n, of.get(n)!.map(f)]] : [])));
  return {
    logical,
    current: current.name,
    retire: others.filter((v) => !kept(v)),
    inUse: others.filter(kept),
    usedBy: pick(users, (u) => u),
    undoNeeds: pick(history, describeHistoryUse),
    gaps,
  };
}

/** Deletes what `confirmed` listed and is still unused, under the rotation lock. Returns the names deleted. */
export async function retire(confirmed: RetirePlan, deps: RotateDeps): Promise<string[]> {
  const { cluster } = deps;
  if (confirmed.gaps.length > 0)
    throw new RotateError(
      `cannot see every user of ${confirmed.logical} (${confirmed.gaps.join('; ')}): not deleting anything`,
    );
  const lease = await lock(deps, {
    logical: confirmed.logical,
    rotationId: deps.newId(),
    record: confirmed.logical,
    mode: 'retire',
  });
  try {
    const fresh = await planRetire(cluster, confirmed.logical);
    const still = new Set(fresh.retire.map((v) => v.name));
    const deleted: string[] = [];
    for (const v of confirmed.retire) {
      const signal = deps.stopRequested?.();
      if (signal) {
        const done = deleted.length ? `deleted ${deleted.join(', ')}` : 'deleted nothing';
        throw new RotateError(`interrupted by ${signal}: ${done}; run --retire again for the rest`, EXIT.interrupted);
      }
      if (!still.has(v.name)) continue;
      if (await cluster.deleteSecret(v.name)) deleted.push(v.name);
      deps.events.line(`${v.name}: deleted`);
    }
    return deleted;
  } finally {
    await releaseLock(cluster, lease);
  }
}
