import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import * as library from '../../constructs';

// constructs/index.ts is the package's one entry point: every construct module must be in it.
const CONSTRUCTS_DIR = join(__dirname, '..', '..', 'constructs');

it('re-exports every construct module', () => {
  const modules = readdirSync(CONSTRUCTS_DIR)
    .filter((file) => file.endsWith('.ts') && file !== 'index.ts')
    .map((file) => `./${file.replace(/\.ts$/, '')}`);
  const reexported = [...readFileSync(join(CONSTRUCTS_DIR, 'index.ts'), 'utf8').matchAll(/^export \* from '([^']+)';$/gm)].map((m) => m[1]);
  expect(reexported.sort()).toEqual(modules.sort());
});

it('exposes the four guard constructs and the key-schema helpers by name', () => {
  for (const name of ['SafeBucket', 'UnreservedFunction', 'LoggedStateMachine', 'ConsistentTable', 'LeastPrivilegeRole', 'LambdaRestApi', 'EncryptedTopic', 'defineKeySchema']) {
    expect(typeof (library as Record<string, unknown>)[name]).toBe('function');
  }
});
