// Audit log inputs for the commands that read them (audit, who-can --log, investigate, least-privilege):
// file system errors become one `error:` line; API errors pass through.
import { CliError, errorMessage } from '../errors.js';
import type { AuditInput } from '../audit/run.js';
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
