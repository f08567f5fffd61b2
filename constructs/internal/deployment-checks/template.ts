/**
 * Terraform string templates as they appear in JSON configuration
 * (`"tapstack-${var.env}-data"`): split into literal text and interpolations,
 * partly evaluated (what synth can know: `count.index`, `each.key`, literal
 * locals, the account and region of a pinned provider), and written back as
 * HCL for preconditions. Pure.
 */
import { hclStringLiteral } from '../name-rule-tables';

export type Segment = { readonly text: string } | { readonly expression: string };

/**
 * The segments of a template; undefined when it holds a `%{` directive (not
 * read here: such a value is left to the plan as a whole).
 */
export function parseTemplate(template: string): Segment[] | undefined {
  const segments: Segment[] = [];
  let text = '';
  let i = 0;
  while (i < template.length) {
    if (template.startsWith('$${', i) || template.startsWith('%%{', i)) {
      text += template.slice(i + 1, i + 3);
      i += 3;
      continue;
    }
    if (template.startsWith('%{', i)) return undefined;
    if (template.startsWith('${', i)) {
      const end = closingBrace(template, i + 2);
      if (end < 0) return undefined;
      if (text) segments.push({ text });
      text = '';
      segments.push({ expression: template.slice(i + 2, end).trim() });
      i = end + 1;
      continue;
    }
    text += template[i];
    i += 1;
  }
  if (text || segments.length === 0) segments.push({ text });
  return segments;
}

/** The index of the `}` closing an interpolation opened before `start`, skipping nested braces and quoted strings. */
function closingBrace(template: string, start: number): number {
  let depth = 0;
  for (let i = start; i < template.length; i += 1) {
    const c = template[i];
    if (c === '"') {
      i = closingQuote(template, i + 1);
      if (i < 0) return -1;
    } else if (c === '{') depth += 1;
    else if (c === '}') {
      if (depth === 0) return i;
      depth -= 1;
    }
  }
  return -1;
}

function closingQuote(template: string, start: number): number {
  for (let i = start; i < template.length; i += 1) {
    if (template[i] === '\\') i += 1;
    else if (template[i] === '"') return i;
    else if (template.startsWith('${', i)) {
      const end = closingBrace(template, i + 2);
      if (end < 0) return -1;
      i = end;
    }
  }
  return -1;
}

/**
 * The segments of a JSON string value: its template, or, when it holds a `%{ }` directive (not read
 * here), one expression that is the whole value as a quoted HCL template, so a precondition written
 * from it still parses (`("%{if c}a%{endif}-b")`, never `(%{if c}…)`).
 */
export function segmentsOf(raw: string): Segment[] {
  return parseTemplate(raw) ?? [{ expression: quotedTemplate(raw) }];
}

/** `raw`, a template as JSON holds it, as an HCL quoted template: literal text escaped, `${ }` and `%{ }` sequences kept whole. */
export function quotedTemplate(raw: string): string {
  let out = '';
  let i = 0;
  while (i < raw.length) {
    if (raw.startsWith('$${', i) || raw.startsWith('%%{', i)) {
      out += raw.slice(i, i + 3);
      i += 3;
      continue;
    }
    if (raw.startsWith('${', i) || raw.startsWith('%{', i)) {
      const end = closingBrace(raw, i + 2);
      if (end >= 0) {
        out += raw.slice(i, end + 1);
        i = end + 1;
        continue;
      }
    }
    // Literal text, an unclosed sequence included: escaped as JSON escapes it, with `${`/`%{` doubled.
    out += hclStringLiteral(raw[i] === '$' || raw[i] === '%' ? raw.slice(i, i + 2) : raw[i]).slice(1, -1);
    i += raw[i] === '$' || raw[i] === '%' ? Math.min(2, raw.length - i) : 1;
  }
  return `"${out}"`;
}

export function isLiteral(segments: readonly Segment[]): boolean {
  return segments.every((s) => 'text' in s);
}

export function textOf(segments: readonly Segment[]): string {
  return segments.map((s) => ('text' in s ? s.text : `\${${s.expression}}`)).join('');
}

/** The template with each interpolation replaced by `placeholder` (to judge its literal parts). */
export function withInterpolationsAs(segments: readonly Segment[], placeholder: string): string {
  return segments.map((s) => ('text' in s ? s.text : placeholder)).join('');
}

export function expressionsOf(segments: readonly Segment[]): string[] {
  return segments.flatMap((s) => ('expression' in s ? [s.expression] : []));
}

/**
 * Replaces each interpolation `resolve` knows (returns a value for) by its
 * value, itself a template when it is a string (so a local holding a template
 * is expanded), up to a small depth.
 */
export function substitute(segments: readonly Segment[], resolve: (expression: string) => string | number | undefined, depth = 4): Segment[] {
  const out: Segment[] = [];
  for (const segment of segments) {
    if ('text' in segment) {
      out.push(segment);
      continue;
    }
    const value = resolve(segment.expression);
    if (value === undefined) {
      out.push(segment);
      continue;
    }
    if (typeof value === 'number') {
      out.push({ text: String(value) });
      continue;
    }
    const inner = parseTemplate(value);
    if (!inner) {
      out.push(segment);
      continue;
    }
    out.push(...(depth > 0 ? substitute(inner, resolve, depth - 1) : inner));
  }
  return merged(out);
}

function merged(segments: readonly Segment[]): Segment[] {
  const out: Segment[] = [];
  for (const segment of segments) {
    const last = out[out.length - 1];
    if ('text' in segment && last && 'text' in last) out[out.length - 1] = { text: last.text + segment.text };
    else if (!('text' in segment && segment.text === '' && segments.length > 1)) out.push(segment);
  }
  return out.length > 0 ? out : [{ text: '' }];
}

/**
 * The template as one HCL expression: the sole interpolation itself
 * (`(var.name)`), or a quoted template (`"data-${var.env}"`).
 */
export function hclExpressionOf(segments: readonly Segment[]): string {
  if (segments.length === 1 && 'expression' in segments[0]) return `(${segments[0].expression})`;
  return segments
    .map((s) => ('text' in s ? hclStringLiteral(s.text).slice(1, -1) : `\${${s.expression}}`))
    .join('')
    .replace(/^/, '"')
    .replace(/$/, '"');
}
