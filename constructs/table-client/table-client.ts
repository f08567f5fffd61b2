import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, QueryCommandInput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  IndexKeyAttributesOf,
  IndexKeyOf,
  IndexName,
  IndexPartitionOf,
  IndexSortValueOf,
  ItemOf,
  KeyPair,
  PartitionKeyOf,
  PrimaryKeyNameOf,
  PrimaryKeyOf,
  ProjectedItemOf,
  SortValueOf,
  TableKeySchema,
  keyPairOf,
} from '../key-schema';
import { GuardValidationError } from '../guard-validation-error';
import { defaultDocumentClient } from './document-client';

/**
 * The only way Lambda code reaches DynamoDB (the shipped lint rules refuse the
 * SDK's commands anywhere else). Every key it accepts is typed from the key schema
 * the table is built from, so a key spelled `PK` against a `pk` table, or one
 * with a missing or extra attribute, does not compile; and every expression
 * attribute name is written here, from the schema, never by a caller.
 *
 * One client reads and writes one kind of item (`A`: the attributes besides
 * the keys); `withItems<T>()` gives a client for another kind on the same table.
 */

/**
 * `T` when it has exactly the properties of `Shape`: a property `Shape` does
 * not have becomes `never`, so an object with an extra key is refused even when
 * it is not a literal (a literal is refused by TypeScript's own excess-property check).
 */
export type Exactly<Shape, T> = T & { readonly [K in Exclude<keyof T, keyof Shape>]: never };

/** A condition on one attribute of an item. */
export type AttributeCondition<V> =
  | { readonly equals: V }
  | { readonly in: readonly V[] }
  | { readonly exists: boolean };

/** A condition a write must meet; all parts must hold. */
export interface WriteCondition<A> {
  /** `true`: the item must already exist; `false`: it must not (a create that never overwrites). */
  readonly itemExists?: boolean;
  readonly where?: { readonly [K in keyof A]?: AttributeCondition<NonNullable<A[K]>> };
}

/** A condition on the sort key of a query. */
export type SortCondition<V> =
  | { readonly equals: V }
  | { readonly beginsWith: V & string }
  | { readonly between: readonly [V, V] }
  | { readonly lessThan: V }
  | { readonly greaterThan: V };

export interface QueryOptions<SortValue, StartKey> {
  readonly sort?: SortCondition<SortValue>;
  /** Newest (highest sort key) first. @default false */
  readonly descending?: boolean;
  /** @default no limit (DynamoDB's 1 MB page) */
  readonly limit?: number;
  /** The `lastKey` of the previous page. */
  readonly startKey?: StartKey;
  /** Strongly consistent read; not available on global indexes. @default false */
  readonly consistent?: boolean;
}

export interface Page<Item, Key> {
  readonly items: Item[];
  /** Where the next page starts; absent on the last page. */
  readonly lastKey?: Key;
}

/** Attributes an update may set: the item's own and its index keys, never the table key. */
export type UpdateSet<S extends TableKeySchema, A> = Partial<A> & IndexKeyAttributesOf<S> & { readonly [K in PrimaryKeyNameOf<S>]?: never };

export type UpdateResult<Item> = { readonly updated: true; readonly item: Item } | { readonly updated: false };

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

/** Builds an expression's placeholders: `#n0`, `:v0`, … so no caller ever writes an attribute name. */
class ExpressionBuilder {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private nameCount = 0;
  private valueCount = 0;

  name(attribute: string): string {
    const placeholder = `#n${this.nameCount++}`;
    this.names[placeholder] = attribute;
    return placeholder;
  }

  value(value: unknown): string {
    const placeholder = `:v${this.valueCount++}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  attributes(): Pick<QueryCommandInput, 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> {
    return {
      ExpressionAttributeNames: Object.keys(this.names).length > 0 ? this.names : undefined,
      ExpressionAttributeValues: Object.keys(this.values).length > 0 ? this.values : undefined,
    };
  }
}

export class TableClient<S extends TableKeySchema, A extends object = Record<string, unknown>> {
  constructor(
    public readonly schema: S,
    public readonly tableName: string,
    private readonly documents: DynamoDBDocumentClient = defaultDocumentClient(),
  ) {}

  /** A client for another kind of item in the same table. */
  public withItems<T extends object>(): TableClient<S, T> {
    return new TableClient<S, T>(this.schema, this.tableName, this.documents);
  }

  public async get<K extends PrimaryKeyOf<S>>(
    key: Exactly<PrimaryKeyOf<S>, K>,
    options: { readonly consistent?: boolean } = {},
  ): Promise<ItemOf<S, A> | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: this.keyOf(this.schema.primary, key), ConsistentRead: options.consistent }),
    );
    return Item as ItemOf<S, A> | undefined;
  }

  /**
   * Writes a whole item. With a condition, answers `false` (and writes
   * nothing) when the condition does not hold.
   */
  public async put<I extends ItemOf<S, A>>(item: Exactly<ItemOf<S, A>, I>, options: { readonly condition?: WriteCondition<A> } = {}): Promise<boolean> {
    this.keyOf(this.schema.primary, item);
    const expression = new ExpressionBuilder();
    const condition = options.condition ? this.conditionExpression(options.condition, expression) : undefined;
    try {
      await this.documents.send(
        new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: condition, ...expression.attributes() }),
      );
      return true;
    } catch (error) {
      if (condition && isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Sets attributes of one item and answers the item as it is after the
   * write, or `{ updated: false }` when the condition does not hold.
   * An attribute set to `undefined` is left as it is.
   */
  public async update<K extends PrimaryKeyOf<S>>(
    key: Exactly<PrimaryKeyOf<S>, K>,
    change: { readonly set: UpdateSet<S, A>; readonly condition?: WriteCondition<A> },
  ): Promise<UpdateResult<ItemOf<S, A>>> {
    const expression = new ExpressionBuilder();
    const keyNames = this.primaryKeyNames();
    const sets = Object.entries(change.set)
      .filter(([name, value]) => {
        if (keyNames.includes(name)) {
          throw this.refusal('table-client/key-not-updatable', 'change.set', name, `not name a key attribute: "${name}" cannot be updated`, 'write a new item with put() instead');
        }
        return value !== undefined;
      })
      .map(([name, value]) => `${expression.name(name)} = ${expression.value(value)}`);
    if (sets.length === 0) {
      throw this.refusal('table-client/update-sets-something', 'change.set', change.set, 'set one or more attributes to a defined value', 'give update() at least one attribute to set, or skip the call');
    }
    const condition = change.condition ? this.conditionExpression(change.condition, expression) : undefined;
    try {
      const { Attributes } = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.keyOf(this.schema.primary, key),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition,
          ...expression.attributes(),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { updated: true, item: Attributes as ItemOf<S, A> };
    } catch (error) {
      if (condition && isConditionFailure(error)) return { updated: false };
      throw error;
    }
  }

  /** One page of the items in a partition of the table. */
  public async query<K extends PartitionKeyOf<S>>(
    partition: Exactly<PartitionKeyOf<S>, K>,
    options: QueryOptions<SortValueOf<S>, PrimaryKeyOf<S>> = {},
  ): Promise<Page<ItemOf<S, A>, PrimaryKeyOf<S>>> {
    return this.queryPage(this.schema.primary, undefined, partition, options);
  }

  /** One page of the items in a partition of an index, holding only what the index projects. */
  public async queryIndex<I extends IndexName<S>, K extends IndexPartitionOf<S, I>>(
    indexName: I,
    partition: Exactly<IndexPartitionOf<S, I>, K>,
    options: QueryOptions<IndexSortValueOf<S, I>, PrimaryKeyOf<S> & IndexKeyOf<S, I>> = {},
  ): Promise<Page<ProjectedItemOf<S, I, A>, PrimaryKeyOf<S> & IndexKeyOf<S, I>>> {
    return this.queryPage(keyPairOf(this.schema, indexName), indexName, partition, options);
  }

  private async queryPage<Item, Key>(
    pair: KeyPair,
    indexName: string | undefined,
    partition: object,
    options: QueryOptions<unknown, unknown>,
  ): Promise<Page<Item, Key>> {
    const expression = new ExpressionBuilder();
    const partitionName = pair.partitionKey.name;
    const partitionValue = this.valueOf(partition, partitionName);
    const conditions = [`${expression.name(partitionName)} = ${expression.value(partitionValue)}`];
    if (options.sort) {
      if (!pair.sortKey) {
        throw this.refusal('table-client/sort-needs-sort-key', 'options.sort', indexName ?? 'the table', 'query a table or index that has a sort key', 'drop options.sort, or query an index whose key schema has a sort key');
      }
      conditions.push(sortExpression(expression.name(pair.sortKey.name), options.sort, expression));
    }
    const { Items = [], LastEvaluatedKey } = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: indexName,
        KeyConditionExpression: conditions.join(' AND '),
        ...expression.attributes(),
        ScanIndexForward: options.descending === true ? false : undefined,
        Limit: options.limit,
        ExclusiveStartKey: options.startKey as Record<string, unknown> | undefined,
        ConsistentRead: options.consistent,
      }),
    );
    return { items: Items as Item[], lastKey: LastEvaluatedKey as Key | undefined };
  }

  /** The client's refusals: the library's one error type, naming the table, the rule, the value and the fix. */
  private refusal(ruleId: string, field: string, value: unknown, requirement: string, fix: string): GuardValidationError {
    return new GuardValidationError('TableClient', `table ${this.tableName}`, [{ ruleId, field, value, requirement, fix }]);
  }

  private primaryKeyNames(): string[] {
    const { partitionKey, sortKey } = this.schema.primary;
    return [partitionKey.name, ...(sortKey ? [sortKey.name] : [])];
  }

  /** The key attributes of `pair` taken from `source`; a missing one fails before any call (for callers outside TypeScript). */
  private keyOf(pair: KeyPair, source: object): Record<string, unknown> {
    const key: Record<string, unknown> = { [pair.partitionKey.name]: this.valueOf(source, pair.partitionKey.name) };
    if (pair.sortKey) key[pair.sortKey.name] = this.valueOf(source, pair.sortKey.name);
    return key;
  }

  private valueOf(source: object, name: string): unknown {
    const value = (source as Record<string, unknown>)[name];
    if (value === undefined || value === null) {
      throw this.refusal('table-client/key-present', name, value, 'be present: it is a key attribute of the table', "build keys with the schema module's key builders");
    }
    return value;
  }

  private conditionExpression(condition: WriteCondition<A>, expression: ExpressionBuilder): string | undefined {
    const parts: string[] = [];
    if (condition.itemExists !== undefined) {
      const partitionKey = expression.name(this.schema.primary.partitionKey.name);
      parts.push(condition.itemExists ? `attribute_exists(${partitionKey})` : `attribute_not_exists(${partitionKey})`);
    }
    for (const [attribute, test] of Object.entries<AttributeCondition<unknown> | undefined>(condition.where ?? {})) {
      if (!test) continue;
      const name = expression.name(attribute);
      if ('equals' in test) parts.push(`${name} = ${expression.value(test.equals)}`);
      else if ('in' in test) {
        if (test.in.length === 0) {
          throw this.refusal('table-client/in-lists-values', `condition.where.${attribute}.in`, test.in, 'list one or more values', 'list the values the attribute may hold, or drop the condition');
        }
        parts.push(`${name} IN (${test.in.map((value) => expression.value(value)).join(', ')})`);
      } else parts.push(test.exists ? `attribute_exists(${name})` : `attribute_not_exists(${name})`);
    }
    return parts.length > 0 ? parts.join(' AND ') : undefined;
  }
}

function sortExpression(name: string, condition: SortCondition<unknown>, expression: ExpressionBuilder): string {
  if ('equals' in condition) return `${name} = ${expression.value(condition.equals)}`;
  if ('beginsWith' in condition) return `begins_with(${name}, ${expression.value(condition.beginsWith)})`;
  if ('between' in condition) return `${name} BETWEEN ${expression.value(condition.between[0])} AND ${expression.value(condition.between[1])}`;
  if ('lessThan' in condition) return `${name} < ${expression.value(condition.lessThan)}`;
  return `${name} > ${expression.value(condition.greaterThan)}`;
}
