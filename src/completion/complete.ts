/** What the completer knows about one command's flags. */
export interface FlagSpec {
  names: string[]; // without dashes: ['namespace', 'n']
  takesValue: boolean;
  choices?: readonly string[];
  /** One of kubectl's connection flags (--kubeconfig, --context, --user...): names the cluster to ask. */
  connection?: boolean;
}

export interface CommandModel {
  name: string;
  flags: FlagSpec[];
  /** Kind of the first positional argument, for dynamic completion. */
  positional?: 'secret' | 'shell';
}

export type Dynamic = 'secret' | 'namespace' | 'context';

export interface CompletionRequest {
  /** Candidates for fixed values. */
  candidates: string[];
  /** A kind of value to look up in the cluster or kubeconfig, if any. */
  dynamic?: Dynamic;
  /** Namespace given earlier on the line (-n), for secret lookups. */
  namespace?: string;
  /** Whether files may complete (cobra's directive 0) or not (4). */
  files: boolean;
  /** What the word typed begins with before its value (`--context=`): every candidate, looked up too, gets it. */
  prefix?: string;
  /** Connection flags given earlier on the line (`context: 'prod'`), for the lookups: the cluster the command would ask. */
  connection?: Record<string, string>;
}

const DYNAMIC_FLAGS: Record<string, Dynamic> = { namespace: 'namespace', n: 'namespace', context: 'context' };
const FILE_FLAGS = new Set([
  'kubeconfig',
  'log',
  'from-file',
  'from-env-file',
  'value-from-file',
  'certificate-authority',
  'client-certificate',
  'client-key',
]);

/**
 * Decides what the word being typed (the last of `words`) can be, cobra
 * style: words are everything after the program name, the last one partial.
 */
export function planCompletion(words: readonly string[], commands: readonly CommandModel[]): CompletionRequest {
  const current = words[words.length - 1] ?? '';
  const before = words.slice(0, -1);
  const command = commands.find((c) => c.name === before.find((w) => !w.startsWith('-')));
  if (!command) {
    if (current.startsWith('-')) return { candidates: ['--help', '--version'], files: false };
    return { candidates: commands.map((c) => c.name), files: false };
  }
  const plan = planFor(command, current, before);
  const connection = connectionOf(command, before);
  return Object.keys(connection).length > 0 ? { ...plan, connection } : plan;
}

function planFor(command: CommandModel, current: string, before: readonly string[]): CompletionRequest {
  const namespace = valueOf(before, ['-n', '--namespace']);
  const previous = before[before.length - 1];
  const pendingFlag = previous?.startsWith('-') && !previous.includes('=') ? findFlag(command, previous) : undefined;
  if (pendingFlag?.takesValue) return valueCompletion(pendingFlag, namespace);
  if (current.startsWith('-')) {
    const eq = current.indexOf('=');
    if (eq > 0) {
      const flag = findFlag(command, current.slice(0, eq));
      if (flag?.takesValue) return { ...valueCompletion(flag, namespace), prefix: current.slice(0, eq + 1) };
    }
    return { candidates: command.flags.map((f) => `--${f.names[0]}`), files: false };
  }
  const positionals = before.slice(before.indexOf(command.name) + 1).filter((w, i, all) => {
    if (w.startsWith('-')) return false;
    const prev = all[i - 1];
    return !(prev?.startsWith('-') && !prev.includes('=') && findFlag(command, prev)?.takesValue);
  });
  if (positionals.length > 0) return { candidates: [], files: false };
  if (command.positional === 'secret') return { candidates: [], dynamic: 'secret', namespace, files: false };
  if (command.positional === 'shell') return { candidates: ['bash', 'zsh', 'fish'], files: false };
  return { candidates: [], files: false };
}

/** The values of the command's connection flags given on the line (`--context prod`, `--kubeconfig=FILE`), by flag name. */
function connectionOf(command: CommandModel, before: readonly string[]): Record<string, string> {
  const given: Record<string, string> = {};
  for (const flag of command.flags) {
    if (!flag.connection || !flag.takesValue) continue;
    const value = valueOf(before, [`--${flag.names[0]}`]);
    if (value !== undefined) given[flag.names[0]!] = value;
  }
  return given;
}

function valueCompletion(flag: FlagSpec, namespace: string | undefined): CompletionRequest {
  if (flag.choices) return { candidates: [...flag.choices], files: false };
  const dynamic = flag.names.map((n) => DYNAMIC_FLAGS[n]).find((d) => d !== undefined);
  if (dynamic) return { candidates: [], dynamic, namespace, files: false };
  return { candidates: [], files: flag.names.some((n) => FILE_FLAGS.has(n)) };
}

function findFlag(command: CommandModel, word: string): FlagSpec | undefined {
  const name = word.replace(/^--?/, '');
  return command.flags.find((f) => f.names.includes(name));
}

function valueOf(words: readonly string[], flags: string[]): string | undefined {
  for (let i = words.length - 1; i >= 0; i--) {
    const w = words[i]!;
    for (const f of flags) {
      if (w === f) return words[i + 1];
      if (w.startsWith(`${f}=`)) return w.slice(f.length + 1);
      if (f === '-n' && w.startsWith('-n') && w.length > 2 && !w.startsWith('--')) return w.slice(2);
    }
  }
  return undefined;
}

/** C0 controls (line breaks and tabs included), DEL and C1 controls. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Cobra's wire format: one candidate per line, then `:<directive>` (0 = default, 4 = no file completion). A candidate
 * with a control character (a kubeconfig name anyone may have written) is left out: the shell would print it to the
 * terminal as it lists candidates, and a line break or tab would make it two, or a description.
 */
export function formatCobra(candidates: readonly string[], current: string, files: boolean): string {
  const lines = candidates.filter((c) => c.startsWith(current) && !CONTROL.test(c));
  return `${lines.join('\n')}${lines.length > 0 ? '\n' : ''}:${files ? 0 : 4}\n`;
}
