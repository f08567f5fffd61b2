/**
 * Seed failure 4 over the final JSON: a table's keys, attribute definitions
 * and indexes must be the key schema the code is typed from (which
 * `ConsistentTable` records under `"//".guards.keySchema`), so an override of
 * `hash_key` cannot split table and code again; and every key attribute name
 * is 1 to 255 bytes, as DynamoDB requires. Pure.
 */
import { TableKeySchema, distinctKeyAttributes } from '../../key-schema';
import { DeploymentCheckOptions, DeploymentViolation, RecordedKeySchema } from '../deployment-document';
import { blocksOf } from '../deployment-target';
import { DocumentIndex, ResourceEntry, guardsOf, isLiteralText, isObject, refOf } from './model';

/** DynamoDB's limits on an attribute name, in bytes of UTF-8. */
export const MIN_ATTRIBUTE_NAME_BYTES = 1;
export const MAX_ATTRIBUTE_NAME_BYTES = 255;

const utf8 = new TextEncoder();

/** True when DynamoDB accepts `name` as a key attribute name (1 to 255 bytes of UTF-8). */
export function attributeNameLengthOk(name: string): boolean {
  const bytes = utf8.encode(name).length;
  return bytes >= MIN_ATTRIBUTE_NAME_BYTES && bytes <= MAX_ATTRIBUTE_NAME_BYTES;
}

/** How long DynamoDB lets an attribute name be, for messages. */
export const ATTRIBUTE_NAME_LENGTH = `${MIN_ATTRIBUTE_NAME_BYTES} to ${MAX_ATTRIBUTE_NAME_BYTES} bytes long in UTF-8`;
const ATTRIBUTE_NAME_LENGTH_REQUIREMENT = `be ${ATTRIBUTE_NAME_LENGTH}, as DynamoDB requires of a key attribute name`;

const SCHEMA_FIX =
  'remove the override (or the hand-written key), or change the key schema module, so table and code (typed from the schema) say the same';

interface TableKeys {
  readonly hashKey?: unknown;
  readonly rangeKey?: unknown;
  readonly attributes: { name?: unknown; type?: unknown }[];
  readonly globalIndexes: { name?: unknown; hashKey?: unknown; rangeKey?: unknown }[];
  readonly localIndexes: { name?: unknown; rangeKey?: unknown }[];
}

function keysOf(config: ResourceEntry['config']): TableKeys {
  return {
    hashKey: config.hash_key,
    rangeKey: config.range_key,
    attributes: blocksOf(config.attribute).map((a) => ({ name: a.name, type: a.type })),
    globalIndexes: blocksOf(config.global_secondary_index).map((i) => ({ name: i.name, hashKey: i.hash_key, rangeKey: i.range_key })),
    localIndexes: blocksOf(config.local_secondary_index).map((i) => ({ name: i.name, rangeKey: i.range_key })),
  };
}

function recordedSchema(config: ResourceEntry['config']): RecordedKeySchema | undefined {
  const schema = guardsOf(config)?.keySchema;
  return isObject(schema) && typeof schema.hashKey === 'string' ? (schema as unknown as RecordedKeySchema) : undefined;
}

const absent = (value: unknown) => value === undefined || value === null || value === '';

function nameLengthViolations(table: ResourceEntry, keys: TableKeys): DeploymentViolation[] {
  const named: [string, unknown][] = [
    ['hash_key', keys.hashKey],
    ['range_key', keys.rangeKey],
    ...keys.attributes.map((a, i): [string, unknown] => [`attribute[${i}].name`, a.name]),
    ...keys.globalIndexes.flatMap((g, i): [string, unknown][] => [
      [`global_secondary_index[${i}].hash_key`, g.hashKey],
      [`global_secondary_index[${i}].range_key`, g.rangeKey],
    ]),
    ...keys.localIndexes.map((l, i): [string, unknown] => [`local_secondary_index[${i}].range_key`, l.rangeKey]),
  ];
  return named
    .filter((pair): pair is [string, string] => typeof pair[1] === 'string' && isLiteralText(pair[1]) && !attributeNameLengthOk(pair[1]))
    .map(([field, value]) => ({
      ruleId: 'table-keys/name-length',
      ...refOf(table),
      field,
      value,
      requirement: ATTRIBUTE_NAME_LENGTH_REQUIREMENT,
      fix: 'shorten the attribute name (in the key schema module, so code and table change together)',
    }));
}

function mismatch(table: ResourceEntry, field: string, value: unknown, expected: unknown): DeploymentViolation {
  return {
    ruleId: 'table-keys/matches-schema',
    ...refOf(table),
    field,
    value: value ?? null,
    requirement: `equal the key schema the code is typed from: ${JSON.stringify(expected ?? null)}`,
    fix: SCHEMA_FIX,
  };
}

function schemaViolations(table: ResourceEntry, keys: TableKeys, schema: RecordedKeySchema): DeploymentViolation[] {
  const violations: DeploymentViolation[] = [];
  if (keys.hashKey !== schema.hashKey) violations.push(mismatch(table, 'hash_key', keys.hashKey, schema.hashKey));
  if ((absent(keys.rangeKey) ? undefined : keys.rangeKey) !== schema.rangeKey) violations.push(mismatch(table, 'range_key', keys.rangeKey, schema.rangeKey));
  const attributeText = (list: readonly { name?: unknown; type?: unknown }[]) => list.map((a) => JSON.stringify([a.name, a.type])).sort();
  if (JSON.stringify(attributeText(keys.attributes)) !== JSON.stringify(attributeText(schema.attributes))) {
    violations.push(mismatch(table, 'attribute', keys.attributes, schema.attributes));
  }
  const gsiText = (list: readonly { name?: unknown; hashKey?: unknown; rangeKey?: unknown }[]) =>
    list.map((g) => JSON.stringify([g.name, g.hashKey, absent(g.rangeKey) ? null : g.rangeKey])).sort();
  if (JSON.stringify(gsiText(keys.globalIndexes)) !== JSON.stringify(gsiText(schema.globalIndexes))) {
    violations.push(mismatch(table, 'global_secondary_index', keys.globalIndexes, schema.globalIndexes));
  }
  const lsiText = (list: readonly { name?: unknown; rangeKey?: unknown }[]) => list.map((l) => JSON.stringify([l.name, l.rangeKey])).sort();
  if (JSON.stringify(lsiText(keys.localIndexes)) !== JSON.stringify(lsiText(schema.localIndexes))) {
    violations.push(mismatch(table, 'local_secondary_index', keys.localIndexes, schema.localIndexes));
  }
  return violations;
}

/** Every table: key attribute names DynamoDB accepts, and keys equal to the recorded schema. */
export function checkTables(index: DocumentIndex, _options: DeploymentCheckOptions): DeploymentViolation[] {
  return index.ofType('aws_dynamodb_table').flatMap((table) => {
    const keys = keysOf(table.config);
    const schema = recordedSchema(table.config);
    return [...nameLengthViolations(table, keys), ...(schema ? schemaViolations(table, keys, schema) : [])];
  });
}

/** The key schema as `ConsistentTable` records it in the table's JSON (`"//".guards.keySchema`), for the check to compare. */
export function recordKeySchema(schema: TableKeySchema): RecordedKeySchema {
  return {
    hashKey: schema.primary.partitionKey.name,
    ...(schema.primary.sortKey ? { rangeKey: schema.primary.sortKey.name } : {}),
    attributes: distinctKeyAttributes(schema).map((a) => ({ name: a.name, type: a.type })),
    globalIndexes: Object.entries(schema.globalIndexes ?? {}).map(([name, index]) => ({
      name,
      hashKey: index.partitionKey.name,
      ...(index.sortKey ? { rangeKey: index.sortKey.name } : {}),
    })),
    localIndexes: Object.entries(schema.localIndexes ?? {}).map(([name, index]) => ({ name, rangeKey: index.sortKey.name })),
  };
}
