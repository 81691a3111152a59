/** Exit codes of `rotate` (documented in its help). */
export const EXIT = {
  ok: 0,
  /** Refused or failed before anything changed. */
  refused: 1,
  /** A rollout failed and every consumer is back on the previous version (or nothing had changed). */
  rolledBack: 3,
  /** A rollout failed and was left as is (--no-rollback), or the rollback failed: needs `--resume` or a human. */
  needsAttention: 4,
  /** Stopped by SIGINT, SIGTERM or SIGHUP at a safe point: the journal is saved, --resume finishes or rolls back. */
  interrupted: 130,
} as const;

/** A rotation problem meant for the user; the CLI prints it as one `error:` line. */
export class RotateError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.refused,
  ) {
    super(message);
    this.name = 'RotateError';
  }
}

/**
 * Someone else changed an object between our read and our write (409, or a
 * JSON Patch `test` that failed). Raised by the cluster port, with the API's
 * error as `cause`.
 */
export class ConflictError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConflictError';
  }
}

/** The API refused a write for good (400, 403, 404, 422): a step failure, not an outage. The API's error is the `cause`. */
export class RejectedError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'RejectedError';
  }
}

/**
 * The rotation stopped half-way for a reason other than a failed rollout (the
 * API server unreachable, the lock lost): the journal in the cluster knows
 * where it was, and `--resume` finishes or rolls it back.
 */
export class InterruptedError extends RotateError {
  constructor(cause: string, resumeHint: string) {
    super(`${cause}; the rotation is interrupted: ${resumeHint}`, EXIT.needsAttention);
    this.name = 'InterruptedError';
  }
}

/** A signal asked the rotation to stop: it did, between two recorded steps, and left its lock to --resume. */
export class StoppedError extends RotateError {
  constructor(signal: string, where: string, resumeHint: string) {
    super(
      `interrupted by ${signal}${where}: the journal is saved and the lock left for --resume; ${resumeHint}`,
      EXIT.interrupted,
    );
    this.name = 'StoppedError';
  }
}
