import type { ArgumentsCamelCase, Argv, InferredOptionTypes } from 'yargs';
import type { CommandContext } from './context.js';
import type { verbosityOption } from './flags.js';

/** The flags the app gives every command (`-v`). */
export type GlobalArgs = InferredOptionTypes<typeof verbosityOption>;

/** What a builder declares its command's flags to be. */
export type Builder<A> = (y: Argv<GlobalArgs>) => Argv<A>;

/**
 * The parsed flags of a builder, as the handler sees them (dashed and
 * camel-case names): `ArgsOf<typeof builder>` for a command's helpers.
 */
export type ArgsOf<B> = B extends Builder<infer A> ? ArgumentsCamelCase<A> : never;

/** One example of `--help`; tests run each as shown against the demo scenario (test/e2e/examples.test.ts). */
export interface Example {
  /** The command line, `$0` standing for `kubectl secrets`. */
  command: string;
  describe: string;
  /** The exit code the example ends with, when it is not 0 (e.g. --fail-on). */
  exitCode?: number;
}

/**
 * One subcommand: its flags (builder) and a handler that, kubectl-style,
 * completes the options from flags and kubeconfig, validates them before
 * touching the cluster, runs, and prints. Returns the exit code.
 * The flags' types come from the option definitions: no args interface.
 */
export interface CommandSpec<A = Record<string, unknown>> {
  command: string;
  describe: string;
  hidden?: boolean;
  builder: Builder<A>;
  handler: (args: ArgumentsCamelCase<A>, ctx: CommandContext) => Promise<number | void>;
  /** Shown in `--help` under Examples; every command has some (test/e2e/examples.test.ts checks). */
  examples?: readonly Example[];
  /** Every run talks to a cluster: the app loads the TLS stack while it parses the command line (loadTlsEarly). */
  cluster?: boolean;
}

export function defineCommand<A>(spec: CommandSpec<A>): CommandSpec<A> {
  return spec;
}

/** The word that selects the command: `who-can` of `who-can <name>`. */
export function commandName(spec: CommandSpec<any>): string {
  return spec.command.split(' ')[0]!;
}

/** The Examples section of `--help`, as kubectl lays it out; yargs replaces `$0`. */
export function examplesText(examples: readonly Example[]): string {
  return `Examples:\n${examples.map((e) => `  # ${e.describe}\n  ${e.command}\n`).join('\n')}`;
}
