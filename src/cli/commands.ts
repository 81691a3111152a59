import type { CommandSpec } from './command.js';
import { whoCanCommand } from './who-can.js';
import { exposureCommand } from './exposure.js';
import { rotateCommand } from './rotate.js';
import { auditCommand } from './audit.js';
import { investigateCommand } from './investigate.js';
import { leastPrivilegeCommand } from './least-privilege.js';
import { completionCommand } from './completion.js';
import { versionCommand } from './version.js';

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS: readonly CommandSpec<any>[] = [
  whoCanCommand,
  exposureCommand,
  rotateCommand,
  auditCommand,
  investigateCommand,
  leastPrivilegeCommand,
  completionCommand,
  versionCommand,
];
