import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { EncryptedTopic } from '../../constructs/encrypted-topic';
import { LeastPrivilegeRole } from '../../constructs/least-privilege-role';
import { TerraformVariable } from 'cdktf';
import { errorOf, newStack, synth } from '../helpers/stacks';

const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('EncryptedTopic', () => {
  it('encrypts with the AWS managed SNS key by default, under a derived name', () => {
    const { stack } = newStack();
    new EncryptedTopic(stack, 'JobEvents');
    expect(synth(stack).text).toHaveResourceWithProperties(SnsTopic, { name: 'TapStack-JobEvents', kms_master_key_id: 'alias/aws/sns' });
  });

  it('uses the customer-managed KMS key it is given', () => {
    const { stack } = newStack();
    new EncryptedTopic(stack, 'JobEvents', { kmsKeyArn: KEY_ARN });
    expect(synth(stack).text).toHaveResourceWithProperties(SnsTopic, { kms_master_key_id: KEY_ARN });
  });

  it('gives publishers kms:Decrypt and kms:GenerateDataKey on a customer-managed key, and nothing on the AWS managed one', () => {
    const { stack } = newStack();
    const cmkTopic = new EncryptedTopic(stack, 'Orders', { kmsKeyArn: KEY_ARN });
    const managedTopic = new EncryptedTopic(stack, 'Audit');
    const publisher = new LeastPrivilegeRole(stack, 'Publisher', { assumedBy: 'lambda.amazonaws.com' });
    cmkTopic.grantPublish(publisher);
    managedTopic.grantPublish(publisher);
    expect(publisher.grantedStatements).toEqual([
      { sid: 'PublishOrders', actions: ['sns:Publish'], resources: [cmkTopic.topicArn] },
      { sid: 'UseKeyOrders', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [KEY_ARN] },
      { sid: 'PublishAudit', actions: ['sns:Publish'], resources: [managedTopic.topicArn] },
    ]);
  });

  it('accepts a literal key ARN as kmsKeyId and grants on it', () => {
    const { stack } = newStack();
    const topic = new EncryptedTopic(stack, 'Orders', { kmsKeyId: KEY_ARN });
    const publisher = new LeastPrivilegeRole(stack, 'Publisher', { assumedBy: 'lambda.amazonaws.com' });
    topic.grantPublish(publisher);
    expect(publisher.grantedStatements.map((s) => s.sid)).toEqual(['PublishOrders', 'UseKeyOrders']);
  });

  it.each([
    [{ kmsKeyId: 'alias/platform-sns' }, 'topic/key-arn-known'],
    [{ kmsKeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' }, 'topic/key-arn-known'],
    [{ kmsKeyArn: KEY_ARN, kmsKeyId: KEY_ARN }, 'topic/one-key'],
  ])('refuses %j, which would leave publishers without the key (%s)', (props, ruleId) => {
    const { stack } = newStack();
    const message = errorOf(() => new EncryptedTopic(stack, 'Orders', props));
    expect(message).toContain("EncryptedTopic at 'TapStack/Orders'");
    expect(message).toContain(`[${ruleId}]`);
    expect(message).toContain('kmsKeyArn');
  });

  it('refuses a deploy-time kmsKeyId, whose ARN grantPublish could not know', () => {
    const { stack } = newStack();
    const keyId = new TerraformVariable(stack, 'key', { type: 'string' }).stringValue;
    expect(errorOf(() => new EncryptedTopic(stack, 'Orders', { kmsKeyId: keyId }))).toContain('(a deploy-time value)');
  });

  it('grants sns:Publish on this topic only', () => {
    const { stack } = newStack();
    const topic = new EncryptedTopic(stack, 'JobEvents');
    topic.grantPublish(new LeastPrivilegeRole(stack, 'Publisher', { assumedBy: 'lambda.amazonaws.com' }));
    const doc = Object.entries(synth(stack).json.data.aws_iam_policy_document).find(([key]) => key.startsWith('Publisher_PolicyDocument'))?.[1];
    expect(doc?.statement).toEqual([
      {
        sid: 'PublishJobEvents',
        effect: 'Allow',
        actions: ['sns:Publish'],
        resources: [expect.stringMatching(/^\$\{aws_sns_topic\.JobEvents_Topic_\w+\.arn\}$/)],
      },
    ]);
  });
});
