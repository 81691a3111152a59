import {
  ANNOTATION_JOURNAL,
  ANNOTATION_PREDECESSOR,
  ANNOTATION_ROTATION_ID,
  backupName,
  LABEL_NAME,
  LABEL_STAGE,
  LABEL_VERSION,
  PREFIX,
  type RotationMode,
} from './constants.js';
import { RotateError } from './errors.js';
import { serializeJournal, type Journal } from './journal.js';
import { newJournal, transition } from './lifecycle.js';
import { rotationBlocker, rotationCaveat, type RotationBlocker } from './owners.js';
import { planRotation, type Plan, type Unhealthy, type UnhealthyPolicy } from './plan.js';
import type { ConsumerScan, RotationCluster } from './port.js';
import type { SecretObject } from './types.js';
import { secretsInUse } from './usage.js';
import { valueCopies } from './value-copies.js';
import { mergeData, type MergedData, type NewValue } from './values.js';
import { checkLogicalName, currentVersion, nextVersion, versionsOf, type SecretVersion } from './versions.js';

/** What the cluster holds for one logical Secret, read before anything changes. */
export interface Inspection {
  namespace: string;
  logical: string;
  /** The Secret consumers use now, with its data. */
  current: SecretObject;
  versions: SecretVersion[];
  /** Names of the next versions that other Secrets already have (not versions of it): the next version passes them over. */
  taken: ReadonlySet<string>;
  blocker: RotationBlocker | undefined;
  scan: ConsumerScan;
  notes: string[];
}

/** Reads the Secret (resolving a version name to its logical name), its versions and its users. */
export async function inspect(cluster: RotationCluster, name: string): Promise<Inspection> {
  const notes: string[] = [];
  const named = await cluster.getSecret(name);
  let logical = name;
  const labelled = named?.metadata.labels?.[LABEL_NAME];
  if (labelled && labelled !== name) {
    logical = labelled;
    notes.push(
      `${name} is version ${named?.metadata.labels?.[LABEL_VERSION] ?? '?'} of ${logical}: rotating ${logical}`,
    );
  }
  checkLogicalName(logical);
  const listed = await cluster.listVersions(logical);
  const versions = versionsOf(logical, listed);
  const current = currentVersion(logical, versions);
  if (!current) throw new RotateError(`secret "${name}" not found in namespace "${cluster.namespace}"`);
  const secret = current.name === name && named ? named : await cluster.getSecret(current.name);
  if (!secret)
    throw new RotateError(
      `secret "${current.name}" (the current version of ${logical}) not found in namespace "${cluster.namespace}"`,
    );
  const caveat = rotationCaveat(secret);
  if (caveat) notes.push(caveat);
  const scan = await cluster.scanConsumers();
  const taken = new Set<string>();
  for (let next = nextVersion(logical, versions, taken); await cluster.secretExists(next.name);) {
    taken.add(next.name);
    next = nextVersion(logical, versions, taken);
  }
  return {
    namespace: cluster.namespace,
    logical,
    current: secret,
    versions,
    taken,
    blocker: rotationBlocker(secret),
    scan,
    notes,
  };
}

export interface PrepareOptions {
  mode: RotationMode;
  replaceAll: boolean;
  mutable: boolean;
  force: boolean;
  restartAll: boolean;
  /** A consumer not healthy now: refuse (the default), leave it out, or rotate it anyway. */
  unhealthy?: UnhealthyPolicy;
  keep: number;
  timeoutMs: number;
  id: string;
  holder: string;
  now: Date;
}

/** A rotation ready to run: its plan, the new data, the journal, and the Secret that records it. */
export interface Prepared {
  plan: Plan;
  merged: MergedData;
  journal: Journal;
  /** blue/green: the new version to create (journal included). in-place: the name that records it. */
  newVersion?: SecretObject;
  record: string;
  /** The resourceVersion the values were read at (in-place: the precondition of the first write). */
  readVersion: string | undefined;
}

/** Labels of the old version that mean "another tool manages me": not copied to new versions. */
const MANAGER_LABEL =
  /(^app\.kubernetes\.io\/managed-by$|^helm\.sh\/|argoproj\.io\/|fluxcd\.io\/|external-secrets\.io\/)/;

/**
 * Checks that the rotation may go ahead (owner, immutability, what consumers
 * read) and computes everything it will write. Throws RotateError before any
 * change otherwise.
 */
export function prepare(ins: Inspection, values: readonly NewValue[], opts: PrepareOptions): Prepared {
  const { current } = ins;
  const currentName = current.metadata.name ?? ins.logical;
  if (ins.blocker && !opts.force) {
    throw new RotateError(
      `${currentName} is managed by ${ins.blocker.manager}, which would undo a rotation here: ${ins.blocker.instead} (--force rotates it anyway)`,
    );
  }
  if (opts.mode === 'in-place' && current.immutable) {
    throw new RotateError(
      `${currentName} is immutable, so its values cannot change in place: rotate it blue/green (without --in-place)`,
    );
  }
  const merged = mergeData(current.data ?? {}, values, { replaceAll: opts.replaceAll });
  const next = opts.mode === 'blue-green' ? nextVersion(ins.logical, ins.versions, ins.taken) : undefined;
  const to = next?.name ?? currentName;
  const plan = planRotation({
    namespace: ins.namespace,
    logical: ins.logical,
    mode: opts.mode,
    from: currentName,
    to,
    workloads: ins.scan.workloads,
    pods: ins.scan.pods,
    objects: ins.scan.objects,
    newKeys: new Set(Object.keys(merged.data)),
    force: opts.force,
    restartAll: opts.restartAll,
    ...(opts.unhealthy ? { unhealthy: opts.unhealthy } : {}),
  });
  if (
    opts.mode === 'in-place' &&
    secretsInUse(ins.scan, ins.namespace, [backupName(ins.logical)]).has(backupName(ins.logical))
  ) {
    plan.problems.push(
      `${backupName(ins.logical)} (where an in-place rotation keeps the old values) is in use: point its users back at ${currentName} first`,
    );
  }
  if (plan.problems.length > 0) {
    throw new RotateError(`the rotation would break consumers: ${plan.problems.join('; ')}`);
  }
  if (plan.unhealthy.length > 0) throw new RotateError(unhealthyMessage(plan.unhealthy));

  const keys = {
    added: merged.added,
    changed: merged.changed,
    unchanged: merged.unchanged,
    carried: merged.carried,
    removed: merged.removed,
  };
  const journal0 = newJournal(plan, {
    id: opts.id,
    holder: opts.holder,
    now: opts.now,
    keep: opts.keep,
    timeoutSeconds: Math.round(opts.timeoutMs / 1000),
    keys,
    ...(next ? { version: next.version } : {}),
  });
  if (!next)
    return { plan, merged, journal: journal0, record: currentName, readVersion: current.metadata.resourceVersion };

  // The new version is born with its journal, step 1 (its creation) done: one atomic write.
  const journal = transition(journal0, { type: 'step-done', n: 1 }, opts.now);
  // Labels that hold a copy of a value are not carried over (annotations never are).
  const copies = valueCopies(current.metadata, current.data ?? {});
  const copied = Object.fromEntries(
    Object.entries(current.metadata.labels ?? {}).filter(
      ([k]) => !k.startsWith(`${PREFIX}/`) && !MANAGER_LABEL.test(k) && !copies.labels.includes(k),
    ),
  );
  const newVersion: SecretObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: to,
      namespace: ins.namespace,
      labels: {
        ...copied,
        [LABEL_NAME]: ins.logical,
        [LABEL_VERSION]: String(next.version),
        [LABEL_STAGE]: 'pending',
      },
      annotations: journalAnnotations(journal, currentName),
    },
    type: current.type ?? 'Opaque',
    ...(opts.mutable ? {} : { immutable: true }),
    data: merged.data,
  };
  return { plan, merged, journal, newVersion, record: to, readVersion: current.metadata.resourceVersion };
}

/** The refusal of a rotation whose consumers are not healthy before it starts. */
export function unhealthyMessage(list: readonly Unhealthy[]): string {
  const ref = (u: Unhealthy): string => `${u.kind}/${u.name}`;
  const one = list.length === 1 ? list[0] : undefined;
  const who = one
    ? `${ref(one)} is not healthy now (${one.why})`
    : `${list.map((u) => `${ref(u)} (${u.why})`).join(', ')} are not healthy now`;
  return (
    `${who}: a rotation could not tell its own failure from this (nor roll back to a healthy state); ` +
    `fix ${one ? 'it' : 'them'} first, or pass --skip-unhealthy to leave ${one ? 'it' : 'them'} out ` +
    `(--rotate-unhealthy rotates ${one ? 'it' : 'them'} anyway, when the new values are the fix)`
  );
}

function journalAnnotations(journal: Journal, predecessor: string): Record<string, string> {
  return {
    [ANNOTATION_PREDECESSOR]: predecessor,
    [ANNOTATION_ROTATION_ID]: journal.id,
    [ANNOTATION_JOURNAL]: serializeJournal(journal),
  };
}
