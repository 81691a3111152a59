// shellWord: a word for the shells people paste into. zsh (macOS's default) expands a word that begins with "="
// to the path of the command it names (`=ls` → /bin/ls): such a word is quoted too.
import { describe, expect, it } from 'vitest';
import { shellWord } from '../../../src/util/shell.js';

describe('shellWord', () => {
  it('leaves plain words as they are, "=" inside one included', () => {
    expect(shellWord('system:node:n1')).toBe('system:node:n1');
    expect(shellWord('kubectl-secrets.dev/quarantine=true')).toBe('kubectl-secrets.dev/quarantine=true');
  });

  it('quotes a word that begins with "=", which zsh would expand to a path', () => {
    expect(shellWord('=ls')).toBe("'=ls'");
  });
});
