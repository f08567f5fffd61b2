import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { IGrantee, grantSid } from './least-privilege-role';
import { deriveResourceName } from './internal/naming';

export interface EncryptedTopicProps {
  /**
   * KMS key for encryption at rest.
   * @default 'alias/aws/sns' (the AWS managed key: publishers in the account need no KMS grant)
   */
  readonly kmsKeyId?: string;
}

/**
 * An SNS topic encrypted at rest, whose publishers ask through {@link grantPublish}.
 *
 * @example
 * const topic = new EncryptedTopic(stack, 'JobEvents');
 * topic.grantPublish(notificationFunction);
 */
export class EncryptedTopic extends Construct {
  public readonly topicArn: string;
  public readonly topic: SnsTopic;

  constructor(scope: Construct, id: string, props: EncryptedTopicProps = {}) {
    super(scope, id);
    this.topic = new SnsTopic(this, 'Topic', {
      name: deriveResourceName(TerraformStack.of(this).node.id, id, 256),
      kmsMasterKeyId: props.kmsKeyId ?? 'alias/aws/sns',
    });
    this.topicArn = this.topic.arn;
  }

  public grantPublish(grantee: IGrantee): void {
    grantee.addToPrincipalPolicy({
      sid: grantSid('Publish', this),
      actions: ['sns:Publish'],
      resources: [this.topicArn],
    });
  }
}
