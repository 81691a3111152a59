import { defineCommand } from './command.js';
import { withConnection, withOutput } from './flags.js';
import { notImplemented } from './not-implemented.js';

export const exposureCommand = defineCommand({
  command: 'exposure [name]',
  describe: 'Where a Secret is consumed (pods, workloads, service accounts, ingresses) and how risky each use is',
  builder: (y) =>
    withOutput(withConnection(y))
      .positional('name', { type: 'string', describe: 'Secret name (omit with -A for an inventory of all Secrets)' })
      .options({
        'fail-on': { type: 'string', choices: ['low', 'medium', 'high'], describe: 'Exit 3 when a finding of this severity or worse exists' },
      }),
  handler: async () => notImplemented('exposure'),
});
