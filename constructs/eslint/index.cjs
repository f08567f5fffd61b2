// @ts-check
'use strict';
/**
 * The lint rules that keep Lambda code on the typed table client (seed failure 4:
 * a key spelled `pk` in the code against a table keyed `PK`) and away from cdktf,
 * as an ESLint plugin with a flat config: the package's `guarded-serverless-stack/eslint`.
 * This repository's own eslint.config.mjs uses this file; there is no other copy.
 *
 *   // eslint.config.mjs
 *   import { lambdaLint } from 'guarded-serverless-stack/eslint';
 *   export default [...lambdaLint({ files: ['src/handlers/**\/*.ts'] })];
 *
 * The rules are plain ESLint rules over ESTree: they need no type information and
 * work on JavaScript (ESLint's own parser) and TypeScript (typescript-eslint's parser).
 */

const PACKAGE_NAME = 'guarded-serverless-stack';
const TABLE_CLIENT_ENTRY = `${PACKAGE_NAME}/table-client`;
/** The plugin's name in a config's `plugins`, and the prefix of its rule ids. */
const PLUGIN_NAMESPACE = 'guarded';

/** The request fields of the DynamoDB API that carry key attribute names: only the table client writes them. */
const REQUEST_FIELDS = ['Key', 'Keys', 'Item', 'ExpressionAttributeNames', 'ExclusiveStartKey'];

const USE_TABLE_CLIENT =
  `Lambda code reaches DynamoDB only through the typed table client (${TABLE_CLIENT_ENTRY}): ` +
  'its keys are typed from the key schema the table is built from, so a key spelled differently from the table does not compile.';
const NO_CDKTF =
  'Lambda code is bundled into the function: it must not load cdktf, constructs or the construct library. ' +
  `Import the key schema helpers and the table client from ${TABLE_CLIENT_ENTRY}.`;

/**
 * The text of a string literal or of a template without substitutions; undefined for anything computed.
 * @param {unknown} node
 * @returns {string | undefined}
 */
function staticString(node) {
  const n = /** @type {{ type?: string, value?: unknown, expressions?: unknown[], quasis?: { value: { cooked?: string | null } }[] } | null | undefined} */ (node);
  if (n?.type === 'Literal' && typeof n.value === 'string') return n.value;
  if (n?.type === 'TemplateLiteral' && n.expressions?.length === 0) return n.quasis?.[0]?.value.cooked ?? undefined;
  return undefined;
}

/** @param {string} name */
function isDynamoDbSdk(name) {
  // SDK v3 (@aws-sdk/client-dynamodb, lib-dynamodb, util-dynamodb, client-dynamodb-streams, their subpaths) and v2.
  return /^@aws-sdk\/[^/]*dynamodb/.test(name) || /^aws-sdk(\/(clients|lib)\/dynamodb.*)?$/.test(name);
}

/** @param {string} name */
function isCdktfPackage(name) {
  return /^(cdktf|constructs)(\/|$)/.test(name) || name.startsWith('@cdktf/') || new RegExp(`^${PACKAGE_NAME}(/(?!table-client$|package\\.json$)|$)`).test(name);
}

/** @type {import('eslint').Rule.RuleModule} */
const lambdaImports = {
  meta: {
    type: 'problem',
    docs: { description: 'Lambda code loads the DynamoDB SDK only in the table client, never cdktf, and packages only by name' },
    schema: [
      {
        type: 'object',
        properties: {
          allowDynamoDb: { type: 'boolean' },
          loadsCdktf: { type: 'array', items: { type: 'string' } },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      dynamodb: `'{{source}}' loads the DynamoDB SDK{{how}}. ${USE_TABLE_CLIENT}`,
      cdktf: `'{{source}}' loads cdktf{{how}}. ${NO_CDKTF}`,
      nodeModules: "'{{source}}' is a path into node_modules: import the package by its name, so what the code loads is seen (by this rule and by the bundler).",
      computed: 'A module loaded by a computed name cannot be checked: load modules by a literal name.',
    },
  },
  create(context) {
    const options = /** @type {{ allowDynamoDb?: boolean, loadsCdktf?: string[] }} */ (context.options[0] ?? {});
    const loadsCdktf = (options.loadsCdktf ?? []).map((pattern) => new RegExp(pattern));
    /** @param {any} node @param {unknown} specifier */
    const check = (node, specifier) => {
      const source = staticString(specifier);
      if (source === undefined) {
        context.report({ node, messageId: 'computed' });
        return;
      }
      const path = source.replace(/\\/g, '/');
      const inNodeModules = path.lastIndexOf('node_modules/');
      const viaPath = inNodeModules >= 0 && (inNodeModules === 0 || path[inNodeModules - 1] === '/');
      const name = viaPath ? path.slice(inNodeModules + 'node_modules/'.length) : path;
      const how = viaPath ? ', through a path into node_modules' : '';
      const data = { source, how };
      if (!options.allowDynamoDb && isDynamoDbSdk(name)) context.report({ node, messageId: 'dynamodb', data });
      else if (isCdktfPackage(name) || loadsCdktf.some((pattern) => pattern.test(path))) context.report({ node, messageId: 'cdktf', data });
      else if (viaPath) context.report({ node, messageId: 'nodeModules', data });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
      CallExpression(node) {
        const callee = node.callee;
        const isRequire =
          (callee.type === 'Identifier' && callee.name === 'require') ||
          (callee.type === 'MemberExpression' && !callee.computed && callee.object.type === 'Identifier' && callee.object.name === 'module' &&
            callee.property.type === 'Identifier' && callee.property.name === 'require');
        if (isRequire && node.arguments.length > 0) check(node, node.arguments[0]);
      },
      // TypeScript's `import x = require('...')`.
      /** @param {any} node */
      TSImportEqualsDeclaration(node) {
        if (node.moduleReference?.type === 'TSExternalModuleReference') check(node, node.moduleReference.expression);
      },
    };
  },
};

/**
 * The property name a key or member names, when it is written literally.
 * @param {unknown} key
 * @param {boolean | undefined} computed
 */
function propertyName(key, computed) {
  const k = /** @type {{ type?: string, name?: string }} */ (key);
  if (!computed && k.type === 'Identifier') return k.name;
  return staticString(key);
}

/** Wrappers that leave the object being assigned the same: `(x as T).Key`, `x!.Key`, `x?.Key`. */
const TRANSPARENT = new Set(['TSAsExpression', 'TSNonNullExpression', 'TSSatisfiesExpression', 'TSTypeAssertion', 'ChainExpression']);

/** @param {any} node */
function unwrap(node) {
  let current = node;
  while (current && TRANSPARENT.has(current.type)) current = current.expression;
  return current;
}

/** @type {import('eslint').Rule.RuleModule} */
const noRawDynamoDbRequest = {
  meta: {
    type: 'problem',
    docs: { description: 'Lambda code does not write DynamoDB request fields (Key, Item, ExpressionAttributeNames, ...) by hand' },
    schema: [],
    messages: {
      literal: `'{{field}}' in an object literal is a DynamoDB request written by hand. ${USE_TABLE_CLIENT}`,
      assigned: `'{{field}}' assigned into an object is a DynamoDB request written by hand. ${USE_TABLE_CLIENT}`,
    },
  },
  create(context) {
    /** @param {string | undefined} field */
    const isRequestField = (field) => field !== undefined && REQUEST_FIELDS.includes(field);
    return {
      Property(node) {
        const field = propertyName(node.key, node.computed);
        if (node.parent.type === 'ObjectExpression' && isRequestField(field)) context.report({ node, messageId: 'literal', data: { field: String(field) } });
      },
      // `input.Key = …`, `params['Key'] = …`, `input.Key.PK = …`, `input.ExpressionAttributeNames!['#p'] = …`
      AssignmentExpression(node) {
        for (let target = unwrap(node.left); target?.type === 'MemberExpression'; target = unwrap(target.object)) {
          const field = propertyName(target.property, target.computed);
          if (isRequestField(field)) {
            context.report({ node: node.left, messageId: 'assigned', data: { field: String(field) } });
            return;
          }
        }
      },
      // `Object.defineProperty(input, 'Key', …)`, `Reflect.set(input, 'Item', …)` (Object.assign's literal is a Property above).
      CallExpression(node) {
        const callee = unwrap(node.callee);
        if (callee?.type !== 'MemberExpression' || callee.object.type !== 'Identifier') return;
        const method = `${callee.object.name}.${propertyName(callee.property, callee.computed)}`;
        const field = staticString(node.arguments[1]);
        if (['Object.defineProperty', 'Reflect.set', 'Reflect.defineProperty'].includes(method) && isRequestField(field)) {
          context.report({ node, messageId: 'assigned', data: { field: String(field) } });
        }
      },
    };
  },
};

/** @type {import('eslint').ESLint.Plugin} */
const plugin = {
  meta: { name: `${PACKAGE_NAME}/eslint`, version: require('../../package.json').version },
  rules: { 'lambda-imports': lambdaImports, 'no-raw-dynamodb-request': noRawDynamoDbRequest },
};

/**
 * @typedef {object} LambdaLintOptions
 * @property {string[]} files Globs of the Lambda handler code (everything bundled into a function), e.g. `['src/handlers/**\/*.ts']`.
 * @property {string[]} [tableClientFiles] Files that may use the DynamoDB SDK: a table client of your own (default: none; use guarded-serverless-stack/table-client).
 * @property {string[]} [loadsCdktf] Regular expressions for your own module specifiers that load cdktf, such as a relative path to your stacks; refused like `cdktf` itself (default: none).
 */

/**
 * The flat config that applies the rules to Lambda code: spread it into eslint.config.mjs.
 * @param {LambdaLintOptions} options
 * @returns {import('eslint').Linter.Config[]}
 */
function lambdaLint(options) {
  if (!Array.isArray(options?.files) || options.files.length === 0) {
    throw new Error(`${PACKAGE_NAME}/eslint: lambdaLint({ files }) needs the globs of your Lambda handler code, e.g. ['src/handlers/**/*.ts']`);
  }
  const loadsCdktf = options.loadsCdktf ?? [];
  const plugins = { [PLUGIN_NAMESPACE]: plugin };
  const configs = /** @type {import('eslint').Linter.Config[]} */ ([
    {
      name: `${PACKAGE_NAME}/lambda`,
      files: options.files,
      plugins,
      rules: {
        [`${PLUGIN_NAMESPACE}/lambda-imports`]: ['error', { loadsCdktf }],
        [`${PLUGIN_NAMESPACE}/no-raw-dynamodb-request`]: 'error',
      },
    },
  ]);
  if (options.tableClientFiles && options.tableClientFiles.length > 0) {
    configs.push({
      name: `${PACKAGE_NAME}/table-client`,
      files: options.tableClientFiles,
      plugins,
      rules: {
        [`${PLUGIN_NAMESPACE}/lambda-imports`]: ['error', { allowDynamoDb: true, loadsCdktf }],
        [`${PLUGIN_NAMESPACE}/no-raw-dynamodb-request`]: 'off',
      },
    });
  }
  return configs;
}

module.exports = { plugin, lambdaLint, PLUGIN_NAMESPACE, REQUEST_FIELDS };
