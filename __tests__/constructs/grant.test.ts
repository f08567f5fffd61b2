import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { ConsistentTable } from '../../constructs/consistent-table';
import { EncryptedTopic } from '../../constructs/encrypted-topic';
import { Grant } from '../../constructs/grant';
import { defineKeySchema } from '../../constructs/key-schema';
import { LeastPrivilegeRole } from '../../constructs/least-privilege-role';
import { guardErrorOf, newStack, synth } from '../helpers/stacks';

const schema = defineKeySchema({
  primary: { partitionKey: { name: 'pk', type: 'S' }, sortKey: { name: 'sk', type: 'S' } },
  globalIndexes: { byStatus: { partitionKey: { name: 'status', type: 'S' } } },
});

function setup() {
  const { stack } = newStack();
  const role = new LeastPrivilegeRole(stack, 'Worker', { assumedBy: 'lambda.amazonaws.com' });
  const table = new ConsistentTable(stack, 'Jobs', { schema, kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' });
  return { stack, role, table };
}

describe('Grant: what a grant method did, to inspect or chain', () => {
  it('names the grantee, every statement added, their actions and resources, and the policy to wait for', () => {
    const { role, table } = setup();
    const grant = table.grantReadData(role);
    expect(grant.grantee).toBe(role);
    expect(grant.statements.map((s) => s.sid)).toEqual(['BatchGetItemConditionCheckItemGetItemQueryScanJobs', 'UseKeyJobs']);
    expect(grant.actions).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:ConditionCheckItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'kms:Decrypt',
      'kms:GenerateDataKey',
    ]);
    expect(grant.resources).toEqual([table.tableArn, `${table.tableArn}/index/byStatus`, table.kmsKeyArn]);
    expect(grant.policyDependables).toEqual([role.policyDependable]);
    // What the grant says is what the role holds.
    expect(role.grantedStatements).toEqual(expect.arrayContaining(grant.statements.map((s) => expect.objectContaining(s))));
  });

  it('combines grants to one grantee, and refuses to combine grants to two', () => {
    const { stack, role, table } = setup();
    const topic = new EncryptedTopic(stack, 'Events');
    const both = table.grant(role, 'dynamodb:PutItem').combine(topic.grantPublish(role));
    expect(both.actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'sns:Publish']));
    const other = new LeastPrivilegeRole(stack, 'Other', { assumedBy: 'lambda.amazonaws.com' });
    const error = guardErrorOf(() => both.combine(topic.grantPublish(other)));
    expect(error.violations[0]).toMatchObject({ ruleId: 'grant/same-grantee', value: 'TapStack/Other' });
  });

  it('makes a resource wait for the policy with applyBefore, once however often asked', () => {
    const { stack, role, table } = setup();
    const grant = table.grantWriteData(role);
    const dependent = new SnsTopic(stack, 'NeedsTheGrantAtCreation', { name: 'needs-the-grant' });
    grant.applyBefore(dependent);
    grant.applyBefore(dependent);
    const topic = Object.values(synth(stack).json.resource.aws_sns_topic).find((t) => t.name === 'needs-the-grant');
    expect(topic?.depends_on).toEqual([expect.stringMatching(/^aws_iam_role_policy\.Worker_Policy_\w+$/)]);
  });

  it('reports a statement the grantee already held as not added (the same grant twice is one statement)', () => {
    const { role, table } = setup();
    table.grant(role, 'dynamodb:GetItem');
    const again = Grant.addToPrincipal({ grantee: role, sid: 'GetItemJobs', actions: ['dynamodb:GetItem'], resources: [table.tableArn, `${table.tableArn}/index/byStatus`] });
    expect(again.statements).toHaveLength(1);
    expect(role.addToPrincipalPolicy(again.statements[0]).statementAdded).toBe(false);
  });
});
