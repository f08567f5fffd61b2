import { readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { ROOT } from '../helpers/doc-commands';

// The README is the short version (issue 20: at most 300 lines) and shows one example per guard
// construct. Each example is the marked part of an app in examples/, which tsc compiles and
// __tests__/integration/examples.test.ts synthesizes and plans offline; this test keeps the README's
// code equal to it, so the README never shows code that does not build.

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const EXAMPLES = readdirSync(join(ROOT, 'examples'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

/** `safe-bucket` -> `SafeBucket`: the construct an example shows. */
const constructOf = (example: string) => example.replace(/(^|-)(\w)/g, (_m, _dash, letter: string) => letter.toUpperCase());

/** The lines of `source` between `// #region README` and `// #endregion README`, each region dedented, regions joined by a blank line. */
function readmeRegions(source: string): string {
  const regions: string[][] = [];
  let current: string[] | undefined;
  for (const line of source.split('\n')) {
    if (line.trim() === '// #region README') current = [];
    else if (line.trim() === '// #endregion README') {
      if (!current) throw new Error('#endregion README without #region README');
      regions.push(current);
      current = undefined;
    } else current?.push(line);
  }
  if (current) throw new Error('#region README without #endregion README');
  return regions
    .map((lines) => {
      const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
      return lines.map((l) => l.slice(indent)).join('\n');
    })
    .join('\n\n');
}

/** The text of the README's section under `### title`, up to the next heading. */
function readmeSection(title: string): string {
  const start = README.indexOf(`\n### ${title}\n`);
  if (start < 0) throw new Error(`the README has no section "### ${title}"`);
  const rest = README.slice(start + title.length + 6);
  const next = /^#{1,3} /m.exec(rest);
  return rest.slice(0, next?.index ?? rest.length);
}

it('keeps the README at most 300 lines', () => {
  expect(README.split('\n').length).toBeLessThanOrEqual(300);
});

it('holds what a newcomer needs first, in this order: the failures, what the guards see, install, quick start, the constructs by example, the docs', () => {
  const headings = [...README.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
  expect(headings).toEqual(['The four failures, and what stops each', 'What the guards see', 'Install', 'Quick start', 'The guard constructs, by example', 'Documentation']);
});

it("links the full account of what the guards see, and the post-mortem, from the README's headline sections", () => {
  const section = (title: string) => README.slice(README.indexOf(`## ${title}`), README.indexOf('\n## ', README.indexOf(`## ${title}`) + 1));
  expect(section('What the guards see')).toContain('](docs/guards.md)');
  expect(section('The four failures, and what stops each')).toContain('](docs/post-mortem.md)');
});

describe.each(EXAMPLES)('examples/%s', (example) => {
  it("is the README's example of its construct, as written", () => {
    const regions = readmeRegions(readFileSync(join(ROOT, 'examples', example, 'main.ts'), 'utf8'));
    expect(regions.split('\n').length).toBeGreaterThan(3);
    const section = readmeSection(constructOf(example));
    expect(section).toContain(`](examples/${example}/main.ts)`);
    expect(section).toContain(`\`\`\`ts\n${regions}\n\`\`\`\n`);
  });
});

describe('the regions the README shows', () => {
  it('are read between the markers, dedented, one after another', () => {
    const source = ['const a = 1;', '  // #region README', '  const b = 2;', '    nested();', '  // #endregion README', '// #region README', 'export const c = 3;', '// #endregion README'].join('\n');
    expect(readmeRegions(source)).toBe('const b = 2;\n  nested();\n\nexport const c = 3;');
    expect(() => readmeRegions('// #region README\nx')).toThrow('without #endregion');
  });

  it('cover one example per guard construct', () => {
    expect(EXAMPLES.map(constructOf)).toEqual(['ConsistentTable', 'LoggedStateMachine', 'SafeBucket', 'UnreservedFunction']);
  });
});
