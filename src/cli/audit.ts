import { defineCommand } from './command.js';
import { withOutput } from './flags.js';
import { notImplemented } from './not-implemented.js';

export const auditCommand = defineCommand({
  command: 'audit [name]',
  describe: 'Who read which Secret, when and how, from API server audit logs',
  builder: (y) =>
    withOutput(y)
      .positional('name', { type: 'string', describe: 'Secret name (omit for all Secrets)' })
      .options({
        log: { type: 'string', describe: 'Audit log file, directory, glob or - for stdin (repeatable; .gz read too)', demandOption: true },
        namespace: { alias: 'n', type: 'string', describe: 'Only Secrets in this namespace' },
        by: { type: 'string', choices: ['subject', 'secret', 'verb', 'source', 'user-agent'], default: 'subject', describe: 'Summarise by' },
        since: { type: 'string', describe: 'Only events after this time (duration like 2h, or RFC3339)' },
        until: { type: 'string', describe: 'Only events before this time (duration like 30m, or RFC3339)' },
        user: { type: 'string', describe: 'Only requests by this user (audit never talks to a cluster, so --user filters subjects here)' },
        verb: { type: 'string', describe: 'Only these verbs (get, list, watch; comma-separated)' },
        'denied-only': { type: 'boolean', default: false, describe: 'Only denied attempts' },
        'include-system': { type: 'boolean', default: false, describe: 'List kubelets and control-plane components one by one' },
      }),
  handler: async () => notImplemented('audit'),
});
