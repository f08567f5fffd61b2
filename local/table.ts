import type { CreateTableCommandInput, Projection } from '@aws-sdk/client-dynamodb';

interface SynthesizedIndex {
  readonly name: string;
  readonly hash_key?: string;
  readonly range_key?: string;
  readonly projection_type: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  readonly non_key_attributes?: string[];
}

function projectionOf(index: SynthesizedIndex): Projection {
  return index.projection_type === 'INCLUDE'
    ? { ProjectionType: 'INCLUDE', NonKeyAttributes: index.non_key_attributes }
    : { ProjectionType: index.projection_type };
}

/**
 * CreateTable input from a synthesized aws_dynamodb_table block: its attributes,
 * keys, global and local indexes and their projections, nothing declared again.
 */
export function createTableInput(table: Record<string, any>, tableName: string = table.name): CreateTableCommandInput {
  const keySchema = (hash: string, range?: string) => [
    { AttributeName: hash, KeyType: 'HASH' as const },
    ...(range ? [{ AttributeName: range, KeyType: 'RANGE' as const }] : []),
  ];
  const globalIndexes = (table.global_secondary_index ?? []) as SynthesizedIndex[];
  const localIndexes = (table.local_secondary_index ?? []) as SynthesizedIndex[];
  return {
    TableName: tableName,
    BillingMode: table.billing_mode,
    AttributeDefinitions: (table.attribute as { name: string; type: 'S' | 'N' | 'B' }[]).map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
    KeySchema: keySchema(table.hash_key, table.range_key),
    GlobalSecondaryIndexes:
      globalIndexes.length > 0
        ? globalIndexes.map((gsi) => ({ IndexName: gsi.name, KeySchema: keySchema(gsi.hash_key ?? '', gsi.range_key), Projection: projectionOf(gsi) }))
        : undefined,
    // A local index shares the table's partition key; only its sort key is its own.
    LocalSecondaryIndexes:
      localIndexes.length > 0
        ? localIndexes.map((lsi) => ({ IndexName: lsi.name, KeySchema: keySchema(table.hash_key, lsi.range_key), Projection: projectionOf(lsi) }))
        : undefined,
  };
}
