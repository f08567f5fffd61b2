import { existsSync, readFileSync } from 'fs';
import { isIP } from 'net';
import { dirname, isAbsolute, join, relative } from 'path';
import { ROOT, docFiles } from '../helpers/doc-commands';

// The README and docs/ point readers at files (the API reference, examples, the changelog), at
// sections, and at public sites. Whoever clones the repository must be able to follow every one:
// each file linked must exist inside the repository, each section linked must be a heading of its
// file, and a link that leaves the repository goes to a public https site, never to a path beside
// the clone (the post-mortem was once linked at ../shared/, dead for everyone else), a local
// address or an unencrypted one. CHANGELOG.md ships in the package beside the README, so it is read too.

const FILES = [...docFiles(), 'CHANGELOG.md'];

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces as '-'. */
function anchorOf(heading: string): string {
  return heading
    .replace(/`/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');
}

/** The Markdown of a file without its fenced blocks, whose contents are code, not links. */
function prose(markdown: string): string {
  return markdown.replace(/^\s*(`{3,}|~{3,})[\s\S]*?^\s*\1/gm, '');
}

function anchorsOf(file: string): Set<string> {
  const markdown = prose(readFileSync(join(ROOT, file), 'utf8'));
  const headings = [...markdown.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => anchorOf(m[1]));
  const explicit = [...markdown.matchAll(/<a (?:id|name)="([^"]+)"/g)].map((m) => m[1]);
  return new Set([...headings, ...explicit]);
}

/**
 * Every link target of a Markdown text: inline links and images `[text](target)`, reference
 * definitions `[ref]: target`, autolinks `<https://...>` and HTML `href`/`src`.
 */
function linkTargetsOf(markdown: string): string[] {
  const text = prose(markdown);
  return [
    ...[...text.matchAll(/\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]),
    ...[...text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]),
    ...[...text.matchAll(/<([a-z][a-z0-9+.-]*:[^>\s]+)>/gi)].map((m) => m[1]),
    ...[...text.matchAll(/\b(?:href|src)="([^"]+)"/g)].map((m) => m[1]),
  ];
}

/** Why a link that leaves the repository (it has a scheme) is not to a public site, or undefined when it is. */
function notPublic(target: string): string | undefined {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'https:') return `${url.protocol} is not https`;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(host)) return 'an IP address, not a public name';
  if (!host.includes('.') || /\.(local|localhost|internal|lan|home|corp|test|example|invalid)$/.test(host) || host === 'example.com') {
    return 'not a public host name';
  }
  if (url.username || url.password) return 'carries credentials';
  return undefined;
}

/** Every link of a file that is not a URL, resolved against the file, with the file it is in. */
function pathLinksOf(file: string): { file: string; target: string; path: string; anchor?: string }[] {
  return linkTargetsOf(readFileSync(join(ROOT, file), 'utf8'))
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
    .map((target) => {
      const [path, anchor] = target.split('#');
      return { file, target, path: path === '' ? file : relative(ROOT, join(dirname(join(ROOT, file)), decodeURI(path))), anchor };
    });
}

/** A resolved path that stays inside the repository. */
const insideRepository = (path: string) => path !== '..' && !path.startsWith(`..${'/'}`) && !isAbsolute(path);

const links = FILES.flatMap(pathLinksOf);
const urls = FILES.flatMap((file) =>
  linkTargetsOf(readFileSync(join(ROOT, file), 'utf8'))
    .filter((target) => /^[a-z][a-z0-9+.-]*:/i.test(target))
    .map((target) => ({ file, target })),
);

it('reads the links of the README, of every file under docs/, and of the changelog', () => {
  expect(links.filter((l) => l.file === 'README.md').length).toBeGreaterThan(0);
  expect(links.filter((l) => l.file.startsWith('docs/')).length).toBeGreaterThan(0);
  expect(urls.length).toBeGreaterThan(0);
});

it('links only to files that exist in the repository', () => {
  expect(links.filter((l) => !insideRepository(l.path)).map((l) => `${l.file} -> ${l.target} (outside the repository)`)).toEqual([]);
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

it('links out of the repository only to public https sites', () => {
  expect(urls.map(({ file, target }) => ({ file, target, why: notPublic(target) })).filter((l) => l.why)).toEqual([]);
});

it('names, in code, only Markdown files that exist in the repository (a path in backticks is followed like a link)', () => {
  const named = FILES.flatMap((file) =>
    [...prose(readFileSync(join(ROOT, file), 'utf8')).matchAll(/`([^`\s<>*…]+\.md)`/g)].map((m) => ({ file, path: m[1] })),
  );
  expect(named.length).toBeGreaterThan(0);
  const resolves = ({ file, path }: { file: string; path: string }) =>
    [relative(ROOT, join(dirname(join(ROOT, file)), path)), relative(ROOT, join(ROOT, path))].some((p) => insideRepository(p) && existsSync(join(ROOT, p)));
  expect(named.filter((n) => !resolves(n)).map((n) => `${n.file}: \`${n.path}\``)).toEqual([]);
});

describe('the rules themselves', () => {
  it('find every kind of link, outside code blocks only', () => {
    const markdown = [
      'See [the post-mortem](../shared/seed-model-failures.md) and ![logo](img/logo.png "Logo").',
      '[ref]: https://example.org/page',
      'Visit <https://docs.getmoto.org> or <a href="http://localhost:3000">the API</a>.',
      '```sh',
      'curl [x](not-a-link.md)',
      '```',
    ].join('\n');
    expect(linkTargetsOf(markdown)).toEqual(['../shared/seed-model-failures.md', 'img/logo.png', 'https://example.org/page', 'https://docs.getmoto.org', 'http://localhost:3000']);
  });

  it('accept public https sites and refuse everything else that leaves the repository', () => {
    expect(notPublic('https://github.com/curl/curl/issues/9717')).toBeUndefined();
    expect(notPublic('https://developer.hashicorp.com/terraform/language/backend#partial-configuration')).toBeUndefined();
    for (const target of ['http://ajv.js.org', 'file:///work/shared/seed-model-failures.md', 'https://127.0.0.1:3000/jobs', 'https://[::1]/', 'https://localhost/x', 'https://intranet/wiki', 'https://wiki.corp/page', 'mailto:team@example.org', 'https://user:secret@github.com/x']) {
      expect({ target, refused: notPublic(target) !== undefined }).toEqual({ target, refused: true });
    }
    expect(insideRepository(relative(ROOT, join(ROOT, '..', 'shared', 'seed-model-failures.md')))).toBe(false);
    expect(insideRepository(relative(ROOT, join(ROOT, 'docs', '..', 'README.md')))).toBe(true);
  });
});
