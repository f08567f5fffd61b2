import type * as Acorn from 'acorn';
import { TableKeySchema, confusableForm, distinctKeyAttributes } from '../key-schema';

/**
 * The key-name scan: names in code that a reader (or DynamoDB) would take for
 * a key attribute of a schema, compared case- and separator-insensitively
 * (`confusableForm`, the form ConsistentTable refuses duplicates in). `PK`, `Pk`,
 * `p_k` or `GSI1PK` next to a schema with `pk`/`gsi1pk` are found wherever spelled.
 *
 * It runs at synth on every bundle a ConsistentTable grants access to (see
 * bundle-key-names.ts), and this repository's tests run it over the Lambda
 * sources too. It reads a syntax tree (ESTree): acorn's for JavaScript, the
 * default; a caller with TypeScript sources passes a TypeScript ESTree parser.
 */

/** A name as the code spells it, and where. */
export interface SpelledName {
  readonly text: string;
  readonly line: number;
}

/** A spelled name with the offset in the code of the node (string, template or property) it stands in. */
export interface LocatedName extends SpelledName {
  readonly offset: number;
}

/** The part of an ESTree node the scan reads. */
export interface SyntaxNode {
  readonly type: string;
  readonly [field: string]: unknown;
}

export interface ScanOptions {
  /**
   * Count every identifier, not only property names. Minified bundles are read
   * without: their variable names are the minifier's, while strings and property
   * names are the author's.
   */
  readonly identifiers: boolean;
  /**
   * Skip the names the parse proves never reach DynamoDB (see
   * {@link provedUnrelated}): a log line, an error message, an environment
   * variable's name, the literal input of another AWS service's command. Every
   * other name counts, since a name built anywhere may end up in a request.
   * @default false: every name counts
   */
  readonly skipProvedUnrelated?: boolean;
  /**
   * Parses `code` into an ESTree program with `loc` (line numbers).
   * @default acorn, as JavaScript (a script, else a module)
   */
  readonly parse?: (code: string) => SyntaxNode;
}

/** Where a string's words are cut: `'#pk = :pk'` holds `pk` twice. */
const STRING_WORDS = /[A-Za-z0-9_-]+/g;
/** Runs of characters an identifier may hold: every identifier of the code is one of these. */
const IDENTIFIER_WORDS = /[\p{ID_Continue}$\u200C\u200D]+/gu;

/** Nodes whose non-computed `key` is a property name. */
const KEYED_NODES = new Set([
  'Property',
  'PropertyDefinition',
  'MethodDefinition',
  'AccessorProperty',
  'TSPropertySignature',
  'TSMethodSignature',
  'TSAbstractPropertyDefinition',
  'TSAbstractMethodDefinition',
  'TSAbstractAccessorProperty',
]);

/** Links back up the tree, positions, and the token and comment lists some parsers attach to the program. */
const SKIPPED_FIELDS = new Set(['parent', 'loc', 'range', 'tokens', 'comments']);

let acorn: typeof Acorn | undefined;

function parseScriptOrModule(code: string): SyntaxNode {
  // Loaded on first use: at synth most bundles are answered by the text check, without a parse.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  acorn ??= require('acorn') as typeof Acorn;
  const options = { ecmaVersion: 'latest', locations: true, allowHashBang: true } as const;
  try {
    return acorn.parse(code, { ...options, sourceType: 'script', allowReturnOutsideFunction: true }) as unknown as SyntaxNode;
  } catch {
    return acorn.parse(code, { ...options, sourceType: 'module' }) as unknown as SyntaxNode;
  }
}

function isNode(value: unknown): value is SyntaxNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

function lineOf(node: SyntaxNode): number {
  return (node.loc as { start?: { line?: number } } | undefined)?.start?.line ?? 0;
}

function offsetOf(node: SyntaxNode): number {
  return (node.start as number | undefined) ?? (node.range as [number, number] | undefined)?.[0] ?? 0;
}

/**
 * The names a reader sees in `code`: every word of every string and template,
 * every property name (object keys, member accesses, destructured keys, class
 * and interface members), and with `identifiers` every other identifier. In
 * source order.
 */
export function spelledNames(code: string, options: ScanOptions): SpelledName[] {
  return locatedNames(code, options).map(({ text, line }) => ({ text, line }));
}

/** {@link spelledNames}, each with its node's offset. */
function locatedNames(code: string, options: ScanOptions): LocatedName[] {
  const found: LocatedName[] = [];
  const add = (text: string, node: SyntaxNode) => found.push({ text, line: lineOf(node), offset: offsetOf(node) });
  const addWords = (text: string, node: SyntaxNode) => {
    for (const word of text.match(STRING_WORDS) ?? []) add(word, node);
  };
  // A loop with its own stack: the walk adds no recursion to the parser's own (deep minified nesting).
  const program = (options.parse ?? parseScriptOrModule)(code);
  const unrelated = options.skipProvedUnrelated ? provedUnrelated(program) : new Set<SyntaxNode>();
  const addKey = (key: unknown, computed: unknown) => {
    if (!options.identifiers && computed !== true && isNode(key) && key.type === 'Identifier' && !unrelated.has(key)) add(key.name as string, key);
  };
  const pending: SyntaxNode[] = [program];
  for (let node = pending.pop(); node; node = pending.pop()) {
    if (unrelated.has(node) && node.type !== 'Property') {
      // Proved never to reach DynamoDB: its own words do not count (a Property's key is judged by addKey).
    } else if (node.type === 'Literal' && typeof node.value === 'string') addWords(node.value, node);
    else if (node.type === 'TemplateElement') {
      const value = node.value as { cooked?: string | null; raw: string };
      addWords(value.cooked ?? value.raw, node);
    } else if (node.type === 'Identifier' && options.identifiers) add(node.name as string, node);
    else if (node.type === 'MemberExpression') addKey(node.property, node.computed);
    else if (KEYED_NODES.has(node.type)) addKey(node.key, node.computed);
    for (const [field, value] of Object.entries(node)) {
      if (SKIPPED_FIELDS.has(field)) continue;
      if (Array.isArray(value)) pending.push(...value.filter(isNode));
      else if (isNode(value)) pending.push(value);
    }
  }
  return found.sort((a, b) => a.offset - b.offset);
}

/**
 * Nodes that only pass literal data along: inside a context proved unrelated
 * these stay unrelated. Any other node (a call, a member read, a function) may
 * compute a name that does reach DynamoDB, so it counts again.
 */
const INERT_NODES = new Set(['Literal', 'TemplateLiteral', 'TemplateElement', 'ObjectExpression', 'ArrayExpression', 'Property', 'BinaryExpression', 'ObjectPattern']);
/** The global error constructors: their argument is a message, never an attribute name. */
const ERROR_CONSTRUCTORS = new Set(['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError', 'AggregateError']);
/** AWS SDK v3 packages whose commands take DynamoDB attribute names. */
const DYNAMODB_PACKAGE = /^@aws-sdk\/(?:client-dynamodb|lib-dynamodb|client-dynamodb-streams|util-dynamodb)(?:\/|$)/;

function isIdentifier(node: unknown, name?: string): node is SyntaxNode & { name: string } {
  return isNode(node) && node.type === 'Identifier' && (name === undefined || node.name === name);
}

function isStaticMember(node: unknown, object: (o: unknown) => boolean, property?: string): node is SyntaxNode {
  return isNode(node) && node.type === 'MemberExpression' && node.computed !== true && object(node.object) && isIdentifier(node.property, property);
}

const isProcessEnv = (node: unknown) => isStaticMember(node, (o) => isIdentifier(o, 'process'), 'env');

/** `require('<name>')`, or a helper wrapping it (esbuild's `__toESM(require('<name>'))`): the module name. */
function requiredModule(node: unknown): string | undefined {
  if (!isNode(node) || node.type !== 'CallExpression') return undefined;
  const [first] = node.arguments as unknown[];
  if (isIdentifier(node.callee, 'require')) return isNode(first) && first.type === 'Literal' && typeof first.value === 'string' ? first.value : undefined;
  return requiredModule(first);
}

/**
 * The top-level variables bound to another AWS service's SDK package
 * (`var o = require('@aws-sdk/client-s3')`, as esbuild writes an external
 * import). A name bound to two modules is left out: it proves nothing.
 */
function otherServiceModules(program: SyntaxNode): Set<string> {
  const bound = new Map<string, string | undefined>();
  for (const statement of (program.body as SyntaxNode[] | undefined) ?? []) {
    if (statement.type !== 'VariableDeclaration') continue;
    for (const declarator of statement.declarations as SyntaxNode[]) {
      const module = requiredModule(declarator.init);
      if (!isIdentifier(declarator.id) || module === undefined) continue;
      const name = declarator.id.name;
      bound.set(name, bound.has(name) && bound.get(name) !== module ? undefined : module);
    }
  }
  return new Set([...bound].filter(([, module]) => module?.startsWith('@aws-sdk/client-') && !DYNAMODB_PACKAGE.test(module)).map(([name]) => name));
}

/**
 * The nodes whose names the parse proves never reach DynamoDB: the arguments
 * of `console.*` calls and of the global error constructors (a message), the
 * name read from `process.env` (an environment variable's), and the argument
 * of `new x.SomethingCommand(...)` where `x` is another AWS service's SDK
 * package (`Metadata: { PK }` for S3, `Entries: [{ Id }]` for SQS). Only
 * literal data is proved so: a call, a member read or a variable inside such
 * an argument counts as anywhere else (`console.log(item.Pk)` reads an item).
 */
export function provedUnrelated(program: SyntaxNode): Set<SyntaxNode> {
  const services = otherServiceModules(program);
  const unrelated = new Set<SyntaxNode>();
  const mark = (node: unknown) => {
    const pending = [node];
    while (pending.length > 0) {
      const next = pending.pop();
      // `+` only joins text; `'PK' in item` reads an item.
      if (!isNode(next) || !INERT_NODES.has(next.type) || (next.type === 'BinaryExpression' && next.operator !== '+')) continue;
      unrelated.add(next);
      if (next.type === 'Property' && next.computed !== true && isNode(next.key)) unrelated.add(next.key);
      if (next.type === 'Property') pending.push(next.value, ...(next.computed === true ? [next.key] : []));
      else if (next.type === 'BinaryExpression') pending.push(next.left, next.right);
      else if (next.type === 'ObjectExpression' || next.type === 'ObjectPattern') pending.push(...(next.properties as unknown[]));
      else if (next.type === 'ArrayExpression') pending.push(...(next.elements as unknown[]));
      else if (next.type === 'TemplateLiteral') pending.push(...(next.quasis as unknown[]), ...(next.expressions as unknown[]));
    }
  };
  const pending: SyntaxNode[] = [program];
  for (let node = pending.pop(); node; node = pending.pop()) {
    const callee = node.callee;
    if (node.type === 'CallExpression' && isStaticMember(callee, (o) => isIdentifier(o, 'console'))) (node.arguments as unknown[]).forEach(mark);
    else if ((node.type === 'CallExpression' || node.type === 'NewExpression') && isIdentifier(callee) && ERROR_CONSTRUCTORS.has(callee.name)) {
      (node.arguments as unknown[]).forEach(mark);
    } else if (
      node.type === 'NewExpression' &&
      isStaticMember(callee, (o) => isIdentifier(o) && services.has(o.name)) &&
      /Command$/.test((callee.property as { name: string }).name)
    ) {
      (node.arguments as unknown[]).forEach(mark);
    } else if (node.type === 'MemberExpression' && isProcessEnv(node.object)) {
      if (node.computed !== true) unrelated.add(node.property as SyntaxNode);
      else mark(node.property);
    } else if (node.type === 'VariableDeclarator' && isProcessEnv(node.init) && isNode(node.id) && node.id.type === 'ObjectPattern') {
      for (const property of node.id.properties as SyntaxNode[]) if (property.type === 'Property' && property.computed !== true) unrelated.add(property.key as SyntaxNode);
    }
    for (const [field, value] of Object.entries(node)) {
      if (SKIPPED_FIELDS.has(field)) continue;
      if (Array.isArray(value)) pending.push(...value.filter(isNode));
      else if (isNode(value)) pending.push(value);
    }
  }
  return unrelated;
}

function schemasOf(schemas: TableKeySchema | readonly TableKeySchema[]): readonly TableKeySchema[] {
  return 'primary' in schemas ? [schemas] : schemas;
}

/** Every key attribute name of the schemas, exactly as they spell them. */
export function keyNamesOf(schemas: TableKeySchema | readonly TableKeySchema[]): Set<string> {
  return new Set(schemasOf(schemas).flatMap((schema) => distinctKeyAttributes(schema).map((a) => a.name)));
}

/** Names in `code` that a reader would take for a key attribute of the schemas (any spelling). */
export function keyLookalikes(code: string, schemas: TableKeySchema | readonly TableKeySchema[], options: ScanOptions): SpelledName[] {
  const forms = new Set([...keyNamesOf(schemas)].map(confusableForm));
  return spelledNames(code, options).filter((name) => forms.has(confusableForm(name.text)));
}

/**
 * Lookalikes not spelled exactly as one of the schemas spells a key: the
 * PK/pk mismatch. Code that holds no such word anywhere in its text is answered
 * without parsing it (the common case at synth). Code the default parser cannot
 * read (nesting deeper than it handles) is read as text instead: every such word
 * counts, comments included, so the answer errs towards refusing.
 */
export function misspeltKeyNames(code: string, schemas: TableKeySchema | readonly TableKeySchema[], options: ScanOptions): SpelledName[] {
  return misspeltKeyNamesAt(code, schemas, options).map(({ text, line }) => ({ text, line }));
}

/** {@link misspeltKeyNames}, each with the offset of where it stands (for an excerpt of a one-line minified bundle). */
export function misspeltKeyNamesAt(code: string, schemas: TableKeySchema | readonly TableKeySchema[], options: ScanOptions): LocatedName[] {
  const exact = keyNamesOf(schemas);
  if (!mayHoldMisspelling(code, exact)) return [];
  const forms = new Set([...exact].map(confusableForm));
  let lookalikes: LocatedName[];
  try {
    lookalikes = locatedNames(code, options).filter((name) => forms.has(confusableForm(name.text)));
  } catch (error) {
    if (options.parse) throw error;
    return textLookalikes(code, exact);
  }
  return lookalikes.filter((name) => !exact.has(name.text));
}

/**
 * True when some run of word or identifier characters of `code`, read as it is
 * or with its escapes decoded, is a lookalike of a name in `exact` but not that
 * name. Every name the syntax tree yields is such a run, so `false` means the
 * tree holds no misspelling (a property test checks this against the parse).
 *
 * Cheap on purpose, as it runs on every granted bundle at synth: one regular
 * expression finds each place the letters of a key's form appear in order with
 * only separators between them (`p`, `_`, `K`); only the runs around those few
 * places are compared, not every word of the bundle.
 */
export function mayHoldMisspelling(code: string, exact: ReadonlySet<string>): boolean {
  const isMisspelling = misspellingTest(exact);
  const spots = formSpots(exact);
  for (const text of textsOf(code)) {
    spots.lastIndex = 0;
    for (let spot = spots.exec(text); spot; spot = spots.exec(text)) {
      const start = spot.index;
      const end = start + spot[0].length;
      for (const runChar of [STRING_WORD_CHAR, IDENTIFIER_CHAR]) {
        const run = runAround(text, start, end, runChar);
        if (run !== undefined && isMisspelling(run)) return true;
      }
      spots.lastIndex = start + 1; // spots may overlap (a form such as `kk`)
    }
  }
  return false;
}

const STRING_WORD_CHAR = /^[A-Za-z0-9_-]$/;
const IDENTIFIER_CHAR = /^[\p{ID_Continue}$\u200C\u200D]$/u;
/** The two characters outside ASCII whose lowercase holds an ASCII letter (the Kelvin sign is `k`, `İ` is `i` and a dot). */
const FOLDS_TO_ASCII: Readonly<Record<string, string>> = { i: '\u0130', k: '\u212A' };

/** Where the letters of some form of `exact` stand in order, separated by anything but letters and digits. */
function formSpots(exact: ReadonlySet<string>): RegExp {
  const letter = (char: string) => (/[a-z]/.test(char) ? `[${char}${char.toUpperCase()}${FOLDS_TO_ASCII[char] ?? ''}]` : char);
  const separators = '[^A-Za-z0-9\u0130\u212A]*?';
  const forms = [...new Set([...exact].map(confusableForm))];
  return new RegExp(forms.map((form) => [...form].map(letter).join(separators)).join('|'), 'g');
}

/** The run of `runChar` characters holding all of `text[start, end)`, if one does (by code point, so an astral letter counts whole). */
function runAround(text: string, start: number, end: number, runChar: RegExp): string | undefined {
  for (let i = start; i < end; i += codePointAt(text, i).length) if (!runChar.test(codePointAt(text, i))) return undefined;
  let from = start;
  while (from > 0 && runChar.test(codePointBefore(text, from))) from -= codePointBefore(text, from).length;
  let to = end;
  while (to < text.length && runChar.test(codePointAt(text, to))) to += codePointAt(text, to).length;
  return text.slice(from, to);
}

function codePointAt(text: string, index: number): string {
  return String.fromCodePoint(text.codePointAt(index) as number);
}

function codePointBefore(text: string, index: number): string {
  const low = text.charCodeAt(index - 1);
  const isPair = low >= 0xdc00 && low <= 0xdfff && index >= 2 && text.charCodeAt(index - 2) >= 0xd800 && text.charCodeAt(index - 2) <= 0xdbff;
  return isPair ? text.slice(index - 2, index) : text[index - 1];
}

/** The code as written and, when it holds escapes, as decoded (`\\u0050K` read as `PK`). */
function textsOf(code: string): string[] {
  return code.includes('\\') ? [code, decodeEscapes(code)] : [code];
}

function misspellingTest(exact: ReadonlySet<string>): (word: string) => boolean {
  const forms = new Set([...exact].map(confusableForm));
  return (word) => !exact.has(word) && forms.has(confusableForm(word));
}

/** The runs `mayHoldMisspelling` looks for, with their lines: what code that cannot be parsed is judged by. */
function textLookalikes(code: string, exact: ReadonlySet<string>): LocatedName[] {
  const isMisspelling = misspellingTest(exact);
  const found = new Map<string, LocatedName>();
  for (const text of textsOf(code)) {
    for (const pattern of [STRING_WORDS, IDENTIFIER_WORDS]) {
      for (const match of text.matchAll(pattern)) {
        if (!isMisspelling(match[0])) continue;
        const line = text.slice(0, match.index).split('\n').length;
        if (!found.has(`${match[0]}\0${line}`)) found.set(`${match[0]}\0${line}`, { text: match[0], line, offset: text === code ? match.index : -1 });
      }
    }
  }
  return [...found.values()].sort((a, b) => a.line - b.line);
}

const SINGLE_ESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** Decodes escapes as a string literal, template or identifier would (`\u0050K` is `PK`). */
function decodeEscapes(text: string): string {
  return text.replace(
    /\\(?:u\{([0-9a-fA-F]+)\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|([0-3][0-7]{0,2}|[4-7][0-7]?)|(\r\n|[\r\n\u2028\u2029])|([\s\S]))/g,
    (_match, braced?: string, unicode?: string, hex?: string, octal?: string, lineBreak?: string, other?: string) => {
      const code = braced ?? unicode ?? hex;
      if (code !== undefined) {
        const point = parseInt(code, 16);
        return point <= 0x10ffff ? String.fromCodePoint(point) : '';
      }
      if (octal !== undefined) return String.fromCharCode(parseInt(octal, 8));
      if (lineBreak !== undefined) return '';
      return SINGLE_ESCAPES[other as string] ?? (other as string);
    },
  );
}
