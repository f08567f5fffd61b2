import { existsSync, readFileSync } from 'fs';
import { join } from 'path';

// The README points readers at files (the API reference, examples, the changelog): each must exist.
const ROOT = join(__dirname, '..', '..');

it('links only to files that exist in the repository', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const targets = [...readme.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1]).filter((target) => !/^[a-z]+:/.test(target));
  expect(targets.length).toBeGreaterThan(5);
  expect(targets.filter((target) => !existsSync(join(ROOT, target)))).toEqual([]);
});
