import { ESLint, Linter, Rule, RuleTester } from 'eslint';
import { readFileSync } from 'fs';
import { join } from 'path';
import tseslint from 'typescript-eslint';

// The package's shareable lint config (guarded-serverless-stack/eslint), rule by rule, on JavaScript and
// on TypeScript. The seed fixtures run it through the repo's own eslint.config.mjs (seed-fixtures.test.ts);
// the consumer test runs it from the packed tarball (package.test.ts).
interface ShippedEslint {
  readonly plugin: ESLint.Plugin & { readonly rules: Record<string, Rule.RuleModule> };
  readonly lambdaLint: (options: { files: string[]; tableClientFiles?: string[]; loadsCdktf?: string[] }) => Linter.Config[];
  readonly PLUGIN_NAMESPACE: string;
  readonly REQUEST_FIELDS: readonly string[];
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS file with JSDoc types, shipped as it is
const shipped = require('../../../constructs/eslint/index.cjs') as ShippedEslint;

const ROOT = join(__dirname, '..', '..', '..');
const javascript = new RuleTester({ languageOptions: { ecmaVersion: 'latest', sourceType: 'module' } });
const typescript = new RuleTester({ languageOptions: { parser: tseslint.parser, sourceType: 'module' } });
const imports = shipped.plugin.rules['lambda-imports'];
const requests = shipped.plugin.rules['no-raw-dynamodb-request'];

describe('lambda-imports', () => {
  javascript.run('lambda-imports', imports, {
    valid: [
      "import { S3Client } from '@aws-sdk/client-s3';",
      "import { TableClient } from 'guarded-serverless-stack/table-client';",
      "const { createHash } = require('crypto');",
      "export * from './keys';",
      "const lazy = () => import('./http');",
      "import data from './node_modules-list';",
      "import x from '../my_node_modules/x';",
      // A local function that happens to be called with a variable is not a module load.
      'function load(name) { return name; } load(process.env.X);',
      // The table client files may use the SDK.
      { code: "import { GetCommand } from '@aws-sdk/lib-dynamodb';", options: [{ allowDynamoDb: true }] },
    ],
    invalid: [
      { code: "import { GetCommand } from '@aws-sdk/lib-dynamodb';", errors: [{ messageId: 'dynamodb' }] },
      { code: "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';", errors: [{ messageId: 'dynamodb' }] },
      { code: "import { marshall } from '@aws-sdk/util-dynamodb';", errors: [{ messageId: 'dynamodb' }] },
      { code: "export * from '@aws-sdk/lib-dynamodb';", errors: [{ messageId: 'dynamodb' }] },
      { code: "export { GetCommand } from '@aws-sdk/lib-dynamodb';", errors: [{ messageId: 'dynamodb' }] },
      { code: "const AWS = require('aws-sdk');", errors: [{ messageId: 'dynamodb' }] },
      { code: "const DynamoDB = require('aws-sdk/clients/dynamodb');", errors: [{ messageId: 'dynamodb' }] },
      { code: "const m = import('@aws-sdk/lib-dynamodb');", errors: [{ messageId: 'dynamodb' }] },
      { code: 'const m = require(`@aws-sdk/lib-dynamodb`);', errors: [{ messageId: 'dynamodb' }] },
      { code: "const m = module.require('@aws-sdk/lib-dynamodb');", errors: [{ messageId: 'dynamodb' }] },
      { code: "import { GetCommand } from '../../node_modules/@aws-sdk/lib-dynamodb';", errors: [{ messageId: 'dynamodb', data: { source: '../../node_modules/@aws-sdk/lib-dynamodb', how: ', through a path into node_modules' } }] },
      { code: "const m = require('/opt/nodejs/node_modules/@aws-sdk/lib-dynamodb/dist-cjs/index.js');", errors: [{ messageId: 'dynamodb' }] },
      { code: "import x from '../node_modules/.pnpm/@aws-sdk+lib-dynamodb@3.0.0/node_modules/@aws-sdk/lib-dynamodb';", errors: [{ messageId: 'dynamodb' }] },
      { code: "import left from '../../node_modules/left-pad';", errors: [{ messageId: 'nodeModules' }] },
      { code: "import { GetCommand } from '../../node_modules/@aws-sdk/lib-dynamodb';", options: [{ allowDynamoDb: true }], errors: [{ messageId: 'nodeModules' }] },
      { code: "import { Fn } from 'cdktf';", errors: [{ messageId: 'cdktf' }] },
      { code: "import { Construct } from 'constructs';", errors: [{ messageId: 'cdktf' }] },
      { code: "import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';", errors: [{ messageId: 'cdktf' }] },
      { code: "import { defineKeySchema } from 'guarded-serverless-stack';", errors: [{ messageId: 'cdktf' }] },
      { code: "const c = require('../node_modules/cdktf/lib/index.js');", errors: [{ messageId: 'cdktf' }] },
      { code: "import { TapStack } from '../../stacks/tap-stack';", options: [{ loadsCdktf: ['(^|/)stacks/'] }], errors: [{ messageId: 'cdktf' }] },
      { code: 'const m = require(name);', errors: [{ messageId: 'computed' }] },
      { code: "const m = import('@aws-sdk/' + 'lib-dynamodb');", errors: [{ messageId: 'computed' }] },
      { code: 'const m = import(`@aws-sdk/${lib}`);', errors: [{ messageId: 'computed' }] },
    ],
  });

  typescript.run('lambda-imports (TypeScript)', imports, {
    valid: ["import type { Handler } from 'aws-lambda';", "import fs = require('fs');"],
    invalid: [
      { code: "import documents = require('@aws-sdk/lib-dynamodb');", errors: [{ messageId: 'dynamodb' }] },
      { code: "import cdktf = require('../../node_modules/cdktf');", errors: [{ messageId: 'cdktf' }] },
      { code: "import type { GetCommandInput } from '@aws-sdk/lib-dynamodb';", errors: [{ messageId: 'dynamodb' }] },
    ],
  });
});

describe('no-raw-dynamodb-request', () => {
  javascript.run('no-raw-dynamodb-request', requests, {
    valid: [
      'const { Item } = await client.send(command);',
      'const key = response.Key;',
      'view.key = 1; view.Items = []; view.keyboard = "us"; view["Itemised"] = true;',
      "cache.set('Key', value);",
      "Object.assign(view, { key: 1 });",
      "Object.defineProperty(view, 'key', { value: 1 });",
      '({ Key: key } = response);',
    ],
    invalid: [
      { code: "const input = { TableName: 't', Key: { PK: 'a' } };", errors: [{ messageId: 'literal', data: { field: 'Key' } }] },
      { code: "const input = { 'Item': {} };", errors: [{ messageId: 'literal', data: { field: 'Item' } }] },
      { code: "const input = { ['ExpressionAttributeNames']: {} };", errors: [{ messageId: 'literal' }] },
      { code: 'const input = { [`ExclusiveStartKey`]: start };', errors: [{ messageId: 'literal' }] },
      { code: 'const input = { Keys };', errors: [{ messageId: 'literal', data: { field: 'Keys' } }] },
      { code: "input.Key = { PK: 'a' };", errors: [{ messageId: 'assigned', data: { field: 'Key' } }] },
      { code: "params['Key'] = { PK: 'a' };", errors: [{ messageId: 'assigned', data: { field: 'Key' } }] },
      { code: 'params[`Item`] = item;', errors: [{ messageId: 'assigned', data: { field: 'Item' } }] },
      { code: "input.Key.PK = 'a';", errors: [{ messageId: 'assigned', data: { field: 'Key' } }] },
      { code: "input.ExpressionAttributeNames['#p'] = 'PK';", errors: [{ messageId: 'assigned', data: { field: 'ExpressionAttributeNames' } }] },
      { code: 'input.Key ??= {};', errors: [{ messageId: 'assigned' }] },
      { code: "Object.assign(input, { Key: { PK: 'a' } });", errors: [{ messageId: 'literal', data: { field: 'Key' } }] },
      { code: "Object.defineProperty(input, 'Key', { value: {} });", errors: [{ messageId: 'assigned', data: { field: 'Key' } }] },
      { code: "Reflect.set(input, 'Item', {});", errors: [{ messageId: 'assigned', data: { field: 'Item' } }] },
    ],
  });

  typescript.run('no-raw-dynamodb-request (TypeScript)', requests, {
    valid: ['interface Row { Key: string }', 'let view: { Key?: string };'],
    invalid: [
      { code: "(input as Request).Key = { PK: 'a' };", errors: [{ messageId: 'assigned' }] },
      { code: "input!.Item = { PK: 'a' };", errors: [{ messageId: 'assigned' }] },
      { code: "(input.ExpressionAttributeNames as Names)['#p'] = 'PK';", errors: [{ messageId: 'assigned' }] },
    ],
  });
});

describe('lambdaLint', () => {
  it('applies both rules to the files it is given, and lets the table client files use the SDK', () => {
    const configs = shipped.lambdaLint({ files: ['src/handlers/**/*.ts'], tableClientFiles: ['src/db/**/*.ts'], loadsCdktf: ['(^|/)stacks/'] });
    expect(configs.map((c) => [c.files, c.rules])).toEqual([
      [['src/handlers/**/*.ts'], { 'guarded/lambda-imports': ['error', { loadsCdktf: ['(^|/)stacks/'] }], 'guarded/no-raw-dynamodb-request': 'error' }],
      [['src/db/**/*.ts'], { 'guarded/lambda-imports': ['error', { allowDynamoDb: true, loadsCdktf: ['(^|/)stacks/'] }], 'guarded/no-raw-dynamodb-request': 'off' }],
    ]);
    expect(configs[0].plugins).toEqual({ [shipped.PLUGIN_NAMESPACE]: shipped.plugin });
    expect(shipped.lambdaLint({ files: ['lambda/*.js'] })).toHaveLength(1);
  });

  it('asks for the Lambda globs rather than guessing them', () => {
    expect(() => shipped.lambdaLint({ files: [] })).toThrow(/lambdaLint\(\{ files \}\) needs the globs of your Lambda handler code/);
  });

  it('names itself after the package, at its version', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(shipped.plugin.meta).toEqual({ name: `${pkg.name}/eslint`, version: pkg.version });
  });

  it('lints JavaScript handlers with ESLint alone (no TypeScript parser)', () => {
    const linter = new Linter();
    const messages = linter.verify("const { GetCommand } = require('@aws-sdk/lib-dynamodb');\nexports.params = { Key: { pk: 'a' } };", shipped.lambdaLint({ files: ['**/*.js'] }), 'handler.js');
    expect(messages.map((m) => `${m.line}:${m.column} ${m.ruleId}`)).toEqual(['1:24 guarded/lambda-imports', '2:20 guarded/no-raw-dynamodb-request']);
  });
});
