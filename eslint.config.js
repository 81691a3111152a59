// ESLint (flat config): JavaScript and typescript-eslint recommended rules, plus a
// few that keep the code shape; formatting is prettier's (eslint-config-prettier
// turns the overlapping rules off). `npm run lint` checks, `npm run format` fixes.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // AssemblyScript (src/**/*.as.ts) has its own types (i32, u8, v128): asc checks it.
  { ignores: ['dist/', 'coverage/', 'node_modules/', 'test/fixtures/', 'src/**/*.as.ts'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      eqeqeq: ['error', 'smart'],
      'no-empty': ['error', { allowEmptyCatch: true }],
      'no-var': 'error',
      'prefer-const': 'error',
      'object-shorthand': ['error', 'properties'],
      'no-useless-rename': 'error',
      'prefer-template': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // Generic registries of commands (CommandSpec<any>) and yargs internals need it.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  prettier,
);
