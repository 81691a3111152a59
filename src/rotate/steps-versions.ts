// The blue/green steps on versions: promote the new one, prune old unused
// ones, or stage the new one failed after a rollback.
import { LABEL_NAME, LABEL_STAGE, LABEL_VERSION } from './constants.js';
import { ConflictError, RejectedError } from './errors.js';
import type { StepContext, StepResult } from './step-context.js';
import { describeHistoryUse, secretHistory, secretUsers, undoReason } from './usage.js';
import { versionsOf, versionsToPrune } from './versions.js';
import { unseenUsers } from './port.js';

/** blue/green: the new version becomes current, the one it replaces previous, older ones deprecated. */
export async function promote(ctx: StepContext): Promise<StepResult> {
  const j = ctx.journal;
  const { cluster } = ctx;
  const versions = versionsOf(j.logical, await cluster.listVersions(j.logical));
  for (const v of versions) {
    if (v.name === j.to || v.name === j.from) continue;
    if (v.stage === 'current' || v.stage === 'previous')
      await cluster.patchSecretMetadata(v.name, undefined, { labels: { [LABEL_STAGE]: 'deprecated' } });
  }
  const old = versions.find((v) => v.name === j.from);
  await cluster.patchSecretMetadata(j.from, undefined, {
    labels: { [LABEL_NAME]: j.logical, [LABEL_VERSION]: String(old?.version ?? 1), [LABEL_STAGE]: 'previous' },
  });
  ctx.events.line(`${j.to}: current; ${j.from}: previous`);
  return { labels: { [LABEL_STAGE]: 'current' }, note: `${j.to} current, ${j.from} previous` };
}

/** blue/green: deletes versions beyond --keep that nothing uses (never the current one). */
export async function prune(ctx: StepContext): Promise<StepResult> {
  const j = ctx.journal;
  const { cluster } = ctx;
  const scan = await cluster.scanConsumers();
  const gaps = unseenUsers(scan);
  if (gaps.length > 0) {
    const note = `not pruned: cannot see every user (${gaps.join('; ')})`;
    ctx.events.line(note);
    return { note };
  }
  const listed = await cluster.listVersions(j.logical);
  const names = listed.map((s) => s.metadata.name ?? '');
  const users = secretUsers(scan, j.namespace, names);
  const history = secretHistory(scan, j.namespace);
  const { prune: toPrune, keptInUse } = versionsToPrune(versionsOf(j.logical, listed), {
    keep: j.keep,
    current: j.to,
    inUse: new Set([...users.keys(), ...history.keys()]),
  });
  const why = (name: string): string =>
    [
      ...(users.has(name) ? [`still named by ${users.get(name)!.join(', ')}`] : []),
      ...(history.has(name) ? [undoReason(history.get(name)!.map(describeHistoryUse))] : []),
    ].join('; ');
  const deleted: string[] = [];
  const failed: string[] = [];
  for (const v of toPrune) {
    await ctx.renewIfDue();
    const uid = listed.find((s) => s.metadata.name === v.name)?.metadata.uid;
    try {
      await cluster.deleteSecret(v.name, uid ? { uid } : undefined);
    } catch (err) {
      // Pruning is housekeeping: a refusal is reported, not a reason to undo the rotation.
      if (!(err instanceof RejectedError || err instanceof ConflictError)) throw err;
      failed.push(`${v.name} (${err.message})`);
      ctx.events.line(`${v.name}: not deleted: ${err.message}`);
      continue;
    }
    deleted.push(v.name);
    ctx.events.line(`${v.name}: deleted (version ${v.version}, unused, beyond --keep ${j.keep})`);
  }
  for (const v of keptInUse) ctx.events.line(`${v.name}: kept (version ${v.version}, ${why(v.name)})`);
  const parts = [deleted.length > 0 ? `deleted ${deleted.join(', ')}` : 'nothing to delete'];
  if (failed.length > 0) parts.push(`could not delete ${failed.join(', ')}`);
  if (keptInUse.length > 0) parts.push(`kept in use: ${keptInUse.map((v) => `${v.name} (${why(v.name)})`).join(', ')}`);
  return { note: parts.join('; ') };
}

/** blue/green rollback: the new version is kept for inspection, staged failed. */
export async function markFailed(ctx: StepContext): Promise<StepResult> {
  ctx.events.line(`${ctx.journal.to}: staged failed (kept for inspection; --retire deletes it)`);
  return { labels: { [LABEL_STAGE]: 'failed' } };
}
