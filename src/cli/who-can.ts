import { defineCommand } from './command.js';
import { withConnection, withOutput } from './flags.js';
import { notImplemented } from './not-implemented.js';

export const whoCanCommand = defineCommand({
  command: 'who-can <name>',
  describe: 'Every subject that can read a Secret, and why (direct RBAC and indirect paths)',
  builder: (y) =>
    withOutput(withConnection(y), ['dot', 'mermaid'])
      .positional('name', { type: 'string', describe: 'Secret name', demandOption: true })
      .options({
        'direct-only': { type: 'boolean', default: false, describe: 'Only subjects RBAC lets read the Secret directly' },
        verb: { type: 'string', describe: 'Read verbs to consider (get, list, watch; repeatable or comma-separated)' },
        'subject-kind': { type: 'string', describe: 'Only these subject kinds (User, Group, ServiceAccount)' },
        check: { type: 'string', describe: 'Answer yes/no for one subject (user:NAME, group:NAME, serviceaccount:NS:NAME); exit 0 yes, 1 no' },
        verify: { type: 'boolean', default: false, describe: 'Confirm every direct row with a SubjectAccessReview' },
      }),
  handler: async () => notImplemented('who-can'),
});
