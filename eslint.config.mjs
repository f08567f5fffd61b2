// @ts-check
// The lint gate (`npm run lint`, first step of `npm test`): typescript-eslint's
// recommended type-aware rules everywhere, plus the rules that keep Lambda code
// on the typed table client (seed failure 4) and away from cdktf: the package's
// shareable config (constructs/eslint/index.cjs), used here as consumers use it.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { lambdaLint } from './constructs/eslint/index.cjs';

/** Lambda sources, and the fixtures that show what the Lambda rules refuse (linted only by their test). */
export const LAMBDA_FILES = ['lambdas/**/*.ts', '__tests__/fixtures/lambdas/**/*.ts'];
/** The typed table client, bundled into the Lambdas too: the one place that may use the DynamoDB SDK. */
export const TABLE_CLIENT_FILES = ['constructs/table-client/**/*.ts'];
/** Relative imports of this repo's constructs/ folder, except the two modules Lambda code may load (they load no cdktf). */
const REPO_CONSTRUCTS = '(^|/)constructs(/(?!(key-schema|table-client)(/|$))|/?$)';

export default defineConfig(
  {
    ignores: ['node_modules/', 'cdktf.out/', 'cdktf.out.hcl/', 'dist/', 'docs/', '.local-run/', 'bench/tmp/', 'coverage/', '**/.seed4-*/', '__tests__/fixtures/lambdas/'],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        // The fixtures are kept out of tsconfig.json (they do not compile, on purpose); their test lints them
        // through __tests__/fixtures/lambdas/tsconfig.json, which extends it: one program for all of them.
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // `_`-prefixed names are the convention for a deliberately unused binding (it.each rows, destructuring).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // Tests, the local runner and the bench read synthesized Terraform JSON and wire payloads, typed `any` on purpose;
    // the shipped code (lambdas/, constructs/, stacks/, workflows/, main.ts) keeps these rules, so `as any` cannot dodge a key type there.
    files: ['__tests__/**', 'local/**', 'bench/**', 'scripts/**'],
    ignores: ['__tests__/fixtures/lambdas/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Fakes and handlers here implement async interfaces (close(), a Lambda handler) without awaiting anything.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Example Lambda handlers are async by the Lambda contract, whether or not they await.
    files: ['examples/**'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { sourceType: 'commonjs' },
    rules: {
      // CommonJS files (worker entry points, jest config) load modules with require().
      '@typescript-eslint/no-require-imports': 'off',
      // `const { performance } = require('perf_hooks')` names the module's export after the global on purpose.
      'no-redeclare': ['error', { builtinGlobals: false }],
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module' },
  },
  // The Lambda rules as the package ships them (guarded-serverless-stack/eslint).
  lambdaLint({ files: LAMBDA_FILES, tableClientFiles: TABLE_CLIENT_FILES, loadsCdktf: [REPO_CONSTRUCTS] }),
);
