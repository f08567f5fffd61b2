import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { EncryptedTopic } from '../../constructs/encrypted-topic';
import { LeastPrivilegeRole } from '../../constructs/least-privilege-role';
import { newStack, synth } from '../helpers/stacks';

describe('EncryptedTopic', () => {
  it('encrypts with the AWS managed SNS key by default, under a derived name', () => {
    const { stack } = newStack();
    new EncryptedTopic(stack, 'JobEvents');
    expect(synth(stack).text).toHaveResourceWithProperties(SnsTopic, { name: 'TapStack-JobEvents', kms_master_key_id: 'alias/aws/sns' });
  });

  it('uses the KMS key it is given', () => {
    const { stack } = newStack();
    new EncryptedTopic(stack, 'JobEvents', { kmsKeyId: 'alias/platform-sns' });
    expect(synth(stack).text).toHaveResourceWithProperties(SnsTopic, { kms_master_key_id: 'alias/platform-sns' });
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
