import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import * as library from '../../constructs';

// constructs/index.ts is the package's one entry point, and its API is chosen name by name.
const CONSTRUCTS_DIR = join(__dirname, '..', '..', 'constructs');
const INDEX = readFileSync(join(CONSTRUCTS_DIR, 'index.ts'), 'utf8');
const exported = Object.keys(library);

it('exports by name: no export *, so nothing reaches the API unchosen', () => {
  expect(INDEX).not.toMatch(/export \*/);
});

it('exports every construct class of every module in constructs/ (imported references are reached through fromXxx)', () => {
  const constructs = readdirSync(CONSTRUCTS_DIR)
    .filter((file) => file.endsWith('.ts') && file !== 'index.ts')
    .flatMap((file) => [...readFileSync(join(CONSTRUCTS_DIR, file), 'utf8').matchAll(/^export class (\w+)(?:<[^>]*>)? extends Construct\b/gm)].map((m) => m[1]))
    .filter((name) => !name.startsWith('Imported'));
  expect(constructs.length).toBeGreaterThanOrEqual(10);
  expect(constructs.filter((name) => !exported.includes(name))).toEqual([]);
  expect(exported.filter((name) => name.startsWith('Imported'))).toEqual([]);
});

it('exposes the guard constructs, the interfaces props take, grants, code sources and the one error type', () => {
  for (const name of ['SafeBucket', 'UnreservedFunction', 'LoggedStateMachine', 'ConsistentTable', 'LeastPrivilegeRole', 'LambdaRestApi', 'EncryptedTopic', 'Grant', 'Code', 'GuardValidationError', 'defineKeySchema', 'configureLambdaConcurrency']) {
    expect(typeof (library as Record<string, unknown>)[name]).toBe('function');
  }
  // Interfaces and types exist only at compile time: the index names them.
  for (const name of ['IFunction', 'IBucket', 'ITable', 'IStateMachine', 'IRestApi', 'IGrantee', 'Violation', 'UnreservedFunctionProps']) {
    expect(INDEX).toMatch(new RegExp(`\\b${name}\\b`));
  }
});

it('keeps rule tables, validators and check internals out of the API', () => {
  expect(exported.filter((name) => /RULES|ALLOWANCES|^validate|^check|Rules$|^schemaRules$|^with|^derive|^decimal|^route|^body|^looksLike|Guard$/.test(name))).toEqual([]);
});
