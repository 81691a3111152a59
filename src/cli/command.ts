import type { Argv } from 'yargs';
import type { CommandContext } from './context.js';
import type { SharedArgs } from './flags.js';

/**
 * One subcommand: its flags (builder) and a handler that, kubectl-style,
 * completes the options from flags and kubeconfig, validates them before
 * touching the cluster, runs, and prints. Returns the exit code.
 */
export interface CommandSpec<A = Record<string, unknown>> {
  command: string;
  describe: string;
  hidden?: boolean;
  builder: (y: Argv<SharedArgs>) => Argv<A>;
  handler: (args: A & SharedArgs & { _: (string | number)[] }, ctx: CommandContext) => Promise<number | void>;
}

export function defineCommand<A>(spec: CommandSpec<A>): CommandSpec<A> {
  return spec;
}

/** The word that selects the command: `who-can` of `who-can <name>`. */
export function commandName(spec: CommandSpec<any>): string {
  return spec.command.split(' ')[0]!;
}
