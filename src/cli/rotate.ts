import { defineCommand } from './command.js';
import { withConnection, withOutput } from './flags.js';
import { notImplemented } from './not-implemented.js';

export const rotateCommand = defineCommand({
  command: 'rotate <name>',
  describe: 'Rotate a Secret blue/green: new version, repoint consumers, wait for rollouts, roll back on failure',
  builder: (y) =>
    withOutput(withConnection(y))
      .positional('name', { type: 'string', describe: 'Secret name (the logical name for versioned Secrets)', demandOption: true })
      .options({
        'from-file': { type: 'string', describe: 'New value from a file: [key=]path (repeatable; path - reads stdin)' },
        'from-env-file': { type: 'string', describe: 'New values from a KEY=VALUE file' },
        'from-literal': { type: 'string', describe: 'New value key=value (repeatable; ends up in shell history)' },
        'replace-all': { type: 'boolean', default: false, describe: 'Drop keys not given instead of carrying them over' },
        'in-place': { type: 'boolean', default: false, describe: 'Update the Secret itself and restart consumers that need it' },
        'restart-all': { type: 'boolean', default: false, describe: 'With --in-place, restart file-mount consumers too' },
        timeout: { type: 'string', default: '5m', describe: 'How long to wait for each rollout' },
        keep: { type: 'number', default: 2, describe: 'Versions to keep' },
        'no-rollback': { type: 'boolean', default: false, describe: 'Leave a failed rotation for inspection' },
        'dry-run': { type: 'boolean', default: false, describe: 'Print the plan and change nothing' },
        yes: { alias: 'y', type: 'boolean', default: false, describe: 'Do not ask for confirmation' },
        resume: { type: 'boolean', default: false, describe: 'Finish or roll back an interrupted rotation' },
        retire: { type: 'boolean', default: false, describe: 'Delete versions no consumer uses' },
        force: { type: 'boolean', default: false, describe: 'Rotate even a Secret another tool manages' },
      }),
  handler: async () => notImplemented('rotate'),
});
