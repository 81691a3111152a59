// Audit log inputs for the commands that read them (audit, who-can --log, investigate, least-privilege):
// file system errors become one `error:` line; API errors pass through.
import { CliError, UsageError, errorMessage } from '../errors.js';
import { resolveQuery, type AuditInput, type AuditQuery } from '../audit/run.js';
import { repeated, single } from './flags.js';
import { KubeApiError, KubeConnectionError } from '../kube/errors.js';
import { openAuditLogs } from '../sources/audit-inputs.js';

/** Opens every input before anything is read or printed: a missing file is an error here. */
export async function openLogs(logs: string[], stdin: NodeJS.ReadableStream): Promise<AuditInput[]> {
  const inputs = await openAuditLogs(logs, { stdin }).catch(asLogError);
  if (inputs.length === 0) throw new CliError(`no files to read in ${logs.join(', ')}`);
  return inputs;
}

/** File system errors met while reading as one `error:` line (left to the app, they would be internal errors). */
export function asLogError(err: unknown): never {
  if (err instanceof CliError || err instanceof KubeApiError || err instanceof KubeConnectionError) throw err;
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === 'string') throw new CliError(`cannot read the audit logs: ${errorMessage(err)}`, { cause: err });
  throw err;
}

/** The audit window of --log/--since/--until where the logs join another answer (who-can --log, investigate). */
export interface LogWindow {
  logs: string[];
  window: Omit<AuditQuery, 'now'> & { now: Date };
}

/** Checks the log flags before anything is read: a bad --since/--until, or a window without --log, is refused. */
export function logWindow(args: {
  log?: string | string[] | undefined;
  since?: string | string[] | undefined;
  until?: string | string[] | undefined;
}): LogWindow {
  const logs = repeated(args.log);
  const since = single('since', args.since, 'a duration or an RFC3339 time');
  const until = single('until', args.until, 'a duration or an RFC3339 time');
  if (logs.length === 0 && (since !== undefined || until !== undefined))
    throw new UsageError('--since and --until choose the window of the audit logs: give --log too');
  const window = {
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    includeSystem: true,
    now: new Date(),
  };
  resolveQuery(window);
  return { logs, window };
}
