import { readFileSync } from 'fs';
import { join, resolve } from 'path';
import { Results, resultsMarkdown, resultsTableRows } from '../../bench/results-markdown';
import { docFiles } from '../helpers/doc-commands';

// bench/results.md is the one home of measured figures: `npm run bench` and `npm run bench:render`
// write it from bench/results.json and bench/notes.md, and the README and docs/ link to it instead
// of repeating its table (a copy goes stale the day the bench runs again).

const ROOT = resolve(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const results = JSON.parse(read('bench/results.json')) as Results;

it('commits bench/results.md exactly as results.json and notes.md render it (never edited by hand)', () => {
  expect(read('bench/results.md')).toBe(resultsMarkdown(results, read('bench/notes.md')));
});

it('renders into bench/results.md only: bench:render runs the render, and nothing in bench/ writes the README', () => {
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
  expect(scripts['bench:render']).toContain('bench/run.ts --render-only');
  expect(Object.entries(scripts).filter(([name, command]) => /readme/i.test(name + command))).toEqual([]);
  for (const file of ['bench/run.ts', 'bench/results-markdown.ts']) expect(read(file)).not.toMatch(/README/);
});

it('repeats no row of the figures table in the README or docs/', () => {
  const rows = resultsTableRows(results);
  expect(rows.length).toBeGreaterThan(10);
  const copies = docFiles().flatMap((file) => {
    const text = read(file);
    return [
      ...(text.includes('| figure | median |') ? [`${file}: the table's header`] : []),
      ...(text.includes('bench:results:start') ? [`${file}: generated-table markers`] : []),
      ...rows.filter((row) => text.includes(row)).map((row) => `${file}: ${row.slice(0, 80)}`),
    ];
  });
  expect(copies).toEqual([]);
});
