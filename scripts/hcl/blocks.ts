import { HclScanError, skipBalanced, skipNonCode } from './scan';

/**
 * Reads the blocks and attributes of an HCL body as text ranges, for the export's rewrites: what a
 * block holds at its own level, never inside nested blocks, strings, heredocs or comments.
 */

export interface HclBlock {
  /** The block type and labels: `provider "aws" {` is `['provider', 'aws']`. */
  readonly header: readonly string[];
  /** Where the block's first line starts. */
  readonly start: number;
  /** Just after its `{`. */
  readonly bodyStart: number;
  /** At its `}`. */
  readonly bodyEnd: number;
  /** Just after its `}`. */
  readonly end: number;
}

export interface HclAttribute {
  readonly name: string;
  /** Where its line starts. */
  readonly start: number;
  /** The expression's text, as written. */
  readonly value: string;
  /** Just after the expression. */
  readonly end: number;
}

const BLOCK_HEADER = /[ \t]*([A-Za-z_][\w-]*)((?:[ \t]+"[^"\n]*")*)[ \t]*\{/y;
const ATTRIBUTE = /[ \t]*([A-Za-z_][\w-]*)[ \t]*=[ \t]*/y;

/** The blocks and attributes directly in `hcl[from, to)` (a file, or a block's body). */
export function entriesOf(hcl: string, from = 0, to = hcl.length): { blocks: HclBlock[]; attributes: HclAttribute[] } {
  const blocks: HclBlock[] = [];
  const attributes: HclAttribute[] = [];
  let i = from;
  while (i < to) {
    BLOCK_HEADER.lastIndex = i;
    const block = BLOCK_HEADER.exec(hcl);
    if (block && BLOCK_HEADER.lastIndex <= to) {
      const open = BLOCK_HEADER.lastIndex - 1;
      const end = skipBalanced(hcl, open, '{', '}');
      const labels = [...block[2].matchAll(/"([^"]*)"/g)].map((m) => m[1]);
      blocks.push({ header: [block[1], ...labels], start: i, bodyStart: open + 1, bodyEnd: end - 1, end });
      i = end;
      continue;
    }
    ATTRIBUTE.lastIndex = i;
    const attribute = ATTRIBUTE.exec(hcl);
    if (attribute && hcl[ATTRIBUTE.lastIndex] !== '=') {
      const valueStart = ATTRIBUTE.lastIndex;
      const end = expressionEnd(hcl, valueStart);
      attributes.push({ name: attribute[1], start: i, value: hcl.slice(valueStart, end).trim(), end });
      i = end;
      continue;
    }
    // Anything else (blank lines, comments, a closing brace of the caller) up to the next line.
    const skipped = skipNonCode(hcl, i);
    if (skipped > i) i = skipped;
    else i += 1;
  }
  return { blocks, attributes };
}

/** The end of the expression starting at `i`: up to the end of its line, brackets and strings spanning lines included. */
function expressionEnd(hcl: string, i: number): number {
  let j = i;
  while (j < hcl.length && hcl[j] !== '\n') {
    const skipped = skipNonCode(hcl, j);
    if (skipped > j) {
      // A comment ends the expression; a string or heredoc is part of it.
      if (hcl[j] === '#' || hcl.startsWith('//', j) || hcl.startsWith('/*', j)) return j;
      j = skipped;
      continue;
    }
    const close = { '[': ']', '{': '}', '(': ')' }[hcl[j]];
    j = close ? skipBalanced(hcl, j, hcl[j], close) : j + 1;
  }
  return j;
}

/** The one block directly in `hcl[from, to)` whose header starts with `header`; undefined if none, an error if several. */
export function blockOf(hcl: string, header: readonly string[], from = 0, to = hcl.length): HclBlock | undefined {
  const found = entriesOf(hcl, from, to).blocks.filter((b) => header.every((part, k) => b.header[k] === part));
  if (found.length > 1) throw new HclScanError(`expected one ${header.join(' ')} block, found ${found.length}`);
  return found[0];
}

/** The value of an HCL string literal without interpolations (`"us-east-1"`), else undefined. */
export function stringLiteral(expression: string): string | undefined {
  const match = /^"((?:[^"\\$%]|\\.)*)"$/.exec(expression.trim());
  return match ? (JSON.parse(`"${match[1]}"`) as string) : undefined;
}

/** Replaces text ranges of `hcl`, given in any order and not overlapping. */
export function replaceRanges(hcl: string, edits: readonly { start: number; end: number; text: string }[]): string {
  let out = hcl;
  for (const edit of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}
