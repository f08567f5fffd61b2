// @ts-check
// The lint gate (`npm run lint`, first step of `npm test`): typescript-eslint's
// recommended type-aware rules everywhere, plus the rules that keep Lambda code
// on the typed table client (seed failure 4) and away from cdktf.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Lambda sources, and the fixtures that show what the Lambda rules refuse (linted only by their test). */
export const LAMBDA_FILES = ['lambdas/**/*.ts', '__tests__/fixtures/lambdas/**/*.ts'];
/** The one module that may use the DynamoDB SDK, and the one that builds its client. */
export const DYNAMODB_ACCESS_FILES = ['lambdas/shared/table-client.ts', 'lambdas/shared/dynamo.ts'];

const USE_TABLE_CLIENT =
  'Lambda code reaches DynamoDB only through the typed table client (lambdas/shared/table-client.ts, via job-store.ts): ' +
  'its keys are typed from the key schema, so a key spelled differently from the table does not compile.';
const NO_CDKTF =
  'Lambda code is bundled into the functions: it must not import cdktf or the constructs. ' +
  'Key names come from the schema module (constructs/key-schema.ts, through lambdas/shared/jobs-schema.ts).';

/** no-restricted-imports for Lambda code; `dynamodb: true` for the modules allowed to use the SDK. */
function lambdaImportRules({ dynamodb }) {
  return [
    'error',
    {
      paths: [
        { name: 'cdktf', message: NO_CDKTF },
        { name: 'constructs', message: NO_CDKTF },
      ],
      patterns: [
        { group: ['@cdktf/*', 'cdktf/*', 'constructs/*'], message: NO_CDKTF },
        // Relative imports of this repo's constructs/ folder, except the key schema module.
        { regex: '(^|/)constructs/(?!key-schema$)', message: NO_CDKTF },
        // @aws-sdk/lib-dynamodb, @aws-sdk/client-dynamodb, @aws-sdk/util-dynamodb and their subpaths.
        ...(dynamodb ? [] : [{ group: ['@aws-sdk/*-dynamodb', '@aws-sdk/*-dynamodb/*'], message: USE_TABLE_CLIENT }]),
      ],
    },
  ];
}

/** The request shapes of the DynamoDB API, written out by hand: only the table client builds them. */
const RAW_REQUEST_SYNTAX = [
  {
    selector: 'ObjectExpression > Property[key.name=/^(Key|Keys|Item|ExpressionAttributeNames|ExclusiveStartKey)$/]',
    message: `A literal DynamoDB request object (Key/Item/ExpressionAttributeNames). ${USE_TABLE_CLIENT}`,
  },
  {
    selector: 'ObjectExpression > Property[key.value=/^(Key|Keys|Item|ExpressionAttributeNames|ExclusiveStartKey)$/]',
    message: `A literal DynamoDB request object (Key/Item/ExpressionAttributeNames). ${USE_TABLE_CLIENT}`,
  },
  {
    selector: 'ImportExpression[source.value=/^@aws-sdk\\u002F[a-z-]*dynamodb/], CallExpression[callee.name="require"][arguments.0.value=/^@aws-sdk\\u002F[a-z-]*dynamodb/]',
    message: USE_TABLE_CLIENT,
  },
  {
    selector: 'ImportExpression[source.value=/^(cdktf|constructs|@cdktf)/], CallExpression[callee.name="require"][arguments.0.value=/^(cdktf|constructs|@cdktf)/]',
    message: NO_CDKTF,
  },
];

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
  {
    files: LAMBDA_FILES,
    rules: {
      'no-restricted-imports': lambdaImportRules({ dynamodb: false }),
      'no-restricted-syntax': ['error', ...RAW_REQUEST_SYNTAX],
    },
  },
  {
    files: DYNAMODB_ACCESS_FILES,
    rules: {
      'no-restricted-imports': lambdaImportRules({ dynamodb: true }),
      'no-restricted-syntax': ['error', ...RAW_REQUEST_SYNTAX.slice(3)],
    },
  },
);
