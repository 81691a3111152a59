import { describe, expect, it } from 'vitest';
import { normalizeArgv } from '../../../src/cli/argv.js';

describe('normalizeArgv', () => {
  it.each([
    [['-ojson'], ['-o', 'json']],
    [['-o=yaml'], ['-o', 'yaml']],
    [['-nprod'], ['-n', 'prod']],
    [['-n=prod'], ['-n', 'prod']],
    [
      ['-n', 'prod'],
      ['-n', 'prod'],
    ],
    [['-v=6'], ['--v', '6']],
    [['--v=6'], ['--v', '6']],
    [['-v6'], ['--v', '6']],
    [
      ['-v', '8'],
      ['--v', '8'],
    ],
    [
      ['-v', 'mysecret'],
      ['--v', '1', 'mysecret'],
    ],
    [
      ['who-can', 'x', '-v'],
      ['who-can', 'x', '--v', '1'],
    ],
    [['--namespace=prod'], ['--namespace=prod']],
    [['-A'], ['-A']],
    // kubectl's help command: `kubectl secrets help rotate` is `kubectl secrets rotate --help`
    [['help'], ['--help']],
    [
      ['help', 'rotate'],
      ['rotate', '--help'],
    ],
    [
      ['--', '-ojson'],
      ['--', '-ojson'],
    ],
    [
      ['who-can', '-n', 'shop', '--', 'db'],
      ['who-can', '-n', 'shop', 'db'],
    ],
    [
      ['exposure', '--', 'db', '-x'],
      ['exposure', 'db', '--', '-x'],
    ],
  ])('%j → %j', (input, expected) => {
    expect(normalizeArgv(input)).toEqual(expected);
  });
});
