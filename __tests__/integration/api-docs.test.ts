import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative } from 'path';

// docs/api is the API reference generated from the TSDoc by `npm run docs` (TypeDoc).
// It is committed so it can be read on GitHub; this test regenerates it and compares.
jest.setTimeout(180_000);

const REPO = join(__dirname, '..', '..');
const COMMITTED = join(REPO, 'docs', 'api');

function filesUnder(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (at: string) => {
    for (const entry of readdirSync(at)) {
      const path = join(at, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

describe('the API reference (npm run docs)', () => {
  const out = mkdtempSync(join(tmpdir(), 'api-docs-'));
  let model: any;

  beforeAll(() => {
    const run = spawnSync(join(REPO, 'node_modules', '.bin', 'typedoc'), ['--out', join(out, 'md'), '--json', join(out, 'model.json')], { cwd: REPO, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`typedoc failed:\n${run.stdout}${run.stderr}`);
    model = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
  });

  it('is up to date with the TSDoc (run `npm run docs` and commit docs/api)', () => {
    const generated = filesUnder(join(out, 'md'));
    const committed = filesUnder(COMMITTED);
    expect([...committed.keys()].sort()).toEqual([...generated.keys()].sort());
    for (const [file, text] of generated) expect({ file, text: committed.get(file) }).toEqual({ file, text });
  });

  it('documents a @default for every optional prop of every construct', () => {
    const missing: string[] = [];
    const checked: string[] = [];
    for (const props of (model.children ?? []).filter((child: any) => /Props$/.test(child.name) && child.children)) {
      for (const field of props.children) {
        checked.push(`${props.name}.${field.name}`);
        const tags: string[] = (field.comment?.blockTags ?? []).map((tag: { tag: string }) => tag.tag);
        if (field.flags?.isOptional && !tags.includes('@default')) missing.push(`${props.name}.${field.name}`);
      }
    }
    expect(checked).toEqual(expect.arrayContaining(['SafeBucketProps.bucketName', 'UnreservedFunctionProps.runtime', 'ConsistentTableProps.tableName', 'LoggedStateMachineProps.logLevel']));
    expect(missing).toEqual([]);
  });
});
