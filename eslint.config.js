// ESLint flat config for the whole workspace (`pnpm lint` = `eslint .` at the root).
// Non type-aware typescript-eslint rules (fast, no tsconfig project service needed),
// Vue 3 recommended rules for client/**/*.vue with the TS parser inside <script lang="ts">.
import { createRequire } from 'node:module';
import { defineConfig, globalIgnores } from 'eslint/config';
import pluginVue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// `@eslint/js` (ESLint's own recommended rule set) is a dependency of `eslint`, not of the root
// package; resolve it through eslint so the root needs no extra devDependency.
const requireFromEslint = createRequire(createRequire(import.meta.url).resolve('eslint'));
const js = requireFromEslint('@eslint/js');

export default defineConfig(
  globalIgnores([
    '**/node_modules/',
    '**/dist/',
    '.data/',
    '**/.artifacts/',
    '**/coverage/',
    '**/*.timestamp-*',
  ]),

  js.configs.recommended,
  tseslint.configs.recommended,

  {
    name: 'ccr/defaults',
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
    },
    rules: {
      // `_`-prefixed names are the conventional "intentionally unused".
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'prefer-const': 'error',
    },
  },

  // Node code: server, shared, cross-package tests, scripts and root config files.
  {
    name: 'ccr/node',
    files: [
      'server/**/*.{ts,mts,js,mjs}',
      'simulator/**/*.{ts,mts,js,mjs}',
      'shared/**/*.{ts,mts,js,mjs}',
      'tests/**/*.{ts,mts,js,mjs}',
      'scripts/**/*.{ts,mts,js,mjs}',
      '*.{ts,mts,js,mjs,cjs}',
      '*/*.config.{ts,mts,js,mjs}',
    ],
    languageOptions: { globals: { ...globals.node } },
  },

  // The launcher's own tests use Vitest globals (Vitest is not resolvable from the root).
  {
    name: 'ccr/scripts-tests',
    files: ['scripts/**/*.test.mjs'],
    languageOptions: { globals: { ...globals.vitest } },
  },

  // Browser code: the Vue client.
  {
    name: 'ccr/browser',
    files: ['client/**/*.{ts,mts,js,mjs,vue}'],
    ignores: ['client/*.config.{ts,mts,js,mjs}'],
    languageOptions: { globals: { ...globals.browser } },
  },

  // End-to-end tests run code inside the page (page.evaluate) as well as in Node.
  {
    name: 'ccr/e2e',
    files: ['tests/e2e/**/*.{ts,mts,js,mjs}'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
  },

  // Vue single-file components: vue3 recommended + TS parser for <script lang="ts">.
  ...pluginVue.configs['flat/recommended'].map((config) => ({
    ...config,
    files: ['client/**/*.vue'],
  })),
  {
    name: 'ccr/vue',
    files: ['client/**/*.vue'],
    // Template *layout* (attributes per line, line breaks inside elements) is formatting, not
    // correctness: off, so real findings are not buried under hundreds of style warnings.
    rules: { ...pluginVue.configs['no-layout-rules'].rules },
    languageOptions: {
      parserOptions: {
        parser: tseslint.parser,
        extraFileExtensions: ['.vue'],
        sourceType: 'module',
      },
    },
  },

  // Plain JS files (scripts, configs) are not TypeScript: type-import rules do not apply.
  {
    name: 'ccr/plain-js',
    files: ['**/*.{js,mjs,cjs}'],
    rules: {
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },

  // The terminal app's service worker runs in a worker, not a page.
  {
    name: 'ccr/service-worker',
    files: ['client/public/sw.js'],
    languageOptions: { globals: { ...globals.serviceworker } },
  },

  // The server logs through pino (Fastify's logger); console output there is a bug.
  // (The simulator, simulator/, is a separate CLI process and may print to the console.)
  {
    name: 'ccr/server-no-console',
    files: ['server/src/**/*.{ts,mts,js,mjs}'],
    rules: { 'no-console': 'error' },
  },
);
