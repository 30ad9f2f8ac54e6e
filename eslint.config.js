// Lint configuration: typescript-eslint's type-checked rules over src, test and bench (typed through
// tsconfig.test.json), plain recommended rules over the JavaScript entry points, and no formatting
// rules at all: Prettier owns layout (`npm run format`), so eslint-config-prettier goes last.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['dist/', '.build/', 'node_modules/', '.mercadream/', 'out/']),
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      // tsconfig.test.json covers src, test and bench, which are all type-checked together.
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    rules: {
      // Functions are async without awaiting on purpose, so a throw in a promise-returning interface (route handlers, engines, fakes) rejects.
      '@typescript-eslint/require-await': 'off',
      // Stripping control characters out of terminal and report text means matching them.
      'no-control-regex': 'off',
      // An abort rejects with the signal's own reason (typed any), as the platform's timers do; literal non-Errors are still refused.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // Same convention as tsc's noUnused*: a leading underscore marks a deliberately unused parameter or omitted key.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Functions read at once: past 60 lines, a function says why above itself (see the few that do).
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }],
      // node:test registers test(), describe() and their hooks synchronously; the runner awaits the promises they return.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
    },
  },
  {
    // Tests are tables of cases and scripts of a user's steps: their length is their content.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { 'max-lines-per-function': 'off' },
  },
  {
    // The JavaScript entry points (bin/, scripts/, this file) import the build in dist/ and are outside tsconfig.test.json.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  prettier,
);
