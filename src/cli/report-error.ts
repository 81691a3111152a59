import type { IO } from './io.js';
import type { CommandContext } from './context.js';
import { CliError, UsageError, errorMessage } from '../errors.js';
import { toCliError } from '../kube/errors.js';
import { escapeLine } from '../output/terminal.js';

/** Prints an error as one `error:` line (details and stack only with -v) and returns the exit code. */
export function reportError(err: unknown, io: IO, ctx: CommandContext | undefined): number {
  const verbosity = ctx?.verbosity ?? 0;
  let cliError: CliError | undefined = err instanceof CliError ? err : undefined;
  const target = ctx?.connectedTarget();
  if (!cliError && target) cliError = toCliError(err, target);
  if (cliError) {
    io.stderr.write(`error: ${escapeLine(cliError.message)}\n`);
    if (cliError instanceof UsageError) io.stderr.write(`See 'kubectl secrets --help' for usage.\n`);
    if (verbosity >= 1) {
      if (cliError.detail) io.stderr.write(`${cliError.detail}\n`);
      const cause = cliError.cause instanceof Error ? cliError.cause : cliError;
      if (cause.stack) io.stderr.write(`${cause.stack}\n`);
    }
    return cliError.exitCode;
  }
  io.stderr.write(
    `error: internal error: ${escapeLine(errorMessage(err))}${verbosity >= 1 ? '' : ' (run with -v=1 for the stack trace)'}\n`,
  );
  if (verbosity >= 1 && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
  return 1;
}
