import { readFileSync } from 'fs';
import { join } from 'path';
import { MARKERS, ROOT, RUN_ELSEWHERE, commandsOf, docCommands, docFiles, runElsewhere } from '../helpers/doc-commands';

/**
 * Every command the README and docs/ show is run by a test: the README's test runs it in a scratch
 * clone (__tests__/integration/readme-commands.test.ts), another named test runs exactly that
 * command line (checked here), or the docs mark it as needing what no test has. A command added to
 * the docs is run by the README's test until it is mapped or marked here.
 */
const commands = docCommands();
/** README.md and docs/, one text: the tests below hold wherever a section ends up. */
const DOCS = docFiles()
  .map((file) => readFileSync(join(ROOT, file), 'utf8'))
  .join('\n');

/** The text of the section under the heading `title` (up to the next heading of its level or above). */
function section(title: string): string {
  const heading = new RegExp(`^(#{1,6}) ${title}$`, 'm').exec(DOCS);
  if (!heading) throw new Error(`no section "${title}" in the README or docs/`);
  const rest = DOCS.slice(heading.index + heading[0].length);
  const next = new RegExp(`^#{1,${heading[1].length}} `, 'm').exec(rest);
  return rest.slice(0, next?.index ?? rest.length);
}

describe('commands run by another test', () => {
  it.each(RUN_ELSEWHERE.map((entry) => [entry.command, entry.by, entry.as ?? entry.command] as const))('%s: %s runs it as written', (_command, by, as) => {
    expect(readFileSync(join(ROOT, by), 'utf8')).toContain(as);
  });

  it('maps only commands the docs show', () => {
    const shown = new Set(commands.filter((c) => c.marker === undefined).map((c) => c.command));
    expect(RUN_ELSEWHERE.map((entry) => entry.command).filter((command) => !shown.has(command))).toEqual([]);
  });
});

describe('commands marked as needing what no test has', () => {
  it('are each marked in a comment the reader sees, with a marker the docs explain', () => {
    const marked = commands.filter((c) => c.marker !== undefined);
    expect(marked.length).toBeGreaterThan(0);
    for (const marker of new Set(marked.map((c) => c.marker!))) expect(DOCS).toContain(`\`# ${MARKERS[marker]}\``);
    // Marked means not run: a marked command never doubles as one another test claims to run.
    expect(marked.filter((c) => runElsewhere(c.command) && commands.every((other) => other.command !== c.command || other.marker))).toEqual([]);
  });
});

describe('the extraction', () => {
  it('reads commands, continuations, answers and markers the way the README writes them', () => {
    const markdown = [
      '## Try',
      '```sh',
      'npm ci && npx cdktf synth    # a note',
      'curl -s "$API_URL/jobs" \\',
      "  -d '{\"a\":\"x && y # z\"}'",
      '# {"jobId":"5c1e…"}',
      'npm run call -- GET /jobs/5c1e…   # needs an AWS account',
      '```',
      '',
      '```',
      '$ npm run local',
      'Running ...',
      '```',
      '```ts',
      'npm run not-a-command',
      '```',
    ].join('\n');
    expect(commandsOf('x.md', markdown).map((c) => [c.line, c.heading, c.command, c.answer, c.marker])).toEqual([
      [3, 'Try', 'npm ci', [], undefined],
      [3, 'Try', 'npx cdktf synth', [], undefined],
      [4, 'Try', 'curl -s "$API_URL/jobs" -d \'{"a":"x && y # z"}\'', ['{"jobId":"5c1e…"}'], undefined],
      [7, 'Try', 'npm run call -- GET /jobs/5c1e…', [], 'aws'],
      [11, 'Try', 'npm run local', [], undefined],
    ]);
  });

  it('finds the commands of every section issue 19 names, wherever they are', () => {
    const headings = new Set(commands.map((c) => c.heading));
    for (const heading of ['Quick start', 'Running locally', 'Deploy locally', 'Export to HCL', 'Using the constructs as a library']) expect(headings).toContain(heading);
  });
});

describe('facts of the docs the commands rely on', () => {
  it("names the tarball npm pack writes in the library's install line", () => {
    const { name, version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
    const install = commands.find((c) => c.command.startsWith('npm install ../'));
    expect(install?.command).toContain(`npm install ../${name}-${version}.tgz `);
  });

  it('lists each supporting construct once', () => {
    const listed = [...section('Supporting constructs').matchAll(/^\* `(\w+)` —/gm)].map((m) => m[1]);
    expect(listed.length).toBeGreaterThan(3);
    expect(listed.filter((name, i) => listed.indexOf(name) !== i)).toEqual([]);
  });
});
