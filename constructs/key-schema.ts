/**
 * DynamoDB key schemas declared once, as typed data. This module imports
 * nothing from cdktf: the table construct builds the table from a schema, and
 * Lambda code imports the same schema, through the typed table client
 * (table-client/, the package's `guarded-serverless-stack/table-client`), for
 * every key it reads or writes. A key spelled differently in code and table
 * (seed failure 4) does not compile.
 */
import { GuardValidationError } from './guard-validation-error';

export type KeyAttributeType = 'S' | 'N' | 'B';

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyAttributeType;
}

export interface KeyPair {
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
}

/**
 * The attributes copied into an index besides the table and index keys.
 * `{ include: [...] }` is DynamoDB's INCLUDE projection. A query on an index
 * returns, in its type, only what the index projects.
 */
export type IndexProjection = 'ALL' | 'KEYS_ONLY' | { readonly include: readonly string[] };

export interface GlobalIndexSchema extends KeyPair {
  /**
   * Attributes copied into the index.
   * @default 'ALL'
   */
  readonly projection?: IndexProjection;
}

export interface LocalIndexSchema {
  readonly sortKey: KeyAttribute;
  /**
   * Attributes copied into the index.
   * @default 'ALL'
   */
  readonly projection?: IndexProjection;
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

/**
 * Two names that differ only by case or separators (`PK` and `pk`, `gsi1_pk`
 * and `GSI1PK`) are one name to a reader. ConsistentTable refuses such pairs
 * in a schema, and the key-name scan uses the same form over code and bundles.
 */
export function confusableForm(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

// ---------------------------------------------------------------------------
// Types derived from a schema: what the table client accepts and returns.
// ---------------------------------------------------------------------------

type ValueOf<A extends KeyAttribute> = A['type'] extends 'N' ? number : A['type'] extends 'B' ? Uint8Array : string;

type AttributeObject<A extends KeyAttribute> = { [K in A as K['name']]: ValueOf<K> };

/** Flattens an intersection so errors and hovers show `{ pk: string; sk: string }`. */
type Flat<T> = { [K in keyof T]: T[K] } & {};

type KeyOfPair<P extends KeyPair> = Flat<
  AttributeObject<P['partitionKey']> & (P['sortKey'] extends KeyAttribute ? AttributeObject<P['sortKey']> : unknown)
>;

type GlobalIndexesOf<S extends TableKeySchema> = NonNullable<S['globalIndexes']>;
type LocalIndexesOf<S extends TableKeySchema> = NonNullable<S['localIndexes']>;

/** The primary key object of a table, e.g. `{ pk: string; sk: string }`. */
export type PrimaryKeyOf<S extends TableKeySchema> = KeyOfPair<S['primary']>;

/** The partition key alone, e.g. `{ pk: string }`: what a query on the table names. */
export type PartitionKeyOf<S extends TableKeySchema> = Flat<AttributeObject<S['primary']['partitionKey']>>;

export type GlobalIndexName<S extends TableKeySchema> = keyof GlobalIndexesOf<S> & string;
export type LocalIndexName<S extends TableKeySchema> = keyof LocalIndexesOf<S> & string;
export type IndexName<S extends TableKeySchema> = GlobalIndexName<S> | LocalIndexName<S>;

/**
 * The key attributes of an index, e.g. `{ gsi1pk: string; gsi1sk: string }`.
 * A local index shares the table's partition key and has its own sort key.
 */
export type IndexKeyOf<S extends TableKeySchema, I extends IndexName<S>> = I extends GlobalIndexName<S>
  ? KeyOfPair<GlobalIndexesOf<S>[I]>
  : I extends LocalIndexName<S>
    ? Flat<AttributeObject<S['primary']['partitionKey']> & AttributeObject<LocalIndexesOf<S>[I]['sortKey']>>
    : never;

/** The partition key of an index: what a query on that index names. */
export type IndexPartitionOf<S extends TableKeySchema, I extends IndexName<S>> = I extends GlobalIndexName<S>
  ? Flat<AttributeObject<GlobalIndexesOf<S>[I]['partitionKey']>>
  : PartitionKeyOf<S>;

type IndexSortAttribute<S extends TableKeySchema, I extends IndexName<S>> = I extends GlobalIndexName<S>
  ? GlobalIndexesOf<S>[I]['sortKey']
  : I extends LocalIndexName<S>
    ? LocalIndexesOf<S>[I]['sortKey']
    : never;

/** The value type of an index's sort key (`never` when it has none). */
export type IndexSortValueOf<S extends TableKeySchema, I extends IndexName<S>> =
  IndexSortAttribute<S, I> extends KeyAttribute ? ValueOf<IndexSortAttribute<S, I>> : never;

/** The value type of the table's sort key (`never` when it has none). */
export type SortValueOf<S extends TableKeySchema> = S['primary']['sortKey'] extends KeyAttribute ? ValueOf<S['primary']['sortKey']> : never;

/** The sort key of each global index that has one (mapped per index: a union would drop the optional ones). */
type GlobalSortKeyUnion<S extends TableKeySchema> = {
  [I in keyof GlobalIndexesOf<S>]: GlobalIndexesOf<S>[I] extends { readonly sortKey: infer K extends KeyAttribute } ? K : never;
}[keyof GlobalIndexesOf<S>];

type IndexKeyAttributeUnion<S extends TableKeySchema> =
  | GlobalIndexesOf<S>[keyof GlobalIndexesOf<S>]['partitionKey']
  | GlobalSortKeyUnion<S>
  | LocalIndexesOf<S>[keyof LocalIndexesOf<S>]['sortKey'];

/** The names of the table's own key attributes. */
export type PrimaryKeyNameOf<S extends TableKeySchema> = keyof PrimaryKeyOf<S>;

/**
 * Every index key attribute that is not also a table key, optional (an item
 * outside a sparse index leaves them out), with the type the schema declares.
 */
export type IndexKeyAttributesOf<S extends TableKeySchema> = Flat<{
  [A in IndexKeyAttributeUnion<S> as Exclude<A['name'], PrimaryKeyNameOf<S>>]?: ValueOf<A>;
}>;

/** Every key attribute name the schema declares (table and indexes). */
export type KeyNameOf<S extends TableKeySchema> = PrimaryKeyNameOf<S> | keyof IndexKeyAttributesOf<S>;

/**
 * A stored item: the table key, the index keys it carries, and its other
 * attributes `A`. `A` may not reuse a key attribute's name.
 */
export type ItemOf<S extends TableKeySchema, A> = PrimaryKeyOf<S> & IndexKeyAttributesOf<S> & A;

type ProjectionOf<S extends TableKeySchema, I extends IndexName<S>> = I extends GlobalIndexName<S>
  ? GlobalIndexesOf<S>[I]
  : I extends LocalIndexName<S>
    ? LocalIndexesOf<S>[I]
    : never;

/** `A` as far as an INCLUDE projection of `N` copies it (distributed over a union of item shapes). */
type Included<A, N extends string> = A extends unknown ? Pick<A, Extract<keyof A, N>> : never;

/**
 * What a query on index `I` returns of an item with attributes `A`: the table
 * and index keys, plus `A` (ALL), nothing more (KEYS_ONLY), or the included
 * attributes (INCLUDE). Reading an attribute the index does not project does
 * not compile.
 */
export type ProjectedItemOf<S extends TableKeySchema, I extends IndexName<S>, A> = PrimaryKeyOf<S> &
  IndexKeyOf<S, I> &
  (ProjectionOf<S, I> extends { readonly projection: 'KEYS_ONLY' }
    ? unknown
    : ProjectionOf<S, I> extends { readonly projection: { readonly include: readonly (infer N extends string)[] } }
      ? Included<A, N>
      : A);

// ---------------------------------------------------------------------------
// The same facts at run time.
// ---------------------------------------------------------------------------

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

/** The partition and sort key attributes of the table, or of one of its indexes. */
export function keyPairOf(schema: TableKeySchema, indexName?: string): KeyPair {
  if (indexName === undefined) return schema.primary;
  const global = schema.globalIndexes?.[indexName];
  if (global) return global;
  const local = schema.localIndexes?.[indexName];
  if (local) return { partitionKey: schema.primary.partitionKey, sortKey: local.sortKey };
  throw new GuardValidationError('key schema', 'keyPairOf', [
    {
      ruleId: 'table-keys/known-index',
      field: 'indexName',
      value: indexName,
      requirement: `be an index the schema declares (${[...Object.keys(schema.globalIndexes ?? {}), ...Object.keys(schema.localIndexes ?? {})].join(', ') || 'none'})`,
      fix: 'name a global or local index of the schema',
    },
  ]);
}

/**
 * The attribute names of the key a page of a query ends on (`LastEvaluatedKey`):
 * the table key, plus the index key for a query on an index. Sorted.
 */
export function pageKeyNamesOf(schema: TableKeySchema, indexName?: string): string[] {
  const pairs = indexName === undefined ? [schema.primary] : [schema.primary, keyPairOf(schema, indexName)];
  const names = pairs.flatMap((pair) => [pair.partitionKey.name, ...(pair.sortKey ? [pair.sortKey.name] : [])]);
  return [...new Set(names)].sort();
}
