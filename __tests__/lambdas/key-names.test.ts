import { Testing } from 'cdktf';
import { readFileSync, readdirSync, statSync } from 'fs';
import { join, relative } from 'path';
import tseslint from 'typescript-eslint';
import { bundleEntry } from '../../constructs/internal/bundling';
import { ScanOptions, SyntaxNode, keyLookalikes, misspeltKeyNames } from '../../constructs/internal/key-name-scan';
import { UnreservedFunction } from '../../constructs/unreserved-function';
import { jobsTableSchema } from '../../lambdas/shared/jobs-schema';
import { TapStack } from '../../stacks/tap-stack';

/**
 * The backstop behind the compiler and lint: key attribute names as spelled
 * in the Lambda sources and in the synthesized bundles, compared with the
 * schema's names case- and separator-insensitively (`confusableForm`, the form
 * ConsistentTable refuses duplicates in). `PK`, `Pk`, `p_k` or `GSI1PK` next to
 * a schema with `pk`/`gsi1pk` fails wherever it is spelled. The scan is the
 * package's own (constructs/internal/key-name-scan.ts), the one ConsistentTable's
 * grants run on a function's bundle at synth; TypeScript sources are read with
 * typescript-eslint's parser, bundles with the scan's default (acorn).
 */
jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..');
const LAMBDAS_DIR = join(ROOT, 'lambdas');
const SCHEMA_MODULE = join(LAMBDAS_DIR, 'shared', 'jobs-schema.ts');
/** The table client is bundled into every Lambda that uses the table: Lambda code too. */
const TABLE_CLIENT_DIR = join(ROOT, 'constructs', 'table-client');
const lambdaSources = () => [...sourceFiles(LAMBDAS_DIR), ...sourceFiles(TABLE_CLIENT_DIR)];

/** A TypeScript source, as ESTree (type annotations and interfaces included). */
const typescript = (code: string) => tseslint.parser.parseForESLint(code).ast as SyntaxNode;
const inSource: ScanOptions = { identifiers: true, parse: typescript };
const inBundle: ScanOptions = { identifiers: false };

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
    expect(misspeltKeyNames(SEED_CODE, jobsTableSchema, { identifiers: false, parse: typescript })).toContainEqual({ text, line });
  });

  it('passes exact spellings in a bundle, and reports them in a source outside the schema module', () => {
    expect(misspeltKeyNames(SEED_CODE, jobsTableSchema, { identifiers: false, parse: typescript }).map((n) => n.text)).not.toContain('gsi1sk');
    expect(keyLookalikes(SEED_CODE, jobsTableSchema, inSource).map((n) => n.text)).toContain('gsi1sk');
  });

  it('reads variable names only when asked (a minifier picks those)', () => {
    expect(keyLookalikes('let Pk = 1; Pk++;', jobsTableSchema, inBundle)).toEqual([]);
    expect(keyLookalikes('let Pk = 1;', jobsTableSchema, inSource)).toEqual([{ text: 'Pk', line: 1 }]);
  });

  it('reads TypeScript-only names in a source: interface members and string literal types', () => {
    expect(keyLookalikes("interface Row { PK: string }\ntype Sort = 'S_K';", jobsTableSchema, inSource)).toEqual([
      { text: 'PK', line: 1 },
      { text: 'S_K', line: 2 },
    ]);
  });

  it('finds the seed spelling in a bundle built from the post-mortem code', () => {
    const bundle = bundleEntry(join(ROOT, '__tests__', 'fixtures', 'lambdas', 'seed-raw-sdk.ts'), 'node22');
    const found = misspeltKeyNames(readFileSync(join(bundle.dir, 'index.js'), 'utf8'), jobsTableSchema, inBundle);
    expect(found.map((n) => n.text)).toEqual(expect.arrayContaining(['PK', 'SK']));
  });
});

describe('key attribute names in Lambda sources', () => {
  const files = lambdaSources().filter((file) => file !== SCHEMA_MODULE);

  it.each(files.map((file) => relative(ROOT, file)))('%s spells no key attribute name, in any case or separators', (file) => {
    expect(keyLookalikes(readFileSync(join(ROOT, file), 'utf8'), jobsTableSchema, inSource)).toEqual([]);
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
    const code = readFileSync(join(fn.bundle!.dir, 'index.js'), 'utf8');
    expect(misspeltKeyNames(code, jobsTableSchema, inBundle)).toEqual([]);
  });

  it('scans the four functions, whose bundles hold the schema they were built with', () => {
    expect(functions).toHaveLength(4);
    for (const fn of functions) {
      const code = readFileSync(join(fn.bundle!.dir, 'index.js'), 'utf8');
      expect(keyLookalikes(code, jobsTableSchema, inBundle).map((n) => n.text)).toEqual(expect.arrayContaining(['pk', 'sk']));
    }
  });
});

describe('Lambda code and cdktf', () => {
  it.each(lambdaSources().map((file) => relative(ROOT, file)))('%s does not import cdktf', (file) => {
    expect(readFileSync(join(ROOT, file), 'utf8')).not.toMatch(/from ['"](cdktf|@cdktf\/[^'"]+|constructs)['"]/);
  });
});
