// The rotation's first change, which creates its journal: the new version
// born with it (blue/green), or the journal written on the Secret (in place).
// When the answer is lost (a timeout, a reset connection) the write may still
// have landed: look for it before saying that nothing changed.
import { ANNOTATION_JOURNAL, ANNOTATION_ROTATION_ID } from './constants.js';
import { ConflictError, RejectedError, RotateError } from './errors.js';
import { serializeJournal, type StepOf } from './journal.js';
import { UnknownOutcome } from './outcome.js';
import type { JournalWrite, StepContext } from './step-context.js';
import type { SecretObject } from './types.js';

/** What the first write needs and a resumed rotation no longer has. */
export interface FirstWrite {
  /** blue/green: the new version, its journal (step 1 done) included. */
  newVersion?: SecretObject;
  /** in-place: the resourceVersion the values were read at, the write's precondition. */
  readVersion: string | undefined;
}

/** blue/green: creates the new version, which carries the journal. */
export async function createVersion(ctx: StepContext, first: FirstWrite): Promise<JournalWrite> {
  const j = ctx.journal;
  const { newVersion } = first;
  if (!newVersion) throw new Error(`the new version ${j.to} to create is missing`);
  let created: SecretObject;
  try {
    created = await ctx.cluster.createSecret(newVersion);
  } catch (err) {
    if (err instanceof RejectedError) throw new RotateError(`cannot create ${j.to}: ${err.message}`);
    // A conflict may be our own create, retried after its answer was lost.
    const found = await landed(ctx, j.to, err);
    if (!found && err instanceof ConflictError)
      throw new RotateError(`${j.to} already exists but is not a version of ${j.logical}: rename or delete it`);
    if (!found) throw err;
    created = found;
  }
  const keys = Object.keys(newVersion.data ?? {}).length;
  ctx.events.line(
    `${j.to}: created (version ${j.version}, ${keys} key${keys === 1 ? '' : 's'}${newVersion.immutable ? ', immutable' : ''})`,
  );
  return { journal: j, recordVersion: created.metadata.resourceVersion };
}

/** in-place: writes the journal, step 1 done, on the Secret, conditional on the values read. */
export async function begin(ctx: StepContext, step: StepOf<'begin'>, first: FirstWrite): Promise<JournalWrite> {
  const j = ctx.journal;
  const journal = ctx.doneJournal(step);
  const annotations = { [ANNOTATION_JOURNAL]: serializeJournal(journal), [ANNOTATION_ROTATION_ID]: j.id };
  try {
    const updated = await ctx.cluster.patchSecretMetadata(j.from, first.readVersion, { annotations });
    return { journal, recordVersion: updated.metadata.resourceVersion };
  } catch (err) {
    if (err instanceof RejectedError) throw err;
    const found = await landed(ctx, j.from, err);
    if (!found && err instanceof ConflictError)
      throw new RotateError(`${j.from} changed since it was read: run the rotation again`);
    if (!found) throw err;
    return { journal, recordVersion: found.metadata.resourceVersion };
  }
}

/** After a write whose answer was lost: the object as this rotation wrote it, if the write landed. */
async function landed(ctx: StepContext, name: string, err: unknown): Promise<SecretObject | undefined> {
  let found: SecretObject | undefined;
  try {
    found = await ctx.cluster.getSecret(name);
  } catch {
    throw new UnknownOutcome(
      `${errorText(err)}, and whether ${name} was written is unknown (the API server did not answer)`,
    );
  }
  if (found?.metadata.annotations?.[ANNOTATION_ROTATION_ID] !== ctx.journal.id) return undefined;
  ctx.events.line(`${name}: the answer to its write was lost (${errorText(err)}), but the write landed: going on`);
  return found;
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
