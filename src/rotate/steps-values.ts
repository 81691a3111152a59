// The in-place steps that touch values: keep the old ones (backup), write the
// new ones or the old ones back (each write carrying the journal), and
// discard the backup of a rotation that never wrote its values.
import {
  ANNOTATION_JOURNAL,
  ANNOTATION_PREDECESSOR,
  ANNOTATION_ROTATION_ID,
  backupName,
  LABEL_NAME,
  LABEL_STAGE,
} from './constants.js';
import { serializeJournal, type StepOf } from './journal.js';
import { StepFailure } from './outcome.js';
import type { StepContext, StepResult } from './step-context.js';
import type { SecretObject } from './types.js';
import { describeCopies, hasCopies, valueCopies, withoutCopies } from './value-copies.js';

/**
 * Why NAME-previous cannot hold the backup of `logical`: a Secret of that name
 * that is not one of its backups (someone else's, never to be replaced); undefined when it may.
 */
export function foreignBackup(existing: SecretObject | undefined, logical: string): string | undefined {
  if (!existing || existing.metadata.labels?.[LABEL_NAME] === logical) return undefined;
  return `${backupName(logical)} exists and is not a backup of ${logical}: rename or delete it (--in-place keeps the old values there)`;
}

/** in-place: keeps the values being replaced in NAME-previous, so a rollback can write them back. */
export async function backup(ctx: StepContext): Promise<StepResult> {
  const j = ctx.journal;
  const { cluster } = ctx;
  const name = backupName(j.logical);
  const existing = await cluster.getSecret(name);
  if (existing && ctx.ours(existing)) return { note: `${name} already holds the old values` };
  const foreign = foreignBackup(existing, j.logical);
  if (foreign) throw new StepFailure(foreign);
  if (existing) await cluster.deleteSecret(name, uidOf(existing));
  const live = await liveRecord(ctx);
  await cluster.createSecret({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace: j.namespace,
      labels: { [LABEL_NAME]: j.logical, [LABEL_STAGE]: 'previous' },
      annotations: { [ANNOTATION_ROTATION_ID]: j.id, [ANNOTATION_PREDECESSOR]: j.from },
    },
    type: live.type ?? 'Opaque',
    immutable: true,
    data: live.data ?? {},
  });
  ctx.events.line(`${name}: holds the old values (for rollback)`);
  return { note: `old values copied to ${name}` };
}

/** in-place: writes the new values (or the old ones back) together with the journal, in one conditional PUT. */
export async function writeValues(
  ctx: StepContext,
  step: StepOf<'update-values' | 'restore-values'>,
): Promise<StepResult> {
  const j = ctx.journal;
  const { cluster } = ctx;
  const fresh = step.action === 'update-values';
  let data: Record<string, string>;
  if (fresh) {
    if (!ctx.opts.newData) {
      throw new StepFailure(
        'the rotation stopped before its new values were written, and values are never stored elsewhere: nothing changed; run the rotation again',
      );
    }
    data = ctx.opts.newData;
  } else {
    const previous = await cluster.getSecret(backupName(j.logical));
    if (!previous || !ctx.ours(previous)) {
      throw new StepFailure(
        `${backupName(j.logical)} no longer holds the old values of this rotation: restore ${j.from} by hand`,
      );
    }
    data = previous.data ?? {};
  }
  const live = await liveRecord(ctx);
  // Copies of the old values in the metadata (kubectl's last-applied-configuration...) go with them.
  const copies = fresh ? valueCopies(live.metadata, live.data ?? {}) : { annotations: [], labels: [] };
  const removed = hasCopies(copies) ? `; removed ${describeCopies(copies)} (they held a copy of the old values)` : '';
  const note = fresh ? `new values written${removed}` : 'old values written back';
  const journal = ctx.doneJournal(step, note);
  const meta = withoutCopies(live.metadata, copies);
  const updated = await cluster.replaceSecret({
    ...live,
    // Conditional on our own last write: any other change in between makes it fail.
    metadata: {
      ...meta,
      resourceVersion: ctx.recordVersion ?? live.metadata.resourceVersion,
      annotations: { ...meta.annotations, [ANNOTATION_JOURNAL]: serializeJournal(journal) },
    },
    data,
  });
  ctx.events.line(`${j.from}: ${note}`);
  return { note, wrote: { journal, recordVersion: updated.metadata.resourceVersion } };
}

/** in-place, interrupted before the values were written: deletes the backup this rotation made. */
export async function discard(ctx: StepContext): Promise<StepResult> {
  const previous = await ctx.cluster.getSecret(backupName(ctx.journal.logical));
  if (previous && ctx.ours(previous)) {
    const name = previous.metadata.name ?? backupName(ctx.journal.logical);
    await ctx.cluster.deleteSecret(name, uidOf(previous));
    return { note: `deleted ${name}` };
  }
  return { note: 'no backup to delete' };
}

/** in-place: the Secret being rotated, as it is now; a step failure when it is gone or someone else wrote it. */
async function liveRecord(ctx: StepContext): Promise<SecretObject> {
  const j = ctx.journal;
  const live = await ctx.cluster.getSecret(j.from);
  if (!live) throw new StepFailure(`${j.from} was deleted during the rotation`);
  if (!ctx.ours(live)) throw new StepFailure(`${j.from} was changed by someone else during the rotation`);
  return live;
}

/** A delete precondition on the object read: it only deletes that object, not one recreated under its name. */
const uidOf = (o: SecretObject): { uid: string } | undefined => (o.metadata.uid ? { uid: o.metadata.uid } : undefined);
