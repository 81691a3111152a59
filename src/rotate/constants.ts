/** Labels and annotations that tie Secret versions to their logical name (no values, ever). */
export const PREFIX = 'secrets.kubectl-secrets.dev';

/** Label: the logical name every version belongs to. */
export const LABEL_NAME = `${PREFIX}/name`;
/** Label: the version number (the unversioned original counts as 1). */
export const LABEL_VERSION = `${PREFIX}/version`;
/** Label: the staging state, as AWS Secrets Manager's staging labels. */
export const LABEL_STAGE = `${PREFIX}/stage`;
/** Annotation: the Secret this version replaces. */
export const ANNOTATION_PREDECESSOR = `${PREFIX}/predecessor`;
/** Annotation: the rotation journal (JSON), on the Secret that records the rotation. */
export const ANNOTATION_JOURNAL = `${PREFIX}/rotation`;
/** Annotation: id of the rotation that created or last wrote an object. */
export const ANNOTATION_ROTATION_ID = `${PREFIX}/rotation-id`;
/** Lease annotations: where the journal of the locked rotation lives, and its mode. */
export const ANNOTATION_RECORD = `${PREFIX}/record`;
export const ANNOTATION_MODE = `${PREFIX}/mode`;

/** The pod-template annotation `kubectl rollout restart` sets. */
export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

export const STAGES = ['pending', 'current', 'previous', 'deprecated', 'failed'] as const;
export type Stage = (typeof STAGES)[number];

export type RotationMode = 'blue-green' | 'in-place';

/** The Lease that locks the rotations of one logical Secret. */
export const leaseName = (logical: string): string => `kubectl-secrets-rotate-${logical}`;

/** Blue/green versions are `NAME-vN`. */
export const versionedName = (logical: string, version: number): string => `${logical}-v${version}`;

/** In-place rotations keep the values they replaced here, for rollback. */
export const backupName = (logical: string): string => `${logical}-previous`;
