import { IConstruct } from 'constructs';
import { readFileSync } from 'fs';
import { join } from 'path';
import { TableKeySchema, confusableForm, keyAttributesOf } from '../key-schema';
import type { Bundle } from './bundling';
import { misspeltKeyNames } from './key-name-scan';
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

/** A construct deployed from a bundle (UnreservedFunction). */
interface BundledCode extends IConstruct {
  readonly bundle: Bundle;
}

function isBundledCode(value: unknown): value is BundledCode {
  const bundle = (value as { bundle?: Partial<Bundle> } | undefined)?.bundle;
  return typeof bundle?.dir === 'string' && typeof bundle.contentHash === 'string' && typeof (value as IConstruct).node?.addValidation === 'function';
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
  let tables = tablesGranted.get(code);
  if (!tables) {
    const granted = new Map<string, KeyedTable>();
    tablesGranted.set(code, granted);
    code.node.addValidation({ validate: () => validateBundle(code, [...granted.values()]) });
    tables = granted;
  }
  tables.set(table.node.path, { path: table.node.path, schema: table.schema });
}

/** One scan per bundle and set of tables per process: functions built from one entry share a bundle. */
const scanned = new Map<string, Violation[]>();

function validateBundle(code: BundledCode, tables: readonly KeyedTable[]): string[] {
  const file = join(code.bundle.dir, 'index.js');
  const key = `${code.bundle.contentHash}\0${JSON.stringify(tables)}`;
  let violations = scanned.get(key);
  if (!violations) {
    violations = bundleKeySpellingViolations(readFileSync(file, 'utf8'), tables, file);
    scanned.set(key, violations);
  }
  return violations.length > 0 ? [formatViolations(code.constructor.name, code.node.path, violations)] : [];
}

/**
 * The misspelt key names of a bundle, one violation per spelling, naming the
 * spelling each granted table uses. Pure: the validation above reads the file.
 */
export function bundleKeySpellingViolations(code: string, tables: readonly KeyedTable[], file = 'the bundle'): Violation[] {
  const found = misspeltKeyNames(code, tables.map((t) => t.schema), { identifiers: false, skipProvedUnrelated: true });
  const lines = new Map<string, number[]>();
  for (const name of found) lines.set(name.text, [...(lines.get(name.text) ?? []), name.line]);
  return [...lines].map(([spelled, at]) => {
    const spellings = tables.flatMap((table) =>
      [...new Set(keyAttributesOf(table.schema).map((a) => a.name))]
        .filter((name) => confusableForm(name) === confusableForm(spelled))
        .map((name) => `"${name}" (ConsistentTable '${table.path}')`),
    );
    const where = `line ${[...new Set(at)].join(', ')} of ${file}`;
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
