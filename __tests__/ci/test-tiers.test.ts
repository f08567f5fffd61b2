import { readFileSync, readdirSync } from 'fs';
import { join, relative } from 'path';

/**
 * The unit tier is pure (docs/testing.md): no test it runs starts the TypeScript compiler, type-aware
 * ESLint, a dynalite server, the local runner or Terraform. A test that does runs in the integration
 * tier, from where it lives (jest.config.js lists those living beside unit tests).
 */
const ROOT = join(__dirname, '..', '..');
const COSTLY: readonly [string, RegExp][] = [
  ['the TypeScript compiler', /from 'typescript'|require\('typescript'\)/],
  ['ESLint on files (its Node API)', /new ESLint\(/],
  ['a dynalite server', /helpers\/dynalite'/],
  ['the local runner', /helpers\/local-stack'|local\/runner'/],
  ['Terraform', /helpers\/terraform'/],
];

interface Project {
  readonly displayName: string;
  readonly testMatch: string[];
  readonly testPathIgnorePatterns?: string[];
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const projects = (require(join(ROOT, 'jest.config.js')) as { projects: Project[] }).projects;
const project = (name: string) => projects.find((p) => p.displayName === name)!;

function testFilesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.test.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

/** The files the unit project runs: every test under its folders but those it ignores. */
function unitFiles(): string[] {
  const unit = project('unit');
  const ignored = (unit.testPathIgnorePatterns ?? []).map((pattern) => new RegExp(pattern.replace('<rootDir>', ROOT)));
  return unit.testMatch
    .map((glob) => /^<rootDir>\/(.+)\/\*\*\/\*\.test\.ts$/.exec(glob)![1])
    .flatMap(testFilesUnder)
    .filter((file) => !ignored.some((pattern) => pattern.test(join(ROOT, file))));
}

const costOf = (file: string) => COSTLY.filter(([, pattern]) => pattern.test(readFileSync(join(ROOT, file), 'utf8'))).map(([what]) => what);

describe('test tiers', () => {
  it('the unit project runs only pure tests', () => {
    // This file names the patterns it looks for, so it is left out.
    const files = unitFiles().filter((file) => file !== relative(ROOT, __filename));
    expect(files.length).toBeGreaterThan(40);
    expect(files.map((file) => [file, costOf(file)]).filter(([, costs]) => costs.length > 0)).toEqual([]);
  });

  it('the integration project runs each costly test that lives beside the unit tests, and each of them is costly', () => {
    const beside = project('integration')
      .testMatch.filter((glob) => !glob.includes('__tests__/integration/'))
      .map((glob) => glob.replace('<rootDir>/', ''));
    expect(beside.length).toBeGreaterThan(0);
    for (const file of beside) expect({ file, costly: costOf(file).length > 0 }).toEqual({ file, costly: true });
    expect(unitFiles().filter((file) => beside.includes(file))).toEqual([]);
  });
});
