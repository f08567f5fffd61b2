import { existsSync, readFileSync, readdirSync } from 'fs';
import { join } from 'path';

/**
 * Every command the README and docs/ show, and where each runs: the README's test runs it in a
 * scratch clone (__tests__/integration/readme-commands.test.ts), another test runs exactly that
 * command line (RUN_ELSEWHERE, checked by __tests__/docs/doc-commands.test.ts), or the docs mark
 * it as needing what no test has (MARKERS).
 *
 * A command is a line of a fenced `sh`/`bash`/`shell`/`console` block (a `\` continues it on the
 * next line), or a `$ ` line of a fenced block without a language (a transcript), split at `&&`.
 * A `# ...` comment after a command's text is its note. A comment line right after a command
 * that starts with `{`, `[` or a 3-digit status is the answer the command prints (`…` stands for
 * any text; a word ending in `…`, such as `85c127ff-…`, for one value, the same wherever it appears).
 */

export const ROOT = join(__dirname, '..', '..');

/**
 * The visible markers of a command no test can run: a comment on the command's line, or the first
 * line of its block (for the whole block). Each says what the command needs.
 */
export const MARKERS = {
  aws: 'needs an AWS account',
  registry: 'needs the npm registry',
} as const;

export interface DocCommand {
  /** The file, relative to the repository (`README.md`, `docs/...`). */
  readonly file: string;
  /** 1-based line of the command's first line. */
  readonly line: number;
  /** The heading of the section it is in. */
  readonly heading: string;
  /** The whole command line, as written (continuations joined, its comment left out). */
  readonly commandLine: string;
  /** This command: the command line, or one of its `&&` parts. */
  readonly command: string;
  /** The marker that applies (its line's comment or the block's first line), if any. */
  readonly marker?: keyof typeof MARKERS;
  /** The answer the docs show for the command line, one entry per line. */
  readonly answer: readonly string[];
}

/**
 * Commands that other tests run as written, or `.ci/run`: expensive ones (a deploy), and `npm test`,
 * which cannot run inside itself. `as` is what the runner's file holds when it differs from the
 * command (`.ci/run`'s `on_node 22 cmd` is `scripts/with-node.sh 22 cmd` on a machine whose Node is not 22).
 */
export const RUN_ELSEWHERE: readonly { readonly command: string; readonly by: string; readonly as?: string; readonly why: string }[] = [
  { command: 'npm ci', by: '.ci/run', why: 'installs from the lockfile, on a clean checkout' },
  { command: 'npm test', by: '.ci/run', why: 'the whole suite; it cannot run inside itself' },
  { command: 'scripts/with-node.sh 22 npm ci', by: '.ci/run', as: 'on_node 22 npm ci', why: 'on_node is scripts/with-node.sh 22 where the Node is not 22' },
  { command: 'scripts/with-node.sh 22 npm test', by: '.ci/run', as: 'on_node 22 npm test', why: 'on_node is scripts/with-node.sh 22 where the Node is not 22' },
  { command: 'npm run deploy:local', by: '__tests__/deploy/deploy-cycle.test.ts', why: 'a deploy to the emulator, about 100 s; the cycle reads what it deployed' },
  { command: 'npm run build', by: '__tests__/integration/package.test.ts', why: 'the package test builds and packs in a scratch clone' },
  { command: 'npm pack', by: '__tests__/integration/package.test.ts', why: 'the package test builds and packs in a scratch clone' },
  { command: 'npm run export:hcl', by: '__tests__/integration/export-hcl.test.ts', why: 'the export test runs its steps in a scratch clone' },
  { command: 'cd cdktf.out.hcl/stacks/tapstack-dev', by: '__tests__/integration/export-hcl.test.ts', why: 'one of the export steps' },
  { command: 'terraform init -backend=false', by: '__tests__/integration/export-hcl.test.ts', why: 'one of the export steps' },
  { command: 'terraform validate', by: '__tests__/integration/export-hcl.test.ts', why: 'one of the export steps' },
  { command: 'TAPSTACK_BACKEND=local npm run export:hcl -- --out hcl-local', by: '__tests__/integration/export-hcl.test.ts', why: 'one of the export steps' },
  { command: 'cd hcl-local/stacks/tapstack-dev', by: '__tests__/integration/export-hcl.test.ts', why: 'one of the export steps' },
  { command: 'terraform init -backend-config=backend.hcl', by: '__tests__/integration/export-hcl.test.ts', why: 'one of the export steps' },
  {
    command: 'npx guard-check __tests__/fixtures/guard-check/seed-1-bucket-name/plan.json',
    by: '__tests__/integration/guard-check.test.ts',
    why: 'exits 1 (a violation), where the README test expects 0',
  },
  {
    command: 'npx guard-check __tests__/fixtures/guard-check/seed-3-log-delivery/plan.json --json',
    by: '__tests__/integration/guard-check.test.ts',
    why: 'exits 1 (a violation), where the README test expects 0',
  },
];

/** README.md and every Markdown file under docs/. */
export function docFiles(): string[] {
  const files = ['README.md'];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) files.push(path);
    }
  };
  if (existsSync(join(ROOT, 'docs'))) walk('docs');
  return files;
}

const SHELL_LANGUAGES = new Set(['sh', 'bash', 'shell', 'console', 'zsh']);
const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/;
const ANSWER = /^(\{|\[|\d{3}\b)/;

/** Splits `text` at `separator` where it is outside quotes. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\' && quote === '"') i += 1;
      else if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (text.startsWith(separator, i)) {
      parts.push(text.slice(start, i));
      start = i + separator.length;
      i += separator.length - 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** A line's command text and its trailing `# comment` (a `#` after a space, outside quotes). */
function withoutComment(line: string): { text: string; comment: string } {
  const [text, ...rest] = splitOutsideQuotes(line, ' #');
  return { text: text.trim(), comment: rest.join(' #').trim() };
}

function markerIn(comment: string): keyof typeof MARKERS | undefined {
  return (Object.keys(MARKERS) as (keyof typeof MARKERS)[]).find((key) => comment.includes(MARKERS[key]));
}

/** The commands of one Markdown file, in order. */
export function commandsOf(file: string, markdown = readFileSync(join(ROOT, file), 'utf8')): DocCommand[] {
  const lines = markdown.split('\n');
  const commands: DocCommand[] = [];
  let heading = '';
  for (let i = 0; i < lines.length; i += 1) {
    const fence = FENCE.exec(lines[i]);
    if (!fence) {
      const title = /^#{1,6}\s+(.+)$/.exec(lines[i]);
      if (title) heading = title[1].trim();
      continue;
    }
    const [, indent, marks, language] = fence;
    const body: { text: string; line: number }[] = [];
    for (i += 1; i < lines.length && !lines[i].trimStart().startsWith(marks); i += 1) {
      body.push({ text: lines[i].startsWith(indent) ? lines[i].slice(indent.length) : lines[i].trimStart(), line: i + 1 });
    }
    const shell = SHELL_LANGUAGES.has(language);
    if (!shell && language !== '') continue;
    const blockMarker = shell && body[0]?.text.startsWith('#') ? markerIn(body[0].text) : undefined;
    for (let k = 0; k < body.length; k += 1) {
      const { line } = body[k];
      let text = body[k].text;
      if (!shell) {
        if (!text.startsWith('$ ')) continue;
        text = text.slice(2);
      } else if (text.trim() === '' || text.trimStart().startsWith('#')) {
        continue;
      }
      while (text.endsWith('\\') && k + 1 < body.length) {
        k += 1;
        text = `${text.slice(0, -1).trimEnd()} ${body[k].text.trim()}`;
      }
      const { text: commandLine, comment } = withoutComment(text);
      const answer: string[] = [];
      while (shell && k + 1 < body.length && ANSWER.test(body[k + 1].text.replace(/^#\s?/, '')) && body[k + 1].text.startsWith('#')) {
        k += 1;
        answer.push(body[k].text.replace(/^#\s?/, ''));
      }
      const marker = markerIn(comment) ?? blockMarker;
      for (const part of splitOutsideQuotes(commandLine, '&&')) {
        commands.push({ file, line, heading, commandLine, command: part.trim(), marker, answer });
      }
    }
  }
  return commands;
}

/** Every command of the README and docs/. */
export function docCommands(): DocCommand[] {
  return docFiles().flatMap((file) => commandsOf(file));
}

/** Where another test runs `command`, if one does. */
export function runElsewhere(command: string): (typeof RUN_ELSEWHERE)[number] | undefined {
  return RUN_ELSEWHERE.find((entry) => entry.command === command);
}

/** The commands the README's test runs itself: neither marked nor run elsewhere. */
export function commandsToRun(): DocCommand[] {
  return docCommands().filter((c) => c.marker === undefined && runElsewhere(c.command) === undefined);
}
