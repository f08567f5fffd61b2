import { Token } from 'cdktf';
import { IConstruct } from 'constructs';
import { strFromU8, unzipSync } from 'fflate';
import { readFileSync } from 'fs';
import { join } from 'path';
import { TableKeySchema, confusableForm, keyAttributesOf } from '../key-schema';
import type { Bundle } from './bundling';
import { misspeltKeyNamesAt } from './key-name-scan';
import { Violation, formatViolations, violation } from './validation';

/**
 * Seed failure 4 in shipped code: a table keyed `PK` (a `keyNamePattern` allows
 * it) and a handler that writes `Key: { pk }` with the raw SDK compile, lint
 * clean when the lint rules are not installed, and deploy. When a ConsistentTable
 * grants a function access, the function's bundle (the esbuild output that is
 * deployed) is scanned for key names that equal a key of the table when case
 * and separators are ignored but are spelled differently; such a bundle is
 * refused at synth, as a validation on the final tree.
 *
 * A function granted several tables may spell a key as any of them does: a
 * name spelled exactly as one granted table spells it is accepted.
 */

export const BUNDLE_KEY_SPELLING_RULE = 'table-keys/bundle-spelling';

/** A table as the check sees it: its construct path and the schema it is built from. */
export interface KeyedTable {
  readonly path: string;
  readonly schema: TableKeySchema;
}

/**
 * A construct deployed from code this app holds (UnreservedFunction): a bundle
 * built at synth, or a prebuilt zip (`code.kind` 'asset'); with the role its code runs as.
 */
interface BundledCode extends IConstruct {
  readonly bundle?: Bundle;
  readonly code?: { readonly kind?: string; readonly absolutePath?: string; readonly handler?: string };
  readonly role?: { readonly grantedStatements?: readonly { readonly actions: readonly string[]; readonly resources: readonly string[] }[] };
}

/** A table a policy may name: by its ARN as the app holds it, or by an ARN spelled out with its literal name. */
interface NamedTable {
  readonly table: IConstruct & { readonly schema: TableKeySchema };
  readonly tableArn: string;
  readonly literalName?: string;
}

const tablesOfApp = new WeakMap<IConstruct, NamedTable[]>();

/**
 * Called by each table with a key schema (made or imported): a statement the
 * user writes on a function's role naming the table's ARN (no grant method)
 * then has the function's bundle checked as a grant would.
 */
export function registerKeyedTable(table: IConstruct & { readonly schema: TableKeySchema; readonly tableArn: string }, name: string): void {
  const tables = tablesOfApp.get(table.node.root) ?? [];
  tablesOfApp.set(table.node.root, tables);
  tables.push({ table, tableArn: table.tableArn, literalName: Token.isUnresolved(name) ? undefined : name });
}

/** IAM's wildcards in a pattern (`*` any run, `?` one character), as a regular expression over the whole text. */
function globRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

/** Whether an IAM pattern matches some text that starts with `prefix` (`*` and `dynamodb:*` match `dynamodb:…`). */
function globMayStartWith(pattern: string, prefix: string, ignoreCase: boolean): boolean {
  const same = (a: string, b: string) => (ignoreCase ? a.toLowerCase() === b.toLowerCase() : a === b);
  const from = (i: number, j: number): boolean => {
    if (j === prefix.length) return true; // The rest of the pattern matches some tail.
    if (i === pattern.length) return false;
    if (pattern[i] === '*') return from(i + 1, j) || from(i, j + 1);
    return (pattern[i] === '?' || same(pattern[i], prefix[j])) && from(i + 1, j + 1);
  };
  return from(0, 0);
}

/** Whether a statement's action grants some DynamoDB action: IAM actions are case-insensitive and take `*` and `?`. */
export function grantsDynamoDb(action: string): boolean {
  return globMayStartWith(action, 'dynamodb:', true);
}

/**
 * True when `resource` covers the table: its ARN or one under it (`<arn>/index/<name>`, `<arn>/stream/...`),
 * `*`, or an ARN pattern (`arn:aws:dynamodb:*:*:table/*`, `…:table/Jobs*`) matching the table's literal
 * name. The partition, region and account of a pattern are not compared: the table's may be unknown at
 * synth, and scanning a bundle one table too many errs towards refusing.
 */
export function namesTable(resource: string, named: { readonly tableArn: string; readonly literalName?: string }): boolean {
  if (resource === '*' || resource === named.tableArn || resource.startsWith(`${named.tableArn}/`)) return true;
  const arn = /^arn:[^:]*:([^:]*):[^:]*:[^:]*:(.*)$/s.exec(resource);
  if (!arn || !globRegExp(arn[1]).test('dynamodb')) return false;
  const part = arn[2];
  if (named.literalName === undefined) return /^(?:\*|table\/\*)/.test(part); // Only a pattern over every table covers one whose name synth does not know.
  return globRegExp(part).test(`table/${named.literalName}`) || globMayStartWith(part, `table/${named.literalName}/`, false);
}

/** The tables of the app that a DynamoDB statement on the code's role names. */
function tablesNamedByRole(code: BundledCode): KeyedTable[] {
  const statements = (code.role?.grantedStatements ?? []).filter((s) => s.actions.some(grantsDynamoDb));
  const resources = statements.flatMap((s) => s.resources);
  return (tablesOfApp.get(code.node.root) ?? [])
    .filter((named) => resources.some((resource) => namesTable(resource, named)))
    .map(({ table }) => ({ path: table.node.path, schema: table.schema }));
}

function isBundledCode(value: unknown): value is BundledCode {
  const { bundle, code } = (value as { bundle?: Partial<Bundle>; code?: BundledCode['code'] } | undefined) ?? {};
  const built = typeof bundle?.dir === 'string' && typeof bundle.contentHash === 'string';
  const prebuilt = code?.kind === 'asset' && typeof code.absolutePath === 'string';
  return (built || prebuilt) && typeof (value as IConstruct).node?.addValidation === 'function';
}

/**
 * The deployed JavaScript the scan reads: the bundle's `index.js`, or in a
 * prebuilt zip the handler's file (`main.handler` is `main.js`, `.mjs` or
 * `.cjs`). Only that file of a zip: a zip built with a bundler holds the code in
 * it, and other files (node_modules) are libraries, not the author's requests.
 */
function deployedSource(code: BundledCode): { text: string; file: string; cacheKey?: string } | undefined {
  if (code.bundle) {
    const file = join(code.bundle.dir, 'index.js');
    return { text: readFileSync(file, 'utf8'), file, cacheKey: code.bundle.contentHash };
  }
  const zipPath = code.code?.absolutePath as string;
  const module = (code.code?.handler ?? 'index.handler').replace(/\.[^./]*$/, '');
  const candidates = ['.js', '.mjs', '.cjs'].map((extension) => `${module}${extension}`);
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(readFileSync(zipPath), { filter: (entry) => candidates.includes(entry.name) });
  } catch {
    return undefined; // Not a zip: the function's own asset rules refuse it.
  }
  const name = candidates.find((candidate) => files[candidate] !== undefined);
  return name === undefined ? undefined : { text: strFromU8(files[name]), file: `${name} in ${zipPath}` };
}

/** The bundled code a grant reaches: the function itself, or the function whose own role was granted. */
function bundledCodeOf(grantee: unknown): BundledCode | undefined {
  if (isBundledCode(grantee)) return grantee;
  const scope = (grantee as Partial<IConstruct> | undefined)?.node?.scope;
  return isBundledCode(scope) && (scope as { role?: unknown }).role === grantee ? scope : undefined;
}

const tablesGranted = new WeakMap<BundledCode, Map<string, KeyedTable>>();

/**
 * Called by each grant of a table: when `grantee` runs a bundle, that bundle is
 * checked against the table's key names (and every other table granted to it) on the final tree.
 */
export function checkKeyNamesOfGrantedCode(table: IConstruct & { readonly schema: TableKeySchema }, grantee: unknown): void {
  const code = bundledCodeOf(grantee);
  if (!code) return;
  tablesCheckedFor(code).set(table.node.path, { path: table.node.path, schema: table.schema });
}

/**
 * Called by each function built from a bundle: on the final tree, its bundle is
 * checked against every table a DynamoDB statement on its role names, granted
 * or written by hand (`addToPrincipalPolicy` with `table.tableArn`).
 */
export function checkKeyNamesOfTablesInPolicy(code: IConstruct): void {
  if (isBundledCode(code)) tablesCheckedFor(code);
}

function tablesCheckedFor(code: BundledCode): Map<string, KeyedTable> {
  let tables = tablesGranted.get(code);
  if (!tables) {
    const granted = new Map<string, KeyedTable>();
    tablesGranted.set(code, granted);
    code.node.addValidation({
      validate: () => {
        const all = new Map(granted);
        for (const table of tablesNamedByRole(code)) all.set(table.path, table);
        return all.size > 0 ? validateBundle(code, [...all.values()]) : [];
      },
    });
    tables = granted;
  }
  return tables;
}

/** One scan per bundle and set of tables per process: functions built from one entry share a bundle. */
const scanned = new Map<string, Violation[]>();

function validateBundle(code: BundledCode, tables: readonly KeyedTable[]): string[] {
  const source = deployedSource(code);
  if (!source) return [];
  const key = source.cacheKey === undefined ? undefined : `${source.cacheKey}\0${JSON.stringify(tables)}`;
  let violations = key === undefined ? undefined : scanned.get(key);
  if (!violations) {
    violations = bundleKeySpellingViolations(source.text, tables, source.file);
    if (key !== undefined) scanned.set(key, violations);
  }
  return violations.length > 0 ? [formatViolations(code.constructor.name, code.node.path, violations)] : [];
}

/**
 * The misspelt key names of a bundle, one violation per spelling, naming the
 * spelling each granted table uses. Pure: the validation above reads the file.
 */
export function bundleKeySpellingViolations(code: string, tables: readonly KeyedTable[], file = 'the bundle'): Violation[] {
  const found = misspeltKeyNamesAt(code, tables.map((t) => t.schema), { identifiers: false, skipProvedUnrelated: true });
  const lines = new Map<string, number[]>();
  const firstOffset = new Map<string, number>();
  for (const name of found) {
    lines.set(name.text, [...(lines.get(name.text) ?? []), name.line]);
    if (!firstOffset.has(name.text)) firstOffset.set(name.text, name.offset);
  }
  return [...lines].map(([spelled, at]) => {
    const spellings = tables.flatMap((table) =>
      [...new Set(keyAttributesOf(table.schema).map((a) => a.name))]
        .filter((name) => confusableForm(name) === confusableForm(spelled))
        .map((name) => `"${name}" (ConsistentTable '${table.path}')`),
    );
    const shown = excerpt(code, firstOffset.get(spelled) as number);
    const where = `line ${[...new Set(at)].join(', ')} of ${file}${shown === undefined ? '' : `, first at ${shown}`}`;
    return violation(
      BUNDLE_KEY_SPELLING_RULE,
      'key name in the deployed code',
      spelled,
      `be spelled as the key schema of the table it is granted spells it: ${spellings.join(' or ')}; DynamoDB attribute names are case-sensitive, ` +
        `so every read and write with "${spelled}" fails or misses (${where})`,
      'build keys with the table client typed from that schema (guarded-serverless-stack/table-client), so a misspelt key does not compile; ' +
        'if the table is the one spelled wrong, rename the key in the schema so table and code agree',
    );
  });
}

/** Characters shown each side of a misspelt name: a minified bundle is one long line, so the line number alone finds nothing. */
const EXCERPT_CONTEXT = 30;

/** The code around `offset`, on one line and in backquotes (`` `…Key:{pk:e.id}…` ``); undefined when the offset is unknown (-1). */
export function excerpt(code: string, offset: number): string | undefined {
  if (offset < 0 || offset >= code.length) return undefined;
  const from = Math.max(0, offset - EXCERPT_CONTEXT);
  const to = Math.min(code.length, offset + 2 * EXCERPT_CONTEXT);
  return `\`${from > 0 ? '…' : ''}${code.slice(from, to).replace(/\s+/g, ' ')}${to < code.length ? '…' : ''}\``;
}
