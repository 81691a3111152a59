import yargs from 'yargs/yargs';
import type { Argv } from 'yargs';
import type { IO } from './io.js';
import { commandName, examplesText, type CommandSpec, type GlobalArgs } from './command.js';
import type { SharedArgs } from './flags.js';
import { verbosityOption } from './flags.js';
import { normalizeArgv } from './argv.js';
import { createContext, type CommandContext } from './context.js';
import { reportError } from './report-error.js';
import { noInterrupts, type Interrupts } from './interrupt.js';
import { didYouMean, firstUnknownFlag, suggestionsFor } from './suggest.js';
import { runComplete } from './completion.js';
import { RELEASE_TAG } from '../buildinfo/info.js';
import { loadTlsEarly } from '../kube/client.js';
import { escapeLine, terminalSafeIO } from '../output/terminal.js';

export const PROGRAM = 'kubectl secrets';

/** Runs the CLI in-process and returns its exit code; never calls process.exit. */
export async function main(
  rawArgv: readonly string[],
  given: IO,
  commands: readonly CommandSpec<any>[],
  interrupts: Interrupts = noInterrupts(),
): Promise<number> {
  // Untrusted strings (audit logs, object names, messages) never drive the terminal, whatever a command prints.
  const io = terminalSafeIO(given);
  if (rawArgv[0] === '__complete') {
    const ctx = createContext({ output: 'table', noHeaders: false, v: 0 }, io, interrupts);
    try {
      return await runComplete(rawArgv.slice(1), commands, ctx);
    } finally {
      ctx.close();
    }
  }
  const argv = normalizeArgv(rawArgv);
  if (argv.length === 0) argv.push('--help');
  const spec = commands.find((c) => commandName(c) === argv[0]);
  if (spec?.cluster && !argv.some((a) => a === '--help' || a === '-h')) loadTlsEarly();
  let running: Promise<number> | undefined;
  let context: CommandContext | undefined;
  let failure: string | undefined;
  let selected: CommandSpec<any> | undefined;
  let selectedFlags: Set<string> = new Set();

  const parser = yargs(argv)
    .scriptName(PROGRAM)
    .usage(
      `${PROGRAM} <command> [flags]\n\nAnswer, against a live cluster, who can read a Secret, where it is exposed, who read it, and rotate it safely.`,
    )
    .options(verbosityOption)
    .parserConfiguration({ 'strip-aliased': true, 'boolean-negation': false })
    .strict()
    .help('help')
    .alias('help', 'h')
    .version(RELEASE_TAG)
    .wrap(Math.min(110, Number(io.env.COLUMNS) || 100))
    .exitProcess(false)
    .fail((msg, err) => {
      failure = msg ?? err?.message ?? 'invalid arguments';
      // Throwing stops yargs before it runs the handler of an invalid command line.
      throw new ParseFailure();
    });

  skipHelpCache(parser);

  for (const spec of commands) {
    parser.command({
      command: spec.command,
      describe: spec.hidden ? false : spec.describe,
      builder: (y: Argv<GlobalArgs>) => {
        selected = spec;
        // kubectl's layout (a comment line, then the command line whole), above the command's own epilog.
        const examples = spec.examples ?? [];
        const built = spec.builder(examples.length > 0 ? y.epilog(examplesText(examples)) : y);
        selectedFlags = declaredFlags(built);
        return built;
      },
      handler: (args: any) => {
        // Words after `--` that begin with `-` (normalizeArgv moved the others): yargs leaves them in `_`, unused.
        const extra = (args._ as unknown[]).slice(1);
        if (extra.length > 0) {
          failure = `unexpected argument "${String(extra[0])}"`;
          return;
        }
        context = createContext(args as SharedArgs, io, interrupts);
        running = Promise.resolve()
          .then(() => spec.handler(args, context!))
          .then((code) => code ?? 0);
        running.catch(() => undefined); // awaited below; this only marks it handled
      },
    });
  }
  parser.demandCommand(1, 'a command is required');

  let helpText = '';
  try {
    await parser.parseAsync(argv, {}, (_err: unknown, _args: unknown, output: string) => {
      helpText = output;
    });
  } catch (err) {
    if (!(err instanceof ParseFailure)) throw err;
  }

  if (failure) {
    const path = selected ? `${PROGRAM} ${commandName(selected)}` : PROGRAM;
    const { message, hint } = explainFailure(failure, selected, argv, commands, selectedFlags);
    io.stderr.write(`error: ${escapeLine(message)}${hint}\nSee '${path} --help' for usage.\n`);
    return 1;
  }
  if (helpText) {
    io.stdout.write(helpText.endsWith('\n') ? helpText : `${helpText}\n`);
    return 0;
  }
  if (!running) return 0;
  try {
    return await running;
  } catch (err) {
    return reportError(err, io, context);
  } finally {
    context?.close();
  }
}

/**
 * yargs renders a command's whole help text as its handler starts, in case the handler asks for it later
 * (tens of ms of CPU in every run). Ours never do: --help is answered before any handler runs, and a
 * handler's errors are printed by reportError. Help asked for is still rendered, on demand.
 */
function skipHelpCache(parser: unknown): void {
  type Internals = { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } };
  const usage = (parser as Internals).getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
}

/** Rewrites yargs' validation messages into kubectl-like one-liners, with kubectl's "Did you mean this?" after typos. */
function explainFailure(
  message: string,
  spec: CommandSpec<any> | undefined,
  argv: readonly string[],
  commands: readonly CommandSpec<any>[],
  flags: ReadonlySet<string>,
): { message: string; hint: string } {
  const line = message.replace(/\s*\n\s*/g, ' ').trim();
  // A mistyped flag explains a "missing required argument" too (audit --lgo x): name the typo first.
  const typo = spec ? firstUnknownFlag(argv.slice(1), flags) : undefined;
  if (typo && /^(Unknown arguments?|Missing required argument)/i.test(line)) {
    const long = [...flags].filter((f) => f.length > 1).map((f) => `--${f}`);
    return {
      message: `unknown flag: ${typo}`,
      hint: typo.startsWith('--') ? didYouMean(suggestionsFor(typo, long)) : '',
    };
  }
  const unknownCommand = /^Unknown arguments?: (.*)$/i.exec(line);
  if (!spec && unknownCommand) {
    const words = unknownCommand[1]!.split(',').map((w) => w.trim());
    const word = argv.find((a) => !a.startsWith('-') && words.includes(a)) ?? words[0]!;
    const names = commands.filter((c) => !c.hidden).map(commandName);
    return { message: `unknown command "${word}" for "${PROGRAM}"`, hint: didYouMean(suggestionsFor(word, names)) };
  }
  return { message: explainValidation(line, spec, argv, commands), hint: '' };
}

function explainValidation(
  line: string,
  spec: CommandSpec<any> | undefined,
  argv: readonly string[],
  commands: readonly CommandSpec<any>[],
): string {
  if (/^Not enough non-option arguments/i.test(line) || /^Missing required argument: name$/i.test(line)) {
    return `missing argument: usage is "${PROGRAM} ${spec?.command ?? '<command>'}"`;
  }
  const unknown = /^Unknown arguments?: (.*)$/i.exec(line);
  if (unknown) {
    const word = unknown[1]!.split(',')[0]!.trim();
    const flag = argv.find((a) => a.replace(/^-+/, '').split('=')[0] === word && a.startsWith('-'));
    if (flag) return `unknown flag: ${flag.split('=')[0]}`;
    return spec ? `unexpected argument "${word}"` : `unknown command "${word}" for "${PROGRAM}"`;
  }
  const choice = /^Invalid values: Argument: ([\w-]+), Given: (.*), Choices: (.*)$/i.exec(line);
  if (choice) return `invalid value ${choice[2]} for --${choice[1]} (one of ${choice[3]!.replace(/"/g, '')})`;
  if (/^a command is required/.test(line)) {
    return `a command is required: one of ${commands
      .filter((c) => !c.hidden)
      .map(commandName)
      .join(', ')}`;
  }
  return lowerFirst(line);
}

class ParseFailure extends Error {}

/** Every flag name (and alias) a command's parser knows, without dashes. */
function declaredFlags(y: unknown): Set<string> {
  const options = (
    y as { getOptions?: () => { key: Record<string, unknown>; alias: Record<string, string[]> } }
  ).getOptions?.();
  const names = new Set(['help', 'h', 'version']);
  if (!options) return names;
  for (const key of Object.keys(options.key)) names.add(key);
  for (const [key, aliases] of Object.entries(options.alias)) [key, ...aliases].forEach((a) => names.add(a));
  // camelCase twins yargs adds are not spellings a user types
  return new Set([...names].filter((n) => !/[A-Z]/.test(n) || n.length === 1));
}

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);
