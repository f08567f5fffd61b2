/**
 * Repairs the one known defect of cdktf's HCL renderer (`cdktf synth --hcl`, cdktf 0.21 and
 * CDK Terrain 0.24 alike): it writes `lifecycle { precondition = [{ … }, { … }] }`, an attribute
 * holding a list of objects, where Terraform only accepts one `precondition { … }` block per check.
 * Terraform rejects the file ("An argument named "precondition" is not expected here").
 *
 * The repair is textual but HCL-aware: strings (with `${…}` interpolations that hold strings of
 * their own), heredocs and comments are skipped, so text that merely mentions `precondition = [`
 * is never touched. Each object of the list becomes a block with the same body, in order.
 */

import { HclScanError, rewriteLineStarts, skipBalanced } from './scan';

export { HclScanError };

/** The lifecycle arguments Terraform wants as repeated blocks. */
const BLOCK_ARGUMENTS = ['precondition', 'postcondition'] as const;
const BLOCK_ATTRIBUTE = new RegExp(`([ \\t]*)(${BLOCK_ARGUMENTS.join('|')})[ \\t]*=[ \\t]*\\[`, 'y');

export function repairLifecycleBlocks(hcl: string): string {
  return rewriteLineStarts(hcl, (text, i) => {
    LIFECYCLE_BLOCK.lastIndex = i;
    if (!LIFECYCLE_BLOCK.exec(text)) return undefined;
    const open = LIFECYCLE_BLOCK.lastIndex - 1;
    const end = skipBalanced(text, open, '{', '}');
    return { text: text.slice(i, open + 1) + rewriteLineStarts(text.slice(open + 1, end - 1), repairListAt) + '}', end };
  });
}

const LIFECYCLE_BLOCK = /[ \t]*lifecycle[ \t]*\{/y;

/** Inside a lifecycle block: `precondition = [{…}, {…}]` at `i` becomes one block per object. */
function repairListAt(text: string, i: number): { text: string; end: number } | undefined {
  BLOCK_ATTRIBUTE.lastIndex = i;
  const match = BLOCK_ATTRIBUTE.exec(text);
  if (!match) return undefined;
  const [indent, name] = [match[1], match[2]];
  const { bodies, end } = readObjectList(text, BLOCK_ATTRIBUTE.lastIndex);
  return { text: bodies.map((body) => `${indent}${name} {${body}}`).join('\n'), end };
}

/** Reads `{ … }, { … } ]` from `start` (just after `[`): the bodies of the objects and the index after `]`. */
function readObjectList(hcl: string, start: number): { bodies: string[]; end: number } {
  const bodies: string[] = [];
  let i = start;
  for (;;) {
    while (i < hcl.length && /[\s,]/.test(hcl[i])) i += 1;
    if (hcl[i] === ']') return { bodies, end: i + 1 };
    if (hcl[i] !== '{') throw new HclScanError(`expected an object or ']' at offset ${i}, found ${JSON.stringify(hcl.slice(i, i + 20))}`);
    const close = skipBalanced(hcl, i, '{', '}');
    bodies.push(hcl.slice(i + 1, close - 1));
    i = close;
  }
}

