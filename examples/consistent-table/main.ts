/**
 * ConsistentTable: a DynamoDB table built from one typed key schema, the same object the
 * Lambda code imports for its keys, so `PK` in the table and `pk` in the code cannot both exist.
 * Run: `npx tsx examples/consistent-table/main.ts`.
 * The lines between `#region README` and `#endregion README` are the README's example of this
 * construct; __tests__/docs/examples.test.ts keeps the two equal, so the README shows code that
 * compiles and plans.
 */
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { ConsistentTable, defineKeySchema, type PrimaryKeyOf } from 'guarded-serverless-stack';

// #region README
// In a real project this lives in a module without cdktf imports, shared with the Lambda code.
export const ordersSchema = defineKeySchema({
  primary: { partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'S' } },
  globalIndexes: {
    byCustomer: { partitionKey: { name: 'customer_id', type: 'S' }, sortKey: { name: 'created_at', type: 'S' } },
  },
});

/** What the code passes as a key: `{ PK: ... }` does not compile. */
export type OrderKey = PrimaryKeyOf<typeof ordersSchema>;
export const exampleKey: OrderKey = { pk: 'ORDER#1001', sk: 'ORDER' };
// #endregion README

export class ConsistentTableExample extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AwsProvider(this, 'aws', { region: 'eu-west-1' });

    // #region README
    const orders = new ConsistentTable(this, 'Orders', {
      schema: ordersSchema,
      timeToLiveAttribute: 'expires_at',
      // Example only: lets `cdktf destroy` remove it. Keep the default (true) for real data.
      deletionProtection: false,
    });
    // #endregion README

    new TerraformOutput(this, 'table_name', { value: orders.tableName });
  }
}

export function buildExample(app: App = new App()): App {
  new ConsistentTableExample(app, 'consistent-table-example');
  return app;
}

if (require.main === module) buildExample().synth();
