import { Testing } from 'cdktf';
import { readFileSync, readdirSync, statSync } from 'fs';
import { join, relative } from 'path';
import * as ts from 'typescript';
import { bundleEntry } from '../../constructs/internal/bundling';
import { TableKeySchema, confusableForm, distinctKeyAttributes } from '../../constructs/key-schema';
import { UnreservedFunction } from '../../constructs/unreserved-function';
import { jobsTableSchema } from '../../lambdas/shared/jobs-schema';
import { TapStack } from '../../stacks/tap-stack';

/**
 * The backstop behind the compiler and lint: key attribute names as spelled
 * in the Lambda sources and in the synthesized bundles, compared with the
 * schema's names case- and separator-insensitively (`confusableForm`, the form
 * ConsistentTable refuses duplicates in). `PK`, `Pk`, `p_k` or `GSI1PK` next to
 * a schema with `pk`/`gsi1pk` fails wherever it is spelled.
 */
jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');
const LAMBDAS_DIR = join(ROOT, 'lambdas');
const SCHEMA_MODULE = join(LAMBDAS_DIR, 'shared', 'jobs-schema.ts');

export interface SpelledName {
  readonly text: string;
  readonly line: number;
}

/**
 * The names a reader sees in `code`: every word of every string and template
 * (`'#pk = :pk'` holds `pk`), every property name, and, with `identifiers`,
 * every other identifier. Minified bundles are read without `identifiers`: their
 * variable names are the minifier's, while strings and property names are the author's.
 */
export function spelledNames(code: string, fileName: string, options: { readonly identifiers: boolean }): SpelledName[] {
  const source = ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, true, fileName.endsWith('.ts') ? ts.ScriptKind.TS : ts.ScriptKind.JS);
  const found: SpelledName[] = [];
  const add = (text: string, node: ts.Node) => found.push({ text, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
  const isPropertyName = (node: ts.Identifier) => {
    const parent = node.parent;
    return (
      ((ts.isPropertyAssignment(parent) || ts.isPropertySignature(parent) || ts.isPropertyDeclaration(parent) || ts.isMethodDeclaration(parent)) &&
        parent.name === node) ||
      (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
      ts.isShorthandPropertyAssignment(parent) ||
      (ts.isBindingElement(parent) && (parent.propertyName === node || (!parent.propertyName && ts.isObjectBindingPattern(parent.parent))))
    );
  };
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      for (const word of node.text.match(/[A-Za-z0-9_-]+/g) ?? []) add(word, node);
    } else if (ts.isIdentifier(node) && (options.identifiers || isPropertyName(node))) {
      add(node.text, node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Names in `code` that a reader would take for a key attribute of `schema` (any spelling). */
export function keyLookalikes(code: string, fileName: string, schema: TableKeySchema, options: { readonly identifiers: boolean }): SpelledName[] {
  const keyForms = new Set(distinctKeyAttributes(schema).map((a) => confusableForm(a.name)));
  return spelledNames(code, fileName, options).filter((name) => keyForms.has(confusableForm(name.text)));
}

/** Lookalikes that are not spelled exactly as the schema spells them: the PK/pk mismatch. */
export function misspeltKeyNames(code: string, fileName: string, schema: TableKeySchema, options: { readonly identifiers: boolean }): SpelledName[] {
  const exact = new Set(distinctKeyAttributes(schema).map((a) => a.name));
  return keyLookalikes(code, fileName, schema, options).filter((name) => !exact.has(name.text));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const SEED_CODE = [
  "const { Item } = await client.send(new GetCommand({ TableName, Key: { PK: `JOB#${id}`, SK: 'JOB' } }));",
  "await client.send(new QueryCommand({ IndexName: 'gsi1', KeyConditionExpression: '#p = :p', ExpressionAttributeNames: { '#p': 'GSI1PK' } }));",
  'const view = { id: item.Pk, sort: item["s-k"] };',
  "const { p_k: partition } = item; const { gsi1sk } = other;",
].join('\n');

describe('the scan itself', () => {
  it.each([
    ['PK', 1],
    ['SK', 1],
    ['GSI1PK', 2],
    ['Pk', 3],
    ['s-k', 3],
    ['p_k', 4],
  ])('finds %s in code written the seed way (line %i)', (text, line) => {
    expect(misspeltKeyNames(SEED_CODE, 'seed.ts', jobsTableSchema, { identifiers: false })).toContainEqual({ text, line });
  });

  it('passes exact spellings in a bundle, and reports them in a source outside the schema module', () => {
    expect(misspeltKeyNames(SEED_CODE, 'seed.js', jobsTableSchema, { identifiers: false }).map((n) => n.text)).not.toContain('gsi1sk');
    expect(keyLookalikes(SEED_CODE, 'seed.ts', jobsTableSchema, { identifiers: true }).map((n) => n.text)).toContain('gsi1sk');
  });

  it('reads variable names only when asked (a minifier picks those)', () => {
    expect(keyLookalikes('let Pk = 1; Pk++;', 'bundle.js', jobsTableSchema, { identifiers: false })).toEqual([]);
    expect(keyLookalikes('let Pk = 1;', 'source.ts', jobsTableSchema, { identifiers: true })).toEqual([{ text: 'Pk', line: 1 }]);
  });

  it('finds the seed spelling in a bundle built from the post-mortem code', () => {
    const bundle = bundleEntry(join(ROOT, '__tests__', 'fixtures', 'lambdas', 'seed-raw-sdk.ts'), 'node22');
    const found = misspeltKeyNames(readFileSync(join(bundle.dir, 'index.js'), 'utf8'), 'index.js', jobsTableSchema, { identifiers: false });
    expect(found.map((n) => n.text)).toEqual(expect.arrayContaining(['PK', 'SK']));
  });
});

describe('key attribute names in Lambda sources', () => {
  const files = sourceFiles(LAMBDAS_DIR).filter((file) => file !== SCHEMA_MODULE);

  it.each(files.map((file) => relative(ROOT, file)))('%s spells no key attribute name, in any case or separators', (file) => {
    expect(keyLookalikes(readFileSync(join(ROOT, file), 'utf8'), file, jobsTableSchema, { identifiers: true })).toEqual([]);
  });

  it('finds the Lambda sources it checks', () => {
    expect(files.length).toBeGreaterThan(5);
  });
});

describe('key attribute names in the synthesized bundles', () => {
  const stack = new TapStack(Testing.app(), 'TapStack');
  Testing.synth(stack);
  const functions = stack.node.findAll().filter((c): c is UnreservedFunction => c instanceof UnreservedFunction);

  it.each(functions.map((fn) => [fn.node.path, fn] as const))('%s spells every key name as the schema does', (_path, fn) => {
    const code = readFileSync(join(fn.bundle.dir, 'index.js'), 'utf8');
    expect(misspeltKeyNames(code, 'index.js', jobsTableSchema, { identifiers: false })).toEqual([]);
  });

  it('scans the four functions, whose bundles hold the schema they were built with', () => {
    expect(functions).toHaveLength(4);
    for (const fn of functions) {
      const code = readFileSync(join(fn.bundle.dir, 'index.js'), 'utf8');
      expect(keyLookalikes(code, 'index.js', jobsTableSchema, { identifiers: false }).map((n) => n.text)).toEqual(expect.arrayContaining(['pk', 'sk']));
    }
  });
});

describe('Lambda code and cdktf', () => {
  it.each(sourceFiles(LAMBDAS_DIR).map((file) => relative(ROOT, file)))('%s does not import cdktf', (file) => {
    expect(readFileSync(join(ROOT, file), 'utf8')).not.toMatch(/from ['"](cdktf|@cdktf\/[^'"]+|constructs)['"]/);
  });
});
