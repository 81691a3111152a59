/** An error meant for the user: printed as one `error: <message>` line. */
export class CliError extends Error {
  readonly exitCode: number;
  /** Extra lines shown with -v (never secret values). */
  readonly detail: string | undefined;

  constructor(message: string, options: { exitCode?: number; detail?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? 1;
    this.detail = options.detail;
  }
}

/** Bad flags or arguments: kubectl prints a usage hint after these. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
