import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, Testing } from 'cdktf';
import { ConsistentTable } from '../../constructs/consistent-table';
import { PrimaryKeyOf, defineKeySchema } from '../../constructs/key-schema';
import { LeastPrivilegeRole } from '../../constructs/least-privilege-role';
import { ServiceAlarms } from '../../constructs/service-alarms';
import { resolvedText } from '../../constructs/internal/synthesized';
import { guardErrorOf, newStack, synth } from '../helpers/stacks';

const ordersSchema = defineKeySchema({
  primary: { partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'S' } },
  globalIndexes: { byCustomer: { partitionKey: { name: 'customer_id', type: 'S' } } },
  localIndexes: { byDate: { sortKey: { name: 'created_at', type: 'S' } } },
});

function pinnedStack() {
  const stack = new TerraformStack(Testing.app(), 'Orders');
  new AwsProvider(stack, 'aws', { region: 'eu-west-1', allowedAccountIds: ['111111111111'] });
  return stack;
}

describe('ConsistentTable.fromTableName: a table a team already has, with its key schema', () => {
  it('keeps the schema, so the key types hold for an imported table too', () => {
    const table = ConsistentTable.fromTableName(pinnedStack(), 'Orders', 'orders', { schema: ordersSchema });
    const key: PrimaryKeyOf<typeof table.schema> = { pk: 'ORDER#1', sk: 'ORDER' };
    expect(key).toEqual({ pk: 'ORDER#1', sk: 'ORDER' });
    expect(table.schema).toBe(ordersSchema);
  });

  it('grants on the table and each index the schema declares, in the pinned account and region', () => {
    const stack = pinnedStack();
    const table = ConsistentTable.fromTableName(stack, 'Orders', 'orders', { schema: ordersSchema });
    const role = new LeastPrivilegeRole(stack, 'Reader', { assumedBy: 'lambda.amazonaws.com' });
    const arn = 'arn:${data.aws_partition.Partition.partition}:dynamodb:eu-west-1:111111111111:table/orders';
    expect(table.grantReadData(role).resources.map((r) => resolvedText(stack, r))).toEqual([arn, `${arn}/index/byCustomer`, `${arn}/index/byDate`]);
  });

  it('checks the schema and the name as a new table is checked: the PK/pk failure is refused on import too', () => {
    const { stack } = newStack();
    const confusable = defineKeySchema({ primary: { partitionKey: { name: 'PK', type: 'S' } }, globalIndexes: { byPk: { partitionKey: { name: 'pk', type: 'S' } } } });
    const error = guardErrorOf(() => ConsistentTable.fromTableName(stack, 'Legacy', 'legacy table', { schema: confusable, keyNamePattern: '^[A-Za-z_]+$' }));
    expect(error.constructPath).toBe('TapStack/Legacy');
    expect(error.violations.map((v) => v.ruleId)).toEqual(['table-keys/no-confusable-names', 'table-name/charset']);
  });

  it('adds the customer-managed key to every grant when given, and works with alarms', () => {
    const { stack } = newStack();
    const kmsKeyArn = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const table = ConsistentTable.fromTableName(stack, 'Orders', 'orders', { schema: ordersSchema, kmsKeyArn });
    const role = new LeastPrivilegeRole(stack, 'Writer', { assumedBy: 'lambda.amazonaws.com' });
    expect(table.grant(role, 'dynamodb:PutItem').actions).toEqual(['dynamodb:PutItem', 'kms:Decrypt', 'kms:GenerateDataKey']);
    new ServiceAlarms(stack, 'Alarms', { tables: [table] });
    expect(JSON.stringify(synth(stack).json.resource.aws_cloudwatch_metric_alarm)).toContain('"TableName":"orders"');
  });
});
