import { ChildProcess, execFile } from 'child_process';
import { readFileSync } from 'fs';
import { join, relative } from 'path';
import * as ts from 'typescript';

/**
 * Seed failure 4, the way the post-mortem's code was written, through the
 * repo's own gates: the fixtures in __tests__/fixtures/lambdas are Lambda
 * files (tsconfig.json leaves them out and eslint.config.mjs ignores them, so
 * the repo itself stays clean); this test compiles them with tsconfig.json's
 * options and lints them with eslint.config.mjs (whose Lambda rules are the
 * package's shipped config, constructs/eslint/index.cjs), and asserts the exact diagnostics.
 */
jest.setTimeout(240_000);

const ROOT = join(__dirname, '..', '..');
const FIXTURES = join(ROOT, '__tests__', 'fixtures', 'lambdas');
const fixture = (name: string) => join(FIXTURES, name);

function repoCompilerOptions(): ts.CompilerOptions {
  const { config } = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (path) => ts.sys.readFile(path));
  return ts.parseJsonConfigFileContent(config, ts.sys, ROOT).options;
}

/**
 * Source files parsed once for every program this test builds: the second program re-parses only
 * the file it overrides, not the thousands of declaration files both load (about half its time).
 */
const parsed = new Map<string, ts.SourceFile | undefined>();
function sharedHost(overrides: Readonly<Record<string, string>> = {}): ts.CompilerHost {
  const host = ts.createCompilerHost(repoCompilerOptions());
  const readFile = host.readFile.bind(host);
  const parse = host.getSourceFile.bind(host);
  host.readFile = (file) => overrides[file] ?? readFile(file);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (fileName in overrides) return parse(fileName, languageVersion, onError, shouldCreate);
    if (!parsed.has(fileName)) parsed.set(fileName, parse(fileName, languageVersion, onError, shouldCreate));
    return parsed.get(fileName);
  };
  return host;
}

/** `line:column TScode message` (the message's first line) per file, for the files asked about. */
function typeErrors(files: readonly string[], host: ts.CompilerHost = sharedHost(), rootNames: readonly string[] = files): Record<string, string[]> {
  const program = ts.createProgram(rootNames, repoCompilerOptions(), host);
  const byFile: Record<string, string[]> = Object.fromEntries(files.map((file) => [relative(ROOT, file), []]));
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    if (!diagnostic.file) throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    const file = relative(ROOT, diagnostic.file.fileName);
    const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    const head = typeof diagnostic.messageText === 'string' ? diagnostic.messageText : diagnostic.messageText.messageText;
    (byFile[file] ??= []).push(`${line + 1}:${character + 1} TS${diagnostic.code} ${head}`);
  }
  return byFile;
}

interface LintMessage {
  readonly line: number;
  readonly column: number;
  readonly ruleId: string | null;
  readonly message: string;
}

/**
 * ESLint's messages per file, from its Node API with the repo's config.
 * In a child process: the config is an ES module, which jest's module system does not load.
 * Started when asked and awaited later, so it runs while the compiler tests build their programs.
 */
function lint(files: readonly string[]): Promise<Record<string, LintMessage[]>> {
  const script = `
    const { ESLint } = require('eslint');
    new ESLint({ cwd: process.cwd(), ignore: false })
      .lintFiles(JSON.parse(process.argv[1]))
      .then((results) => process.stdout.write(JSON.stringify(results.map((r) => [r.filePath, r.messages]))));`;
  return new Promise((resolve, reject) => {
    lintChild = execFile(process.execPath, ['-e', script, JSON.stringify(files)], { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, output, stderr) => {
      if (error) reject(new Error(`ESLint on the fixtures failed: ${error.message}\n${stderr}`));
      else resolve(Object.fromEntries((JSON.parse(output) as [string, LintMessage[]][]).map(([file, messages]) => [relative(ROOT, file), messages])));
    });
  });
}

const positions = (messages: readonly LintMessage[]) => messages.map((m) => `${m.line}:${m.column} ${m.ruleId ?? 'parse error'}`);

const FIXTURE_FILES = [
  'seed-raw-sdk.ts',
  'seed-client-upper-keys.ts',
  'seed-client-lower-keys.ts',
  'wrong-key-shapes.ts',
  'keys-only-projection.ts',
  'imports-cdktf.ts',
  'any-escape.ts',
  'sdk-through-node-modules.ts',
  'request-assigned-after.ts',
  'ordinary-code.ts',
].map(fixture);

/** The lint child, started by the first block that runs, so it works while the compiler tests do. */
let linting: Promise<Record<string, LintMessage[]>> | undefined;
let lintChild: ChildProcess | undefined;
// Not awaited when a name filter runs the compiler tests alone: it is not left running.
afterAll(() => lintChild?.kill());
function startLinting(): Promise<Record<string, LintMessage[]>> {
  if (!linting) {
    linting = lint(FIXTURE_FILES);
    linting.catch(() => undefined); // a failure is reported where it is awaited, not as an unhandled rejection
  }
  return linting;
}

describe('the compiler (tsc with tsconfig.json)', () => {
  let errors: Record<string, string[]>;
  beforeAll(() => {
    void startLinting();
    errors = typeErrors(FIXTURE_FILES);
  });

  it('passes the seed code written with the raw SDK: Key and Item are Record<string, any> (lint catches it, below)', () => {
    expect(errors['__tests__/fixtures/lambdas/seed-raw-sdk.ts']).toEqual([]);
  });

  it('passes a key cast to any (lint catches it, below)', () => {
    expect(errors['__tests__/fixtures/lambdas/any-escape.ts']).toEqual([]);
  });

  it('passes the SDK loaded through paths into node_modules, and a raw request assigned field by field (lint catches both, below)', () => {
    expect(errors['__tests__/fixtures/lambdas/sdk-through-node-modules.ts']).toEqual([]);
    expect(errors['__tests__/fixtures/lambdas/request-assigned-after.ts']).toEqual([]);
    expect(errors['__tests__/fixtures/lambdas/ordinary-code.ts']).toEqual([]);
  });

  it('refuses PK/SK through the table client against the pk/sk jobs table', () => {
    expect(errors['__tests__/fixtures/lambdas/seed-client-upper-keys.ts']).toEqual([
      "8:21 TS2561 Object literal may only specify known properties, but 'PK' does not exist in type 'Exactly<{ pk: string; sk: string; }, { pk: string; sk: string; }>'. Did you mean to write 'pk'?",
    ]);
  });

  it('refuses pk/sk through the table client against a PK/SK table, in a put and a get', () => {
    expect(errors['__tests__/fixtures/lambdas/seed-client-lower-keys.ts']).toEqual([
      expect.stringMatching(/^9:20 TS2561 Object literal may only specify known properties, but 'pk' does not exist in type 'Exactly<ItemOf<.*'\. Did you mean to write 'PK'\?$/),
      "10:21 TS2561 Object literal may only specify known properties, but 'pk' does not exist in type 'Exactly<{ PK: string; SK: string; }, { PK: string; SK: string; }>'. Did you mean to write 'PK'?",
    ]);
  });

  it('refuses a key with a missing or extra attribute, an index queried with the table key, an index key of the wrong type', () => {
    expect(errors['__tests__/fixtures/lambdas/wrong-key-shapes.ts']).toEqual([
      "8:18 TS2345 Argument of type '{ pk: string; }' is not assignable to parameter of type 'Exactly<{ pk: string; sk: string; }, { pk: string; sk: string; }>'.",
      "10:18 TS2345 Argument of type '{ status: string; pk: string; sk: string; }' is not assignable to parameter of type 'Exactly<{ pk: string; sk: string; }, { status: string; pk: string; sk: string; }>'.",
      "11:35 TS2353 Object literal may only specify known properties, and 'pk' does not exist in type 'Exactly<{ gsi1pk: string; }, { gsi1pk: string; }>'.",
      "12:45 TS2322 Type 'number' is not assignable to type 'string'.",
    ]);
  });

  it('refuses reading an attribute a KEYS_ONLY or INCLUDE index does not project', () => {
    expect(errors['__tests__/fixtures/lambdas/keys-only-projection.ts']).toEqual([
      expect.stringMatching(/^17:39 TS2339 Property 'status' does not exist on type 'ProjectedItemOf<\{ readonly primary: .*'\.$/),
      expect.stringMatching(/^17:95 TS2339 Property 'status' does not exist on type 'ProjectedItemOf<\{ readonly primary: .*'\.$/),
    ]);
  });

  it("makes the list endpoint fail to compile if the jobs table's gsi1 stopped projecting the job", () => {
    const schemaModule = join(ROOT, 'lambdas', 'shared', 'jobs-schema.ts');
    const source = readFileSync(schemaModule, 'utf8');
    const declaration = "sortKey: { name: 'gsi1sk', type: 'S' } },";
    expect(source).toContain(declaration);
    const keysOnly = source.replace(declaration, "sortKey: { name: 'gsi1sk', type: 'S' }, projection: 'KEYS_ONLY' },");
    const host = sharedHost({ [schemaModule]: keysOnly });
    const handler = join(ROOT, 'lambdas', 'api', 'handler.ts');
    const found = typeErrors([handler], host)['lambdas/api/handler.ts'].map((error) => error.replace(/^\d+:\d+ /, ''));
    // summaryView reads these from a job of the list query: with KEYS_ONLY none of them is there.
    expect(found).toEqual(
      ['jobId', 'type', 'status', 'createdAt', 'updatedAt'].map(
        (name) => `TS2339 Property '${name}' does not exist on type 'JobRecord | StatusIndexJob'.`,
      ),
    );
  });
});

describe('the lint gate (eslint.config.mjs)', () => {
  let messages: Record<string, LintMessage[]>;
  let errors: Record<string, string[]>;
  beforeAll(async () => {
    messages = await startLinting();
    errors = Object.fromEntries(Object.entries(messages).map(([file, list]) => [file, positions(list)]));
  });

  it('refuses the seed code written with the raw SDK: the import, and each literal Key, Item and ExpressionAttributeNames', () => {
    expect(errors['__tests__/fixtures/lambdas/seed-raw-sdk.ts']).toEqual([
      '3:1 guarded/lambda-imports',
      '7:91 guarded/no-raw-dynamodb-request',
      '11:7 guarded/no-raw-dynamodb-request',
      '13:7 guarded/no-raw-dynamodb-request',
    ]);
  });

  it('refuses Lambda code importing cdktf or a construct other than the key schema and the table client', () => {
    expect(errors['__tests__/fixtures/lambdas/imports-cdktf.ts']).toEqual(['2:1 guarded/lambda-imports', '3:1 guarded/lambda-imports']);
  });

  it('refuses the SDK and cdktf loaded through a path into node_modules (import, import-equals, import(), require) and a module named at run time', () => {
    expect(errors['__tests__/fixtures/lambdas/sdk-through-node-modules.ts']).toEqual([
      '3:1 guarded/lambda-imports',
      '4:1 guarded/lambda-imports',
      '4:16 @typescript-eslint/no-require-imports',
      '7:33 guarded/lambda-imports',
      '8:30 guarded/lambda-imports',
      '8:30 @typescript-eslint/no-require-imports',
      '10:29 guarded/lambda-imports',
      '10:29 @typescript-eslint/no-require-imports',
    ]);
  });

  it('refuses a raw request assigned after it was made: .Key =, [\'Item\'] =, a key attribute set through the chain, Object.assign, defineProperty, Reflect.set', () => {
    expect(errors['__tests__/fixtures/lambdas/request-assigned-after.ts']).toEqual([
      '3:1 guarded/lambda-imports',
      '7:3 guarded/no-raw-dynamodb-request',
      '9:3 guarded/no-raw-dynamodb-request',
      '10:3 guarded/no-raw-dynamodb-request',
      '11:3 guarded/no-raw-dynamodb-request',
      '12:77 guarded/no-raw-dynamodb-request',
      '13:3 guarded/no-raw-dynamodb-request',
      '14:3 guarded/no-raw-dynamodb-request',
    ]);
  });

  it('leaves ordinary Lambda code alone: other SDK clients, Node modules, the table client, lazy sibling imports, look-alike properties', () => {
    expect(errors['__tests__/fixtures/lambdas/ordinary-code.ts']).toEqual([]);
  });

  it('refuses a key cast to any in Lambda code', () => {
    expect(errors['__tests__/fixtures/lambdas/any-escape.ts']).toEqual(['8:56 @typescript-eslint/no-explicit-any']);
  });

  it('leaves the table client call sites to the compiler', () => {
    for (const name of ['seed-client-upper-keys.ts', 'seed-client-lower-keys.ts', 'wrong-key-shapes.ts']) {
      expect(errors[`__tests__/fixtures/lambdas/${name}`]).toEqual([]);
    }
  });

  it('says what to use instead', () => {
    const [importMessage, ...syntaxMessages] = messages['__tests__/fixtures/lambdas/seed-raw-sdk.ts'].map((m) => m.message);
    expect(importMessage).toBe(
      "'@aws-sdk/lib-dynamodb' loads the DynamoDB SDK. Lambda code reaches DynamoDB only through the typed table client " +
        '(guarded-serverless-stack/table-client): its keys are typed from the key schema the table is built from, so a key spelled differently from the table does not compile.',
    );
    for (const message of syntaxMessages) {
      expect(message).toMatch(/^'(Key|Item|ExpressionAttributeNames)' in an object literal is a DynamoDB request written by hand\. Lambda code reaches DynamoDB only through the typed table client/);
    }
    const noCdktf =
      'Lambda code is bundled into the function: it must not load cdktf, constructs or the construct library. ' +
      'Import the key schema helpers and the table client from guarded-serverless-stack/table-client.';
    expect(messages['__tests__/fixtures/lambdas/imports-cdktf.ts'].map((m) => m.message)).toEqual([
      `'cdktf' loads cdktf. ${noCdktf}`,
      `'../../../constructs/consistent-table' loads cdktf. ${noCdktf}`,
    ]);
    const ours = (file: string) => messages[`__tests__/fixtures/lambdas/${file}`].filter((m) => m.ruleId?.startsWith('guarded/')).map((m) => m.message);
    expect(ours('sdk-through-node-modules.ts')).toEqual([
      expect.stringMatching(/^'\.\.\/\.\.\/\.\.\/node_modules\/@aws-sdk\/lib-dynamodb' loads the DynamoDB SDK, through a path into node_modules\. Lambda code reaches DynamoDB only through/),
      `'../../../node_modules/cdktf' loads cdktf, through a path into node_modules. ${noCdktf}`,
      expect.stringMatching(/^'\.\.\/\.\.\/\.\.\/node_modules\/@aws-sdk\/client-dynamodb' loads the DynamoDB SDK, through a path into node_modules\./),
      expect.stringMatching(/^'\.\.\\\.\.\\\.\.\\node_modules\\@aws-sdk\\lib-dynamodb' loads the DynamoDB SDK, through a path into node_modules\./),
      'A module loaded by a computed name cannot be checked: load modules by a literal name.',
    ]);
    expect(ours('request-assigned-after.ts').slice(1, 3)).toEqual([
      expect.stringMatching(/^'Key' assigned into an object is a DynamoDB request written by hand\. Lambda code reaches DynamoDB only through the typed table client/),
      expect.stringMatching(/^'Item' assigned into an object is a DynamoDB request written by hand\./),
    ]);
  });
});
