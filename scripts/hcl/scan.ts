/**
 * An HCL-aware scan for the export's textual repairs (`scripts/hcl/`): strings (with `${…}`
 * interpolations that hold strings of their own), heredocs and comments are skipped, so text
 * that merely mentions a construct is never touched.
 */

export class HclScanError extends Error {}

/**
 * Copies `hcl`, giving `rewrite` each line start that is code (not inside a string, heredoc
 * or comment); where it answers, its text replaces `hcl` up to its `end`.
 */
export function rewriteLineStarts(hcl: string, rewrite: (text: string, i: number) => { text: string; end: number } | undefined): string {
  let out = '';
  let i = 0;
  while (i < hcl.length) {
    if (i === 0 || hcl[i - 1] === '\n') {
      const replaced = rewrite(hcl, i);
      if (replaced) {
        out += replaced.text;
        i = replaced.end;
        continue;
      }
    }
    const skipped = skipNonCode(hcl, i);
    if (skipped > i) {
      out += hcl.slice(i, skipped);
      i = skipped;
    } else {
      out += hcl[i];
      i += 1;
    }
  }
  return out;
}

/** If `i` starts a string, heredoc or comment, the index just after it; else `i`. */
export function skipNonCode(hcl: string, i: number): number {
  const ch = hcl[i];
  if (ch === '"') return skipString(hcl, i);
  if (ch === '#' || hcl.startsWith('//', i)) {
    const newline = hcl.indexOf('\n', i);
    return newline === -1 ? hcl.length : newline;
  }
  if (hcl.startsWith('/*', i)) {
    const close = hcl.indexOf('*/', i + 2);
    if (close === -1) throw new HclScanError(`unterminated comment at offset ${i}`);
    return close + 2;
  }
  if (hcl.startsWith('<<', i)) {
    const heredoc = /<<-?([A-Za-z_][A-Za-z0-9_]*)\r?\n/y;
    heredoc.lastIndex = i;
    const match = heredoc.exec(hcl);
    if (match) {
      const closing = new RegExp(`^[ \\t]*${match[1]}[ \\t]*$`, 'm');
      const rest = hcl.slice(heredoc.lastIndex);
      const found = closing.exec(rest);
      if (!found) throw new HclScanError(`unterminated heredoc ${match[1]} at offset ${i}`);
      return heredoc.lastIndex + found.index + found[0].length;
    }
  }
  return i;
}

/** From an opening bracket at `i`, the index just after its match, skipping strings, heredocs and comments. */
export function skipBalanced(hcl: string, i: number, open: string, close: string): number {
  let depth = 0;
  let j = i;
  while (j < hcl.length) {
    const skipped = skipNonCode(hcl, j);
    if (skipped > j) {
      j = skipped;
      continue;
    }
    if (hcl[j] === open) depth += 1;
    else if (hcl[j] === close) {
      depth -= 1;
      if (depth === 0) return j + 1;
    }
    j += 1;
  }
  throw new HclScanError(`unbalanced '${open}' at offset ${i}`);
}

/** From the opening quote at `i`, the index just after the closing one; `${…}` and `%{…}` may hold strings. */
function skipString(hcl: string, i: number): number {
  let j = i + 1;
  while (j < hcl.length) {
    const ch = hcl[j];
    if (ch === '\\') {
      j += 2;
    } else if (ch === '"') {
      return j + 1;
    } else if ((ch === '$' || ch === '%') && hcl[j + 1] === ch && hcl[j + 2] === '{') {
      j += 3; // `$${` and `%%{` are literal text
    } else if ((ch === '$' || ch === '%') && hcl[j + 1] === '{') {
      j = skipBalanced(hcl, j + 1, '{', '}');
    } else {
      j += 1;
    }
  }
  throw new HclScanError(`unterminated string at offset ${i}`);
}
