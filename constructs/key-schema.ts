/**
 * DynamoDB key schemas declared once, as typed data. This module imports
 * nothing from cdktf: the table construct builds the table from a schema, and
 * Lambda code imports the same schema for its key names and key builders, so
 * a key spelled differently in code and table (seed failure 4) does not compile.
 */

export type KeyAttributeType = 'S' | 'N' | 'B';

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyAttributeType;
}

export interface KeyPair {
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
}

export interface GlobalIndexSchema extends KeyPair {
  /**
   * Attributes copied into the index.
   * @default 'ALL'
   */
  readonly projection?: 'ALL' | 'KEYS_ONLY';
}

export interface LocalIndexSchema {
  readonly sortKey: KeyAttribute;
  /**
   * Attributes copied into the index.
   * @default 'ALL'
   */
  readonly projection?: 'ALL' | 'KEYS_ONLY';
}

export interface TableKeySchema {
  readonly primary: KeyPair;
  readonly globalIndexes?: Readonly<Record<string, GlobalIndexSchema>>;
  readonly localIndexes?: Readonly<Record<string, LocalIndexSchema>>;
}

/** Keeps the literal key names of `schema` in its type (`as const` without writing it). */
export function defineKeySchema<const S extends TableKeySchema>(schema: S): S {
  return schema;
}

type ValueOf<A extends KeyAttribute> = A['type'] extends 'N' ? number : A['type'] extends 'B' ? Uint8Array : string;

type KeyOfPair<P extends KeyPair> = { [K in P['partitionKey'] as K['name']]: ValueOf<K> } & (P['sortKey'] extends KeyAttribute
  ? { [K in P['sortKey'] as K['name']]: ValueOf<K> }
  : unknown);

/** The primary key object of a table, e.g. `{ pk: string; sk: string }`. */
export type PrimaryKeyOf<S extends TableKeySchema> = KeyOfPair<S['primary']>;

/** The key attributes of a global index, e.g. `{ gsi1pk: string; gsi1sk: string }`. */
export type IndexKeyOf<S extends TableKeySchema, I extends keyof NonNullable<S['globalIndexes']>> = KeyOfPair<
  NonNullable<S['globalIndexes']>[I]
>;

/** Every key attribute a schema declares, with the type it is declared with (partition keys first). */
export function keyAttributesOf(schema: TableKeySchema): KeyAttribute[] {
  const attributes: KeyAttribute[] = [schema.primary.partitionKey];
  if (schema.primary.sortKey) attributes.push(schema.primary.sortKey);
  for (const index of Object.values(schema.globalIndexes ?? {})) {
    attributes.push(index.partitionKey);
    if (index.sortKey) attributes.push(index.sortKey);
  }
  for (const index of Object.values(schema.localIndexes ?? {})) {
    attributes.push(index.sortKey);
  }
  return attributes;
}

/** The same attributes without repeats (an attribute may key the table and an index). */
export function distinctKeyAttributes(schema: TableKeySchema): KeyAttribute[] {
  const byName = new Map<string, KeyAttribute>();
  for (const attribute of keyAttributesOf(schema)) {
    if (!byName.has(attribute.name)) byName.set(attribute.name, attribute);
  }
  return [...byName.values()];
}
