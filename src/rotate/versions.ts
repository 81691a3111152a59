import { LABEL_NAME, LABEL_STAGE, LABEL_VERSION, STAGES, versionedName, type Stage } from './constants.js';
import { RotateError } from './errors.js';
import type { SecretObject } from './types.js';

/** One version of a logical Secret. */
export interface SecretVersion {
  name: string;
  version: number;
  stage: Stage | undefined;
  /** The original Secret named like the logical name, before any rotation labelled it. */
  unversioned: boolean;
}

/** Kubernetes' limit on a label value: the versions of a logical Secret are found by its name in one. */
const MAX_LABEL_VALUE = 63;

/** A logical name a rotation can label its versions with; else a RotateError before any request selects by it. */
export function checkLogicalName(logical: string): void {
  if (logical.length <= MAX_LABEL_VALUE) return;
  throw new RotateError(
    `${logical} is ${logical.length} characters long: a rotation labels its versions with the name (label ${LABEL_NAME}), and a label value holds at most ${MAX_LABEL_VALUE}; rotate it by hand`,
  );
}

/**
 * The versions of `logical` among `secrets` (those labelled with the logical
 * name, plus the Secret named `logical` itself, which counts as version 1
 * until a rotation labels it), newest first.
 */
export function versionsOf(logical: string, secrets: readonly SecretObject[]): SecretVersion[] {
  const out = new Map<string, SecretVersion>();
  for (const s of secrets) {
    const name = s.metadata.name ?? '';
    const labels = s.metadata.labels ?? {};
    const belongs = labels[LABEL_NAME] === logical || name === logical;
    if (!belongs || name === '') continue;
    const parsed = Number(labels[LABEL_VERSION]);
    const version =
      Number.isInteger(parsed) && parsed > 0 ? parsed : name === logical ? 1 : versionFromName(logical, name);
    if (version === undefined) continue;
    const stageLabel = labels[LABEL_STAGE];
    const stage = (STAGES as readonly string[]).includes(stageLabel ?? '') ? (stageLabel as Stage) : undefined;
    out.set(name, { name, version, stage, unversioned: name === logical && labels[LABEL_VERSION] === undefined });
  }
  return [...out.values()].sort((a, b) => b.version - a.version || a.name.localeCompare(b.name));
}

function versionFromName(logical: string, name: string): number | undefined {
  const m = /^-v(\d+)$/.exec(name.slice(logical.length));
  return name.startsWith(logical) && m ? Number(m[1]) : undefined;
}

/**
 * The version consumers should be using: the one staged current, else (no
 * rotation finished yet) the Secret named like the logical name.
 */
export function currentVersion(logical: string, versions: readonly SecretVersion[]): SecretVersion | undefined {
  return versions.find((v) => v.stage === 'current') ?? versions.find((v) => v.name === logical);
}

/** The name and number of the next version; numbers are never reused, failed ones included. */
export function nextVersion(
  logical: string,
  versions: readonly SecretVersion[],
  taken: ReadonlySet<string>,
): { name: string; version: number } {
  let version = Math.max(1, ...versions.map((v) => v.version)) + 1;
  while (taken.has(versionedName(logical, version))) version++;
  return { name: versionedName(logical, version), version };
}

/**
 * Versions to delete after a successful rotation: beyond the newest `keep`
 * (failed versions do not count and go too), never the current one and
 * never one still in use.
 */
export function versionsToPrune(
  versions: readonly SecretVersion[],
  { keep, current, inUse }: { keep: number; current: string; inUse: ReadonlySet<string> },
): { prune: SecretVersion[]; keptInUse: SecretVersion[] } {
  const prune: SecretVersion[] = [];
  const keptInUse: SecretVersion[] = [];
  let kept = 0;
  for (const v of versions) {
    if (v.name === current) {
      kept++;
      continue;
    }
    const failed = v.stage === 'failed' || v.stage === 'pending';
    if (!failed && kept < keep) {
      kept++;
      continue;
    }
    if (inUse.has(v.name)) keptInUse.push(v);
    else prune.push(v);
  }
  return { prune, keptInUse };
}
