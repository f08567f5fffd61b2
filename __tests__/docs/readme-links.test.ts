import { existsSync, readFileSync } from 'fs';
import { dirname, join, relative } from 'path';
import { ROOT, docFiles } from '../helpers/doc-commands';

// The README and docs/ point readers at files (the API reference, examples, the changelog) and at
// sections: each file linked must exist, and each section linked must be a heading of its file.

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces as '-'. */
function anchorOf(heading: string): string {
  return heading
    .replace(/`/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(file: string): Set<string> {
  const markdown = readFileSync(join(ROOT, file), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  const headings = [...markdown.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => anchorOf(m[1]));
  const explicit = [...markdown.matchAll(/<a (?:id|name)="([^"]+)"/g)].map((m) => m[1]);
  return new Set([...headings, ...explicit]);
}

/** Every Markdown link `[text](target)` of a file that is not a URL, with the file it is in. */
function linksOf(file: string): { file: string; path: string; anchor?: string }[] {
  const markdown = readFileSync(join(ROOT, file), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  return [...markdown.matchAll(/\]\(([^)\s]*)\)/g)]
    .map((m) => m[1])
    .filter((target) => !/^[a-z]+:/.test(target))
    .map((target) => {
      const [path, anchor] = target.split('#');
      return { file, path: path === '' ? file : relative(ROOT, join(dirname(join(ROOT, file)), decodeURI(path))), anchor };
    });
}

const links = docFiles().flatMap(linksOf);

it('reads the links of the README and of every file under docs/', () => {
  expect(links.filter((l) => l.file === 'README.md').length).toBeGreaterThan(0);
  expect(links.filter((l) => l.file.startsWith('docs/')).length).toBeGreaterThan(0);
});

it('links only to files that exist in the repository', () => {
  expect(links.filter((l) => !existsSync(join(ROOT, l.path))).map((l) => `${l.file} -> ${l.path}`)).toEqual([]);
});

it("links only to sections that are headings of the file linked (GitHub's anchors)", () => {
  const cache = new Map<string, Set<string>>();
  const missing = links
    .filter((l) => l.anchor !== undefined && l.path.endsWith('.md') && existsSync(join(ROOT, l.path)))
    .filter((l) => {
      if (!cache.has(l.path)) cache.set(l.path, anchorsOf(l.path));
      return !cache.get(l.path)!.has(l.anchor!);
    });
  expect(missing.map((l) => `${l.file} -> ${l.path}#${l.anchor}`)).toEqual([]);
});
