import { readFileSync, readdirSync, statSync } from 'fs';
import { join } from 'path';
import { keyAttributesOf } from '../../constructs/key-schema';
import { jobsTableSchema } from '../../lambdas/shared/jobs-schema';

const LAMBDAS_DIR = join(__dirname, '..', '..', 'lambdas');
const SCHEMA_MODULE = join(LAMBDAS_DIR, 'shared', 'jobs-schema.ts');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('key attribute names in Lambda code', () => {
  const keyNames = [...new Set(keyAttributesOf(jobsTableSchema).map((a) => a.name))];

  it.each(sourceFiles(LAMBDAS_DIR).filter((file) => file !== SCHEMA_MODULE))('%s spells no key attribute name literally', (file) => {
    const source = readFileSync(file, 'utf8');
    const literals = keyNames.filter((name) => new RegExp(`['"\`]${name}['"\`]|\\b${name}\\s*:`).test(source));
    expect(literals).toEqual([]);
  });

  it('finds the Lambda sources it checks', () => {
    expect(sourceFiles(LAMBDAS_DIR).length).toBeGreaterThan(5);
  });
});

describe('Lambda code and cdktf', () => {
  it.each(sourceFiles(LAMBDAS_DIR))('%s does not import cdktf', (file) => {
    expect(readFileSync(file, 'utf8')).not.toMatch(/from ['"](cdktf|@cdktf\/[^'"]+|constructs)['"]/);
  });
});
