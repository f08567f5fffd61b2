import { rewriteLineStarts, skipBalanced } from './scan';

/**
 * cdktf's HCL renderer writes `depends_on = ["aws_s3_bucket.Data"]`, quoted references that
 * Terraform deprecates ("Quoted references are deprecated", one warning per list at validate).
 * Each element that is a plain reference (`type.name`, `data.type.name`, `module.name`) is
 * written unquoted; anything else is left as it is, for Terraform to judge.
 */
const DEPENDS_ON = /[ \t]*depends_on[ \t]*=[ \t]*\[/y;
const REFERENCE = /^"((?:data\.)?[A-Za-z_][\w-]*\.[A-Za-z_][\w-]*|module\.[A-Za-z_][\w-]*)"$/;

export function unquoteDependsOn(hcl: string): string {
  return rewriteLineStarts(hcl, (text, i) => {
    DEPENDS_ON.lastIndex = i;
    if (!DEPENDS_ON.exec(text)) return undefined;
    const open = DEPENDS_ON.lastIndex - 1;
    const end = skipBalanced(text, open, '[', ']');
    const list = text
      .slice(open + 1, end - 1)
      .split(/(,)/)
      .map((part) => part.replace(/^(\s*)(\S.*?)(\s*)$/s, (_m, before: string, element: string, after: string) => `${before}${REFERENCE.exec(element)?.[1] ?? element}${after}`))
      .join('');
    return { text: `${text.slice(i, open + 1)}${list}]`, end };
  });
}
