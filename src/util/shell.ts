// Commands the tool prints for people to paste into a POSIX shell. They are built from names it does not
// choose (bindings, subjects, pods and nodes, from the cluster and from audit logs): each must reach the
// command as one word, never as shell syntax or as a flag.

/** Words no POSIX shell reads as anything but themselves (nor zsh, which expands a leading "=" to a command's path). */
const PLAIN = /^[A-Za-z0-9_@%+:,./-][A-Za-z0-9_@%+=:,./-]*$/;

/** One word as the shell must read it: as it is when plain, else in single quotes. */
export function shellWord(text: string): string {
  return PLAIN.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** A command line of `words`, each one word for the shell. */
export function shellLine(words: readonly string[]): string {
  return words.map(shellWord).join(' ');
}

/**
 * `kubectl` with its `words` (verb, kind), `names` and `flags`, each one word for the shell. The names follow the
 * words, as people type them; when one begins with "-", which kubectl would read as a flag, they go last, after `--`.
 */
export function kubectlCommand(
  words: readonly string[],
  names: readonly string[],
  flags: readonly string[] = [],
): string {
  const order = names.some((n) => n.startsWith('-'))
    ? [...words, ...flags, '--', ...names]
    : [...words, ...names, ...flags];
  return shellLine(['kubectl', ...order]);
}
