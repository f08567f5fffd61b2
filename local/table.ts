import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** CreateTable input from a synthesized aws_dynamodb_table block: its attributes, keys and indexes, nothing declared again. */
export function createTableInput(table: Record<string, any>, tableName: string = table.name): CreateTableCommandInput {
  const keySchema = (hash: string, range?: string) => [
    { AttributeName: hash, KeyType: 'HASH' as const },
    ...(range ? [{ AttributeName: range, KeyType: 'RANGE' as const }] : []),
  ];
  return {
    TableName: tableName,
    BillingMode: table.billing_mode,
    AttributeDefinitions: (table.attribute as { name: string; type: 'S' | 'N' | 'B' }[]).map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
    KeySchema: keySchema(table.hash_key, table.range_key),
    GlobalSecondaryIndexes: (table.global_secondary_index ?? []).map(
      (gsi: { name: string; hash_key: string; range_key?: string; projection_type: 'ALL' | 'KEYS_ONLY' }) => ({
        IndexName: gsi.name,
        KeySchema: keySchema(gsi.hash_key, gsi.range_key),
        Projection: { ProjectionType: gsi.projection_type },
      }),
    ),
  };
}
